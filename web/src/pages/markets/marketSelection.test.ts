import { describe, expect, it } from "vitest";
import { candleChannel, defaultMarket, liveCandleOf, marketId, parseMarketId } from "./marketSelection";

const stored = (symbol: string, timeframe: string, candles: number) => ({
  exchange: "binance",
  symbol,
  timeframe,
  candles,
  first_ms: 0,
  last_ms: 1,
  gap_count: 0,
  missing_bars: 0,
});

describe("market selection", () => {
  it("test_candle_channel_replaces_slash_keeps_settle_suffix", () => {
    expect(candleChannel({ exchange: "binance", symbol: "BTC/USDT", timeframe: "1m" })).toBe(
      "candles.binance.BTC-USDT.1m",
    );
    expect(candleChannel({ exchange: "binance", symbol: "BTC/USDT:USDT", timeframe: "1m" })).toBe(
      "candles.binance.BTC-USDT:USDT.1m",
    );
  });

  it("test_market_id_round_trips_and_rejects_garbage", () => {
    const market = { exchange: "binance", symbol: "ETH/USDT", timeframe: "4h" };
    expect(parseMarketId(marketId(market))).toEqual(market);
    expect(parseMarketId("binance|ETH/USDT")).toBeNull();
  });

  it("test_default_market_prefers_btc_1h_then_most_candles", () => {
    expect(defaultMarket([stored("ETH/USDT", "1m", 9), stored("BTC/USDT", "1h", 5)])?.symbol).toBe(
      "BTC/USDT",
    );
    expect(defaultMarket([stored("ETH/USDT", "1m", 9), stored("SOL/USDT", "1m", 50)])?.symbol).toBe(
      "SOL/USDT",
    );
    expect(defaultMarket([])).toBeNull();
  });

  it("test_live_candle_of_event_checks_every_field", () => {
    const data = {
      exchange: "binance",
      symbol: "BTC/USDT",
      timeframe: "1m",
      ts_ms: 60_000,
      open: 1,
      high: 2,
      low: 0.5,
      close: 1.5,
      volume: 3,
      at_ms: 61_000,
    };
    expect(liveCandleOf(data)).toEqual({ ts_ms: 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 });
    expect(liveCandleOf({ ...data, close: "1.5" })).toBeNull();
  });
});
