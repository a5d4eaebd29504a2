/**
 * Backtest hooks: the list, one run (polled every second while it is queued or running),
 * its equity curve and trades once it succeeded, the candles it ran on, a comparison of
 * several runs, and the commands (submit, cancel).
 */
import {
  keepPreviousData,
  type QueryClient,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import type { Schemas } from "../api/client";
import { unwrap } from "../api/apiError";
import { useServices } from "../app/ServicesContext";
import { fetchAllPages } from "../shared/csv";
import { queryKeys } from "./queryKeys";

type Run = Schemas["BacktestRunPublic"];
type RunDetail = Schemas["BacktestRunDetailPublic"];

export const BACKTEST_POLL_MS = 1000;
/** Trades read for the markers and the table of one run. */
export const BACKTEST_TRADES_CAP = 5000;

export function isRunActive(status: Run["status"] | undefined): boolean {
  return status === "queued" || status === "running";
}

export function useBacktests() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.backtests,
    queryFn: () => unwrap(api.GET("/api/v1/backtests", { params: { query: { limit: 100 } } })),
    // While a run of the list is active its progress and status change: keep polling.
    refetchInterval: (query) =>
      (query.state.data?.items ?? []).some((run) => isRunActive(run.status)) ? BACKTEST_POLL_MS * 2 : false,
  });
}

export function useBacktest(runId: string | null) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.backtest(runId ?? ""),
    enabled: runId !== null,
    queryFn: () =>
      unwrap(api.GET("/api/v1/backtests/{run_id}", { params: { path: { run_id: runId as string } } })),
    refetchInterval: (query) => (isRunActive(query.state.data?.status) ? BACKTEST_POLL_MS : false),
  });
}

export function useBacktestEquity(runId: string | null, succeeded: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.backtestEquity(runId ?? ""),
    enabled: runId !== null && succeeded,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/backtests/{run_id}/equity", {
          params: { path: { run_id: runId as string }, query: { max_points: 2000 } },
        }),
      ),
    staleTime: Number.POSITIVE_INFINITY, // a finished run never changes
  });
}

export function useBacktestTrades(runId: string | null, succeeded: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.backtestTrades(runId ?? ""),
    enabled: runId !== null && succeeded,
    queryFn: () =>
      fetchAllPages(
        (offset, limit) =>
          unwrap(
            api.GET("/api/v1/backtests/{run_id}/trades", {
              params: { path: { run_id: runId as string }, query: { offset, limit } },
            }),
          ),
        { pageSize: 500, cap: BACKTEST_TRADES_CAP },
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export interface CandleWindow {
  exchange: string;
  symbol: string;
  timeframe: string;
  since: number;
  until: number;
}

/** The candles a run covered (window from its equity curve, at most 50,000 candles). */
export function useBacktestCandles(window: CandleWindow | null) {
  const { api } = useServices();
  return useQuery({
    queryKey: ["market", "candles", "window", window],
    enabled: window !== null,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/market/candles", {
          params: { query: { ...(window as CandleWindow), limit: 50_000 } },
        }),
      ),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useBacktestCompare(runIds: readonly string[]) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.backtestCompare(runIds),
    enabled: runIds.length >= 2,
    queryFn: () =>
      unwrap(api.GET("/api/v1/backtests/compare", { params: { query: { ids: runIds.join(",") } } })),
    placeholderData: keepPreviousData,
  });
}

/**
 * A run just submitted, in the cache: POST /backtests answers the run's summary, which has
 * no `metrics` and `warnings`; the detail query (and the page reading it) expects both, so
 * they are filled in as the detail of a queued run has them (none yet) until it is polled.
 */
export function rememberSubmittedRun(queryClient: QueryClient, run: Run): void {
  queryClient.setQueryData<RunDetail>(queryKeys.backtest(run.id), { ...run, metrics: null, warnings: [] });
  void queryClient.invalidateQueries({ queryKey: queryKeys.backtests });
}

export function useSubmitBacktest() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["BacktestSubmit-Input"]) => unwrap(api.POST("/api/v1/backtests", { body })),
    onSuccess: (run) => rememberSubmittedRun(queryClient, run),
  });
}

export function useCancelBacktest() {
  const { api } = useServices();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) =>
      unwrap(api.POST("/api/v1/backtests/{run_id}/cancel", { params: { path: { run_id: runId } } })),
    onSuccess: (run) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.backtest(run.id) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.backtests });
    },
  });
}
