/** Pure helpers of the markets page: market keys, the stream's candle channel name. */
import type { Schemas } from "../../api/client";
import type { MarketKey } from "../../data/queryKeys";

export function marketId(market: MarketKey): string {
  return `${market.exchange}|${market.symbol}|${market.timeframe}`;
}

export function parseMarketId(id: string): MarketKey | null {
  const [exchange, symbol, timeframe, ...rest] = id.split("|");
  if (!exchange || !symbol || !timeframe || rest.length > 0) return null;
  return { exchange, symbol, timeframe };
}

/** The stored market to show first: BTC/USDT 1h if stored, else the one with most candles. */
export function defaultMarket(markets: readonly Schemas["StoredMarketPublic"][]): MarketKey | null {
  const preferred = markets.find((m) => m.symbol === "BTC/USDT" && m.timeframe === "1h");
  const pick = preferred ?? [...markets].sort((a, b) => b.candles - a.candles)[0];
  return pick === undefined
    ? null
    : { exchange: pick.exchange, symbol: pick.symbol, timeframe: pick.timeframe };
}

/** `candles.<exchange>.<BASE-QUOTE>.<timeframe>` (docs/api-stream.md: `/` becomes `-`). */
export function candleChannel(market: MarketKey): string {
  return `candles.${market.exchange}.${market.symbol.replace("/", "-")}.${market.timeframe}`;
}

/** A live candle from a candle channel event, or null when the event is malformed. */
export function liveCandleOf(data: Record<string, unknown>) {
  const fields = ["ts_ms", "open", "high", "low", "close", "volume"] as const;
  const values = fields.map((field) => data[field]);
  if (!values.every((value) => typeof value === "number" && Number.isFinite(value))) return null;
  const [ts_ms, open, high, low, close, volume] = values as number[];
  return {
    ts_ms: ts_ms as number,
    open: open as number,
    high: high as number,
    low: low as number,
    close: close as number,
    volume: volume as number,
  };
}
