/**
 * Pure helpers of the backtest results: the candle window a run covered (from its equity
 * curve, whose times are candle closes), its trades as chart markers, the metrics as rows
 * and several runs' metrics side by side. Metric values are shown as the API sent them
 * (exact decimal strings; null as a dash).
 */
import type { Schemas } from "../../api/client";
import type { TradeMark } from "../../charts/tradeMarkers";
import type { CandleWindow } from "../../data/backtests";

type Detail = Schemas["BacktestRunDetailPublic"];
type RunTrade = Schemas["xor_trading__api__schemas__backtests__TradePublic"];

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "15m" -> 900000; 0 for a timeframe it does not know. */
export function timeframeMs(timeframe: string): number {
  const match = /^(\d+)([mhdw])$/.exec(timeframe);
  if (match === null) return 0;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** The open times [since, until) of the candles behind an equity curve of closes. */
export function candleWindow(
  run: Pick<Detail, "exchange" | "symbol" | "timeframe">,
  equityTsMs: readonly number[],
): CandleWindow | null {
  const step = timeframeMs(run.timeframe);
  const first = equityTsMs[0];
  const last = equityTsMs.at(-1);
  if (step === 0 || first === undefined || last === undefined) return null;
  return {
    exchange: run.exchange,
    symbol: run.symbol,
    timeframe: run.timeframe,
    since: first - step,
    until: last,
  };
}

export function runTradeMarks(trades: readonly RunTrade[]): TradeMark[] {
  return trades
    .map((trade) => ({
      side: trade.side,
      entry_ms: Date.parse(trade.entry_time),
      exit_ms: Date.parse(trade.exit_time),
      entry_price: trade.entry_price,
      exit_price: trade.exit_price,
      pnl: trade.pnl,
    }))
    .filter((mark) => Number.isFinite(mark.entry_ms) && Number.isFinite(mark.exit_ms));
}

type MetricValue = string | number | null | undefined;

export function metricText(value: MetricValue): string {
  return value === null || value === undefined ? "–" : String(value);
}

/** The metrics of one run as [name, text] rows, in the API's order. */
export function metricRows(metrics: Detail["metrics"]): Array<[string, string]> {
  return Object.entries(metrics ?? {}).map(([name, value]) => [name, metricText(value)]);
}

export interface ComparisonRow {
  metric: string;
  values: string[];
}

/**
 * Metrics of several runs side by side: one row per metric any run has (first-seen
 * order), one cell per run (a dash where that run lacks it). Summary fields first.
 */
export function comparisonRows(runs: readonly Detail[]): ComparisonRow[] {
  const summary: ComparisonRow[] = [
    { metric: "strategy", values: runs.map((r) => r.strategy) },
    { metric: "symbol", values: runs.map((r) => `${r.symbol} ${r.timeframe}`) },
    { metric: "total_return_pct", values: runs.map((r) => metricText(r.total_return_pct)) },
    { metric: "max_drawdown_pct", values: runs.map((r) => metricText(r.max_drawdown_pct)) },
    { metric: "trades", values: runs.map((r) => metricText(r.trades)) },
  ];
  const shown = new Set(summary.map((row) => row.metric));
  const names: string[] = [];
  for (const run of runs) {
    for (const name of Object.keys(run.metrics ?? {})) {
      if (!shown.has(name)) {
        shown.add(name);
        names.push(name);
      }
    }
  }
  return [
    ...summary,
    ...names.map((metric) => ({ metric, values: runs.map((run) => metricText(run.metrics?.[metric])) })),
  ];
}

/** A run's short label: its strategy, market and the start of its id. */
export function runLabel(run: Pick<Detail, "id" | "strategy" | "symbol" | "timeframe">): string {
  return `${run.strategy} ${run.symbol} ${run.timeframe} (${run.id.slice(0, 8)})`;
}
