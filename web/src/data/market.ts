/** Market data hooks: stored markets, candles, indicators, Elliott counts, context scores. */
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { unwrap } from "../api/apiError";
import { useServices } from "../app/ServicesContext";
import { type MarketKey, queryKeys } from "./queryKeys";

export function useMarkets() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.markets,
    queryFn: () => unwrap(api.GET("/api/v1/market/symbols", { params: { query: { limit: 500 } } })),
    staleTime: 5 * 60_000,
  });
}

export function useCandles(market: MarketKey | null, limit: number) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.candles(market ?? { exchange: "", symbol: "", timeframe: "" }, limit),
    enabled: market !== null,
    queryFn: () =>
      unwrap(api.GET("/api/v1/market/candles", { params: { query: { ...(market as MarketKey), limit } } })),
    placeholderData: keepPreviousData,
  });
}

/** One indicator over the same window as the candles (POST .../compute is a read). */
export function useIndicator(
  name: string,
  market: MarketKey | null,
  limit: number,
  enabled: boolean,
  params: Record<string, number> = {},
) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.indicator(name, market ?? { exchange: "", symbol: "", timeframe: "" }, limit, params),
    enabled: enabled && market !== null,
    queryFn: () =>
      unwrap(
        api.POST("/api/v1/market/indicators/{name}/compute", {
          params: { path: { name } },
          body: { ...(market as MarketKey), limit, params },
        }),
      ),
  });
}

export function useElliott(market: MarketKey | null, limit: number, enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.elliott(market ?? { exchange: "", symbol: "", timeframe: "" }, limit),
    enabled: enabled && market !== null,
    queryFn: () =>
      unwrap(api.GET("/api/v1/market/elliott", { params: { query: { ...(market as MarketKey), limit } } })),
  });
}

export function useMarketContext(timeframe: string | null) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.context(timeframe ?? ""),
    enabled: timeframe !== null,
    queryFn: () =>
      unwrap(api.GET("/api/v1/market/context", { params: { query: { timeframe: timeframe as string } } })),
  });
}

export interface IndicatorRequest {
  name: string;
  enabled: boolean;
  params: Record<string, number>;
}

/**
 * Several indicators over one window, one query each. `data[i]`/`errors[i]` answer
 * `requests[i]`; the combined result keeps its identity while no answer changes.
 */
export function useIndicators(
  requests: readonly IndicatorRequest[],
  market: MarketKey | null,
  limit: number,
) {
  const { api } = useServices();
  return useQueries({
    queries: requests.map((request) => ({
      queryKey: queryKeys.indicator(
        request.name,
        market ?? { exchange: "", symbol: "", timeframe: "" },
        limit,
        request.params,
      ),
      enabled: request.enabled && market !== null,
      queryFn: () =>
        unwrap(
          api.POST("/api/v1/market/indicators/{name}/compute", {
            params: { path: { name: request.name } },
            body: { ...(market as MarketKey), limit, params: request.params },
          }),
        ),
    })),
    combine: (results) => ({
      data: results.map((result) => result.data),
      errors: results.map((result) => result.error),
    }),
  });
}
