/**
 * Orders, trades and positions pages (GET /orders, /trades, /positions) for the trading
 * tables: one query per kind, filter, sort and page; the previous page stays on screen
 * while the next loads. `fetchRecordsPage` is the same read outside React (CSV export).
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ApiClient, Schemas } from "../api/client";
import { unwrap } from "../api/apiError";
import type { operations } from "../api/schema";
import { useServices } from "../app/ServicesContext";
import { queryKeys } from "./queryKeys";

export interface RecordRows {
  orders: Schemas["OrderPublic"];
  trades: Schemas["xor_trading__api__schemas__trades__TradePublic"];
  positions: Schemas["PositionPublic"];
}

export type RecordKindName = keyof RecordRows;

export interface RecordPage<K extends RecordKindName> {
  items: RecordRows[K][];
  total: number;
  total_exact: boolean;
  limit: number;
  offset: number;
}

// The filter helpers build the query from the endpoint's own names (pages/trading/recordFilters.ts).
type OrdersQuery = NonNullable<operations["orders-list"]["parameters"]["query"]>;
type TradesQuery = NonNullable<operations["trades-list"]["parameters"]["query"]>;
type PositionsQuery = NonNullable<operations["positions-list"]["parameters"]["query"]>;

export async function fetchRecordsPage<K extends RecordKindName>(
  api: ApiClient,
  kind: K,
  query: Record<string, string | number | boolean>,
): Promise<RecordPage<K>> {
  const page =
    kind === "orders"
      ? await unwrap(api.GET("/api/v1/orders", { params: { query: query as OrdersQuery } }))
      : kind === "trades"
        ? await unwrap(api.GET("/api/v1/trades", { params: { query: query as TradesQuery } }))
        : await unwrap(api.GET("/api/v1/positions", { params: { query: query as PositionsQuery } }));
  return page as RecordPage<K>;
}

export function useRecordsPage<K extends RecordKindName>(
  kind: K,
  query: Record<string, string | number | boolean>,
  enabled = true,
) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.records(kind, query),
    queryFn: () => fetchRecordsPage(api, kind, query),
    placeholderData: keepPreviousData,
    enabled,
  });
}
