/**
 * The markers of a bot's chart from the API's records: closed trades (GET /trades) and
 * fills (the stream's `bots.<id>.fills`), for the symbol shown only. Times are turned
 * from ISO 8601 into UTC epoch ms; prices and PnL stay the API's decimal strings.
 */
import type { Schemas } from "../../api/client";
import type { FillMark, TradeMark } from "../../charts/tradeMarkers";

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
