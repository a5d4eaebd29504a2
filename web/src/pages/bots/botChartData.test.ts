import { describe, expect, it } from "vitest";
import type { Schemas } from "../../api/client";
import { mergeFills } from "../../data/streamPatches";
import { fillMarksOf, markersOnCandles, tradeMarksOf } from "./botChartData";

const TRADE: Schemas["xor_trading__api__schemas__trades__TradePublic"] = {
  id: "t1",
  bot_id: "b1",
  strategy: "sma_cross",
  symbol: "BTC/USDT",
  side: "long",
  quantity: "0.010",
  entry_price: "65000.10",
  exit_price: "64000",
  entry_at: "2025-03-01T10:00:00Z",
  exit_at: "2025-03-01T12:30:00Z",
  gross_pnl: "-10.001",
  fees: "1.29",
  net_pnl: "-11.291",
  exit_reason: "stop_loss",
};

const FILL: Schemas["FillPublic"] = {
  id: "f1",
  order_id: "o1",
  bot_id: "b1",
  venue_trade_id: "v1",
  symbol: "BTC/USDT",
  side: "sell",
  quantity: "0.010",
  price: "64000.00",
  fee: "0.64",
  fee_currency: "USDT",
  liquidity: "taker",
  at: "2025-03-01T12:30:00.250Z",
};

describe("bot chart data", () => {
  it("test_trade_marks_of_symbol_times_in_ms_decimals_kept", () => {
    expect(tradeMarksOf([TRADE, { ...TRADE, id: "t2", symbol: "ETH/USDT" }], "BTC/USDT")).toEqual([
      {
        side: "long",
        entry_ms: Date.parse("2025-03-01T10:00:00Z"),
        exit_ms: Date.parse("2025-03-01T12:30:00Z"),
        entry_price: "65000.10",
        exit_price: "64000",
        pnl: "-11.291",
      },
    ]);
  });

  it("test_fill_marks_of_symbol_bad_time_dropped", () => {
    expect(fillMarksOf([FILL, { ...FILL, id: "f2", at: "not a time" }], "BTC/USDT")).toEqual([
      { side: "sell", at_ms: Date.parse("2025-03-01T12:30:00.250Z"), price: "64000.00", quantity: "0.010" },
    ]);
    expect(fillMarksOf([FILL], "ETH/USDT")).toEqual([]);
  });

  it("test_fill_marks_of_rest_and_stream_fills_one_marker_per_fill", () => {
    // The page loaded f1 over REST; the stream then sent f1 again and a new f2.
    const f2 = { ...FILL, id: "f2", side: "buy", at: "2025-03-01T12:45:00Z", price: "63999.5" };
    const marks = fillMarksOf(mergeFills([FILL], [FILL, f2]), "BTC/USDT");
    expect(marks).toEqual([
      { side: "sell", at_ms: Date.parse("2025-03-01T12:30:00.250Z"), price: "64000.00", quantity: "0.010" },
      { side: "buy", at_ms: Date.parse("2025-03-01T12:45:00Z"), price: "63999.5", quantity: "0.010" },
    ]);
    const open = Date.parse("2025-03-01T12:00:00Z");
    expect(markersOnCandles([], marks, [open, open + 3_600_000])).toBe(2);
  });

  it("test_markers_on_candles_counts_entries_exits_and_fills_inside_the_candles_only", () => {
    const hour = 3_600_000;
    const open = Date.parse("2025-03-01T10:00:00Z");
    const candles = [open, open + hour, open + 2 * hour]; // 10:00, 11:00, 12:00 (until 13:00)
    const [trade] = tradeMarksOf([TRADE], "BTC/USDT"); // entry 10:00, exit 12:30
    const [fill] = fillMarksOf([FILL], "BTC/USDT"); // 12:30:00.250
    if (trade === undefined || fill === undefined) throw new Error("fixture");
    expect(markersOnCandles([trade], [fill], candles)).toBe(3);
    // Before the first candle, and after the last one's hour: not drawn.
    const early = { ...trade, entry_ms: open - 1, exit_ms: open + 3 * hour };
    expect(markersOnCandles([early], [], candles)).toBe(0);
    expect(markersOnCandles([trade], [fill], [])).toBe(0);
  });
});
