"""Hand-built candle paths with a known Elliott count (ZigZag 5 %), shared by the Elliott
strategy tests. 1-minute candles ``(open, high, low, close, volume)``.

The impulse (:data:`IMPULSE`):

    p0 = 100 (candle 0), p1 = 120 (2), p2 = 108 (4), p3 = 146 (8), p4 = 132 (10)

Wave 2 retraces 12 / 20 = 0.6 of wave 1: its zone is 120 - [0.786, 0.382] x 20 =
[104.28, 112.36]. Wave 4 retraces 14 / 38 = 0.368 of wave 3: zone [127, 137.03]. Swings
are confirmed by a 5 % reversal: p2 at candle 5 (high 113.5 >= 108 x 1.05), p3 at candle 9
(low 138.6 <= 146 x 0.95), p4 at candle 11 (high 139 >= 132 x 1.05). Wave-5 targets from
p4: 132 + 20 = 152 (nearest), 132 + 0.618 x 38 = 155.484, 132 + 0.618 x 46 = 160.428.
"""

from __future__ import annotations

Row = tuple[float, float, float, float, float]
HOUR_MS = 3_600_000

WAVES_1_2: list[Row] = [
    (100, 100.5, 100, 100.2, 1000),  # 0: p0 = 100
    (100.2, 106, 101, 105, 1000),  # 1: confirms the low at 0 (106 >= 105)
    (105, 120, 104, 119, 1000),  # 2: p1 = 120
    (119, 119.5, 113.9, 114, 1000),  # 3: confirms p1 (113.9 <= 114)
    (114, 114, 108, 109, 1000),  # 4: p2 = 108
    (109, 113.5, 108.5, 112, 1000),  # 5: confirms p2; close 112 in [104.28, 112.36]
    (112, 113, 110, 111, 1000),  # 6
]
WAVES_3_4: list[Row] = [
    (111, 130, 111, 129, 1000),  # 7
    (129, 146, 129, 145, 1000),  # 8: p3 = 146
    (145, 145, 138.6, 139, 1000),  # 9: confirms p3 (138.6 <= 138.7)
    (139, 139, 132, 133, 1000),  # 10: p4 = 132
    (133, 139, 133, 136, 1000),  # 11: confirms p4; close 136 in [127, 137.03]
    (136, 140, 135, 139, 1000),  # 12
]
IMPULSE: list[Row] = [
    *WAVES_1_2,
    *WAVES_3_4,
    (139, 153, 138, 150, 1000),  # 13: trades through the 152 target
    (150, 150, 149, 149.5, 1000),  # 14
]

# A down correction after a rise: low 100 (candle 0, the rise starts), A from 120 (2) to
# 108 (5), B to 116 (7), C to 105 (11), confirmed at candle 12 (high 111 >= 110.25).
# B / A = 8 / 12 and C / A = 11 / 12: confidence 0.97.
CORRECTION: list[Row] = [
    (100, 100.5, 100, 100.2, 1000),  # 0: the low the rise starts from
    (100.2, 106, 101, 105, 1000),  # 1
    (105, 120, 104, 119, 1000),  # 2: A starts at 120
    (119, 119.5, 113, 114, 1000),  # 3: confirms 120
    (114, 114, 110, 111, 1000),  # 4
    (111, 111, 108, 108.5, 1000),  # 5: A ends at 108
    (108.5, 114, 108.5, 113.5, 1000),  # 6: confirms 108
    (113.5, 116, 113, 115.5, 1000),  # 7: B ends at 116
    (115.5, 115.5, 110, 110.5, 1000),  # 8: confirms 116 (110 <= 110.2)
    (110.5, 111.5, 108, 111, 1000),  # 9
    (111, 111, 106, 107, 1000),  # 10
    (107, 108, 105, 107.5, 1000),  # 11: C ends at 105
    (107.5, 111, 107, 110.5, 1000),  # 12: confirms 105
]

# An impulse whose wave 3 (25) is shorter than wave 1 (30): p0 100, p1 130, p2 115, p3 140,
# p4 132.9 (confirmed at candle 8). Wave 5 may then not pass 132.9 + 25 = 157.9, which
# candle 11's high of 159 does, with no new swing.
SHORT_WAVE3: list[Row] = [
    (100, 100.5, 100, 100.2, 1000),  # 0: p0
    (100.2, 106, 101, 105, 1000),  # 1
    (105, 130, 104, 129, 1000),  # 2: p1
    (129, 129.5, 123, 124, 1000),  # 3: confirms p1
    (124, 124, 115, 116, 1000),  # 4: p2
    (116, 121, 116, 118, 1000),  # 5: confirms p2
    (118, 140, 118, 139, 1000),  # 6: p3
    (139, 139, 132.9, 133.5, 1000),  # 7: confirms p3; p4 = 132.9
    (133.5, 139.6, 133.5, 134, 1000),  # 8: confirms p4; 134 in the zone [127.5, 134.1]
    (134, 140, 133.5, 139, 1000),  # 9
    (139, 150, 138, 149, 1000),  # 10
    (149, 159, 148, 158.5, 1000),  # 11: above 157.9: the count is broken
    (158.5, 159, 157, 158, 1000),  # 12
]
