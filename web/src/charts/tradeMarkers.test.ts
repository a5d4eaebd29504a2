import { describe, expect, it } from "vitest";
import { PALETTES } from "./chartPalette";
import { snapToCandle, tradeMarkers } from "./tradeMarkers";

const H = 3_600_000;
const T0 = Date.parse("2025-03-01T00:00:00Z");
const TIMES = [T0, T0 + H, T0 + 2 * H, T0 + 3 * H];
const P = PALETTES.dark;

describe("snapToCandle", () => {
  it("test_snap_to_candle_inside_a_candle_gives_its_open", () => {
    expect(snapToCandle(T0 + H + 1234, TIMES, H)).toBe(T0 + H);
    expect(snapToCandle(T0 + 2 * H, TIMES, H)).toBe(T0 + 2 * H);
    expect(snapToCandle(T0 + 3 * H + H - 1, TIMES, H)).toBe(T0 + 3 * H);
  });

  it("test_snap_to_candle_outside_the_candles_is_null", () => {
    expect(snapToCandle(T0 - 1, TIMES, H)).toBeNull();
    expect(snapToCandle(T0 + 4 * H, TIMES, H)).toBeNull();
    expect(snapToCandle(T0, [], H)).toBeNull();
  });
});

describe("tradeMarkers", () => {
  it("test_trade_markers_entry_and_exit_on_their_candles_coloured_by_result", () => {
    const markers = tradeMarkers(
      [
        {
          side: "long",
          entry_ms: T0 + 10,
          exit_ms: T0 + 2 * H + 5,
          entry_price: "100.5",
          exit_price: "99",
          pnl: "-1.60",
        },
      ],
      [],
      TIMES,
      H,
      P,
    );
    expect(markers).toEqual([
      { time: T0 / 1000, position: "belowBar", shape: "arrowUp", color: P.up, text: "long 100.5" },
      {
        time: (T0 + 2 * H) / 1000,
        position: "aboveBar",
        shape: "circle",
        color: P.down,
        text: "exit 99 (-1.60)",
      },
    ]);
  });

  it("test_trade_markers_fills_merged_and_sorted_by_time_outside_dropped", () => {
    const markers = tradeMarkers(
      [
        {
          side: "short",
          entry_ms: T0 + 2 * H,
          exit_ms: T0 + 3 * H,
          entry_price: "1",
          exit_price: "0.9",
          pnl: "0.1",
        },
      ],
      [
        { side: "buy", at_ms: T0 + H, price: "101", quantity: "0.5" },
        { side: "sell", at_ms: T0 + 9 * H, price: "99", quantity: "0.5" },
      ],
      TIMES,
      H,
      P,
    );
    expect(markers.map((m) => [m.time, m.shape, m.position, m.text])).toEqual([
      [(T0 + H) / 1000, "arrowUp", "belowBar", "buy 0.5 @ 101"],
      [(T0 + 2 * H) / 1000, "arrowDown", "aboveBar", "short 1"],
      [(T0 + 3 * H) / 1000, "circle", "belowBar", "exit 0.9 (0.1)"],
    ]);
    expect(markers[2]?.color).toBe(P.up);
  });
});
