import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { rememberSubmittedRun } from "./backtests";
import { queryKeys } from "./queryKeys";

/** What POST /backtests answers: the run's summary (no metrics, no warnings). */
const SUBMITTED: Schemas["BacktestRunPublic"] = {
  id: "run-1",
  status: "queued",
  progress: 0,
  cancel_requested: false,
  strategy: "sma_cross",
  exchange: "binance",
  symbol: "BTC/USDT",
  timeframe: "1h",
  candles: null,
  path: null,
  total_return_pct: null,
  max_drawdown_pct: null,
  trades: null,
  error: null,
  created_at: "2025-01-01T00:00:00Z",
  started_at: null,
  finished_at: null,
  request: { strategy: "sma_cross", symbol: "BTC/USDT", timeframe: "1h", path: "auto" },
};

describe("rememberSubmittedRun", () => {
  it("test_submitted_run_is_cached_as_a_detail_with_no_metrics_and_no_warnings", () => {
    const client = new QueryClient();
    rememberSubmittedRun(client, SUBMITTED);
    // The results panel reads detail.warnings.length: the summary alone crashed the page.
    expect(client.getQueryData(queryKeys.backtest("run-1"))).toEqual({
      ...SUBMITTED,
      metrics: null,
      warnings: [],
    });
  });

  it("test_submitted_run_marks_the_list_of_runs_stale", () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.backtests, { items: [], total: 0 });
    rememberSubmittedRun(client, SUBMITTED);
    expect(client.getQueryState(queryKeys.backtests)?.isInvalidated).toBe(true);
  });
});
