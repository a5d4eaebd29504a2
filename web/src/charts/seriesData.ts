/**
 * Conversions from the API's columns to lightweight-charts data items.
 *
 * The API sends candles and indicator lines as columns (`ts_ms`, `open`, ...; open times
 * in UTC epoch milliseconds); the chart wants one object per point with `time` in UTC
 * seconds. A null in an indicator line (warm-up, undefined) becomes no point at all.
 * These loops run over up to 50,000 candles per chart, so they preallocate and avoid
 * intermediate arrays.
 */
import type { CandlestickData, HistogramData, LineData, UTCTimestamp } from "lightweight-charts";

export interface CandleColumns {
  ts_ms: readonly number[];
  open: readonly number[];
  high: readonly number[];
  low: readonly number[];
  close: readonly number[];
  volume: readonly number[];
}

export type Line = readonly (number | null)[];

export function toTime(tsMs: number): UTCTimestamp {
  return (tsMs / 1000) as UTCTimestamp;
}

export function candleBars(columns: CandleColumns): CandlestickData<UTCTimestamp>[] {
  const { ts_ms, open, high, low, close } = columns;
  const bars = new Array<CandlestickData<UTCTimestamp>>(ts_ms.length);
  for (let i = 0; i < ts_ms.length; i += 1) {
    bars[i] = {
      time: toTime(ts_ms[i] as number),
      open: open[i] as number,
      high: high[i] as number,
      low: low[i] as number,
      close: close[i] as number,
    };
  }
  return bars;
}

/** Volume bars coloured by the candle's direction (close >= open: up). */
export function volumeBars(
  columns: CandleColumns,
  upColor: string,
  downColor: string,
): HistogramData<UTCTimestamp>[] {
  const { ts_ms, open, close, volume } = columns;
  const bars = new Array<HistogramData<UTCTimestamp>>(ts_ms.length);
  for (let i = 0; i < ts_ms.length; i += 1) {
    bars[i] = {
      time: toTime(ts_ms[i] as number),
      value: volume[i] as number,
      color: (close[i] as number) >= (open[i] as number) ? upColor : downColor,
    };
  }
  return bars;
}

/** The defined points of a line (nulls and non-finite values left out). */
export function lineData(tsMs: readonly number[], values: Line): LineData<UTCTimestamp>[] {
  return shiftedLineData(tsMs, values, 0, 0);
}

/**
 * A line drawn `shiftBars` candles ahead: the value at index i is plotted at the open time
 * of candle i + shiftBars, and beyond the last candle at whole `stepMs` steps after it
 * (Ichimoku's leading spans, the future cloud).
 */
export function shiftedLineData(
  tsMs: readonly number[],
  values: Line,
  shiftBars: number,
  stepMs: number,
): LineData<UTCTimestamp>[] {
  const points: LineData<UTCTimestamp>[] = [];
  const n = Math.min(tsMs.length, values.length);
  const last = tsMs[n - 1] as number;
  for (let i = 0; i < n; i += 1) {
    const value = values[i];
    if (value === null || value === undefined || !Number.isFinite(value)) continue;
    const target = i + shiftBars;
    const at = target < n ? (tsMs[target] as number) : last + (target - n + 1) * stepMs;
    points.push({ time: toTime(at), value });
  }
  return points;
}

/** A histogram (MACD) coloured by sign. */
export function signedHistogram(
  tsMs: readonly number[],
  values: Line,
  positive: string,
  negative: string,
): HistogramData<UTCTimestamp>[] {
  return lineData(tsMs, values).map((point) => ({
    ...point,
    color: point.value >= 0 ? positive : negative,
  }));
}

/** The spacing of the candles (the smallest gap between the first few open times). */
export function barStepMs(tsMs: readonly number[]): number {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < Math.min(tsMs.length, 16); i += 1) {
    step = Math.min(step, (tsMs[i] as number) - (tsMs[i - 1] as number));
  }
  return Number.isFinite(step) ? step : 0;
}
