/**
 * Trade markers on a candle chart (a bot's live chart, a backtest's results): each closed
 * trade gives an entry and an exit marker, each fill from the stream one marker. Pure:
 * times in UTC epoch milliseconds in, chart markers (UTC seconds) out.
 *
 * A marker is drawn on a bar, so its time is snapped to the open time of the candle that
 * contains it (the last candle opening at or before it); an event before the first candle
 * or after the last one's period has no bar and is left out. Prices only choose the side
 * and label; the chart never needs them exactly.
 */
import type { SeriesMarker, Time } from "lightweight-charts";
import type { ChartPalette } from "./chartPalette";
import { toTime } from "./seriesData";

export interface TradeMark {
  /** long or short (a round trip). */
  side: string;
  entry_ms: number;
  exit_ms: number;
  entry_price: string;
  exit_price: string;
  /** Net PnL as the API's decimal string ("-" for a loss). */
  pnl: string;
}

export interface FillMark {
  /** buy or sell. */
  side: string;
  at_ms: number;
  price: string;
  quantity: string;
}

/** The open time of the candle containing `tsMs` (null: outside the candles). */
export function snapToCandle(tsMs: number, candleTimes: readonly number[], stepMs: number): number | null {
  const n = candleTimes.length;
  if (n === 0 || tsMs < (candleTimes[0] as number)) return null;
  let low = 0;
  let high = n - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((candleTimes[mid] as number) <= tsMs) low = mid;
    else high = mid - 1;
  }
  const open = candleTimes[low] as number;
  if (low === n - 1 && stepMs > 0 && tsMs >= open + stepMs) return null;
  return open;
}

interface Placed {
  ms: number;
  order: number;
  marker: SeriesMarker<Time>;
}

/** Entry and exit markers of trades plus fill markers, sorted by time (the library needs it). */
export function tradeMarkers(
  trades: readonly TradeMark[],
  fills: readonly FillMark[],
  candleTimes: readonly number[],
  stepMs: number,
  palette: ChartPalette,
): SeriesMarker<Time>[] {
  const placed: Placed[] = [];
  const place = (ms: number, order: number, marker: Omit<SeriesMarker<Time>, "time">) => {
    const bar = snapToCandle(ms, candleTimes, stepMs);
    if (bar !== null)
      placed.push({ ms: bar, order, marker: { ...marker, time: toTime(bar) } as SeriesMarker<Time> });
  };
  trades.forEach((trade, i) => {
    const long = trade.side !== "short";
    place(trade.entry_ms, i * 2, {
      position: long ? "belowBar" : "aboveBar",
      shape: long ? "arrowUp" : "arrowDown",
      color: long ? palette.up : palette.down,
      text: `${long ? "long" : "short"} ${trade.entry_price}`,
    });
    const loss = trade.pnl.trim().startsWith("-");
    place(trade.exit_ms, i * 2 + 1, {
      position: long ? "aboveBar" : "belowBar",
      shape: "circle",
      color: loss ? palette.down : palette.up,
      text: `exit ${trade.exit_price} (${trade.pnl})`,
    });
  });
  fills.forEach((fill, i) => {
    const buy = fill.side === "buy";
    place(fill.at_ms, trades.length * 2 + i, {
      position: buy ? "belowBar" : "aboveBar",
      shape: buy ? "arrowUp" : "arrowDown",
      color: buy ? palette.up : palette.down,
      text: `${fill.side} ${fill.quantity} @ ${fill.price}`,
    });
  });
  placed.sort((a, b) => a.ms - b.ms || a.order - b.order);
  return placed.map((p) => p.marker);
}
