/** Bots, open positions, PnL and risk events of the signed-in user (one hook each). */
import { useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/apiError";
import { useServices } from "../app/ServicesContext";
import type { LiveAlert } from "./streamPatches";
import { queryKeys } from "./queryKeys";

export function useBots() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.bots,
    queryFn: () => unwrap(api.GET("/api/v1/bots", { params: { query: { limit: 500, sort: "name" } } })),
  });
}

export function useOpenPositions() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.openPositions,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/positions", { params: { query: { open_only: true, limit: 500, sort: "symbol" } } }),
      ),
  });
}

/** Net PnL per UTC day over the whole history (the equity curve). */
export function usePnlByDay() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.pnlByDay,
    queryFn: () => unwrap(api.GET("/api/v1/analytics/pnl", { params: { query: { group_by: "day" } } })),
  });
}

/** PnL since `sinceIso` (today's PnL: since 00:00 UTC), per bot. */
export function usePnlSince(sinceIso: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.pnlSince(sinceIso),
    queryFn: () =>
      unwrap(api.GET("/api/v1/analytics/pnl", { params: { query: { group_by: "bot", since: sinceIso } } })),
  });
}

export function useRecentRiskEvents(limit = 20) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.riskEvents,
    queryFn: () => unwrap(api.GET("/api/v1/risk-events", { params: { query: { limit, sort: "-at" } } })),
  });
}

/** Alerts received on the stream this session (there is no REST list of them). */
export function useLiveAlerts() {
  return useQuery<LiveAlert[]>({
    queryKey: queryKeys.liveAlerts,
    queryFn: () => [],
    staleTime: Number.POSITIVE_INFINITY,
  });
}
