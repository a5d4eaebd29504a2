import { describe, expect, it } from "vitest";
import type { Schemas } from "../../api/client";
import {
  candleWindow,
  comparisonRows,
  metricRows,
  runLabel,
  runTradeMarks,
  timeframeMs,
} from "./backtestResults";

function run(
  id: string,
  metrics: Record<string, string | number | null>,
): Schemas["BacktestRunDetailPublic"] {
  return {
    id,
    status: "succeeded",
    progress: 1,
    cancel_requested: false,
    strategy: "sma_cross",
    exchange: "binance",
    symbol: "BTC/USDT",
    timeframe: "1h",
    candles: 100,
    path: "fast",
    total_return_pct: "12.5",
    max_drawdown_pct: "3.25",
    trades: 7,
    error: null,
    created_at: "2025-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    request: {
      strategy: "sma_cross",
      symbol: "BTC/USDT",
      timeframe: "1h",
    } as Schemas["BacktestSubmit-Output"],
    metrics,
    warnings: [],
  };
}

describe("backtest results", () => {
  it("test_timeframe_ms_known_units_unknown_zero", () => {
    expect(timeframeMs("15m")).toBe(900_000);
    expect(timeframeMs("4h")).toBe(14_400_000);
    expect(timeframeMs("1w")).toBe(604_800_000);
    expect(timeframeMs("1M")).toBe(0);
  });

  it("test_candle_window_from_equity_closes", () => {
    const t0 = Date.parse("2025-01-01T01:00:00Z");
    expect(
      candleWindow({ exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" }, [t0, t0 + 3_600_000]),
    ).toEqual({
      exchange: "binance",
      symbol: "BTC/USDT",
      timeframe: "1h",
      since: t0 - 3_600_000,
      until: t0 + 3_600_000,
    });
    expect(candleWindow({ exchange: "binance", symbol: "BTC/USDT", timeframe: "1h" }, [])).toBeNull();
  });

  it("test_run_trade_marks_times_and_net_pnl", () => {
    expect(
      runTradeMarks([
        {
          entry_time: "2025-01-01T02:00:00Z",
          exit_time: "2025-01-01T05:00:00Z",
          symbol: "BTC/USDT",
          side: "long",
          entry_price: "100",
          exit_price: "101.5",
          quantity: "1",
          fees: "0.2",
          pnl: "1.3",
          return_pct: "1.3",
          exit_reason: "signal",
        },
      ]),
    ).toEqual([
      {
        side: "long",
        entry_ms: Date.parse("2025-01-01T02:00:00Z"),
        exit_ms: Date.parse("2025-01-01T05:00:00Z"),
        entry_price: "100",
        exit_price: "101.5",
        pnl: "1.3",
      },
    ]);
  });

  it("test_metric_rows_in_api_order_null_as_dash", () => {
    expect(metricRows({ sharpe: "1.2", sortino: null, trades: 4 })).toEqual([
      ["sharpe", "1.2"],
      ["sortino", "–"],
      ["trades", "4"],
    ]);
    expect(metricRows(null)).toEqual([]);
  });

  it("test_comparison_rows_summary_then_union_of_metrics", () => {
    const rows = comparisonRows([
      run("aaaaaaaaaa", { sharpe: "1.2", win_rate: "0.5" }),
      run("bbbbbbbbbb", { sharpe: "0.8", calmar: "2" }),
    ]);
    expect(rows.map((r) => r.metric)).toEqual([
      "strategy",
      "symbol",
      "total_return_pct",
      "max_drawdown_pct",
      "trades",
      "sharpe",
      "win_rate",
      "calmar",
    ]);
    expect(rows.find((r) => r.metric === "win_rate")?.values).toEqual(["0.5", "–"]);
    expect(rows.find((r) => r.metric === "calmar")?.values).toEqual(["–", "2"]);
    expect(rows[1]?.values).toEqual(["BTC/USDT 1h", "BTC/USDT 1h"]);
  });

  it("test_run_label_short_id", () => {
    expect(runLabel(run("0123456789abcdef", {}))).toBe("sma_cross BTC/USDT 1h (01234567)");
  });
});
