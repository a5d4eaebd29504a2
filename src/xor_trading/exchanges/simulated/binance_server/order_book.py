"""The synthetic order book around the replay price.

Best bid = price * (1 - spread/2) rounded down to the tick, best ask = price * (1 +
spread/2) rounded up, and at least one tick above the bid (with ``spread_bps`` 0 the
book shows a one-tick spread while market orders fill at the replay price). Further
levels are ``level_step_bps`` apart (at least a tick). Each level holds a deterministic
quantity worth about 2,000-10,000 quote units. ``update_id`` grows by one whenever the
book changes, which gives Binance's ``lastUpdateId`` / ``U`` / ``u`` sequence.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from xor_trading.core.precision import Rounding, round_to_increment
from xor_trading.domain.instruments import Instrument

_BPS = Decimal(10_000)
_LEVEL_NOTIONAL = Decimal(2_000)
_HISTORY = 256  # book versions kept for diffs (a stalled stream may skip many)

Level = tuple[Decimal, Decimal]  # price, quantity


class SyntheticBook:
    """The book of one instrument; :meth:`refresh` moves it to a new replay price."""

    def __init__(
        self, instrument: Instrument, spread_bps: Decimal, levels: int, step_bps: Decimal
    ) -> None:
        self._inst = instrument
        self._spread = spread_bps
        self._levels = levels
        self._step_bps = step_bps
        self.update_id = 0
        self.bids: list[Level] = []
        self.asks: list[Level] = []
        self._history: deque[tuple[int, list[Level], list[Level]]] = deque(maxlen=_HISTORY)
        self._price: Decimal | None = None

    def refresh(self, price: Decimal) -> bool:
        """Rebuild the book at ``price``; True if it changed (``update_id`` then grows)."""
        if price == self._price:
            return False
        self._price = price
        self.bids, self.asks = self._build(price)
        self.update_id += 1
        self._history.append((self.update_id, self.bids, self.asks))
        return True

    def diff_since(self, version: int) -> tuple[list[Level], list[Level]]:
        """Levels turning any book version in ``[version, update_id]`` into the current one.

        Binance's rule for a diff ``U..u``: applied to a snapshot of any id in
        ``[U - 1, u]`` it gives book ``u``. So a level present in *any* version since
        ``version`` and gone now is sent with quantity 0, not just the ones of ``version``.
        """
        versions = [(b, a) for i, b, a in self._history if i >= version]
        if not versions or self._history[0][0] > version:
            versions.insert(0, ([], []))  # history too short: also send every level
        bids = _merged_diff([b for b, _ in versions], self.bids)
        asks = _merged_diff([a for _, a in versions], self.asks)
        return bids, asks

    def _build(self, price: Decimal) -> tuple[list[Level], list[Level]]:
        tick, lot = self._inst.tick_size, self._inst.lot_size
        half = price * self._spread / 2 / _BPS
        best_bid = round_to_increment(price - half, tick, Rounding.DOWN)
        best_ask = max(round_to_increment(price + half, tick, Rounding.UP), best_bid + tick)
        step = max(tick, round_to_increment(price * self._step_bps / _BPS, tick, Rounding.DOWN))
        bids: list[Level] = []
        asks: list[Level] = []
        for level in range(self._levels):
            qty = max(
                self._inst.min_qty,
                round_to_increment(_LEVEL_NOTIONAL * (1 + level % 5) / price, lot, Rounding.DOWN),
            )
            bid = best_bid - step * level
            if bid > 0:
                bids.append((bid, qty))
            asks.append((best_ask + step * level, qty))
        return bids, asks


def _merged_diff(olds: list[list[Level]], new: list[Level]) -> list[Level]:
    new_prices = {p for p, _ in new}
    seen = {p for old in olds for p, _ in old}
    oldest = dict(olds[0])
    removed = [(p, Decimal(0)) for p in sorted(seen - new_prices)]
    changed = [(p, q) for p, q in new if len(olds) > 1 or oldest.get(p) != q]
    return changed + removed
