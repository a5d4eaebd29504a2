/**
 * The markers of a bot's chart from the API's records: closed trades (GET /trades) and
 * fills (GET /fills joined with the stream's `bots.<id>.fills`, `mergeFills`), for the
 * symbol shown only. Times are turned
 * from ISO 8601 into UTC epoch ms; prices and PnL stay the API's decimal strings.
 */
import type { Schemas } from "../../api/client";
import { barStepMs } from "../../charts/seriesData";
import { type FillMark, snapToCandle, type TradeMark } from "../../charts/tradeMarkers";

type Trade = Schemas["xor_trading__api__schemas__trades__TradePublic"];
type Fill = Schemas["FillPublic"];

export function tradeMarksOf(trades: readonly Trade[], symbol: string): TradeMark[] {
  return trades
    .filter((trade) => trade.symbol === symbol)
    .map((trade) => ({
      side: trade.side,
      entry_ms: Date.parse(trade.entry_at),
      exit_ms: Date.parse(trade.exit_at),
      entry_price: trade.entry_price,
      exit_price: trade.exit_price,
      pnl: trade.net_pnl,
    }))
    .filter((mark) => Number.isFinite(mark.entry_ms) && Number.isFinite(mark.exit_ms));
}

export function fillMarksOf(fills: readonly Fill[], symbol: string): FillMark[] {
  return fills
    .filter((fill) => fill.symbol === symbol)
    .map((fill) => ({
      side: fill.side,
      at_ms: Date.parse(fill.at),
      price: fill.price,
      quantity: fill.quantity,
    }))
    .filter((mark) => Number.isFinite(mark.at_ms));
}

/**
 * How many markers a trade chart draws over these candles: each trade's entry and exit and
 * each fill that falls on one of them (tradeMarkers.ts leaves the others out, e.g. trades
 * older than the candles shown). Said in words under the chart, which a canvas cannot.
 */
export function markersOnCandles(
  trades: readonly TradeMark[],
  fills: readonly FillMark[],
  candleTimes: readonly number[],
): number {
  const step = barStepMs(candleTimes);
  const times = [
    ...trades.flatMap((trade) => [trade.entry_ms, trade.exit_ms]),
    ...fills.map((fill) => fill.at_ms),
  ];
  return times.filter((ms) => snapToCandle(ms, candleTimes, step) !== null).length;
}
