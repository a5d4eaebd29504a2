/**
 * The filters, sort and page of the orders, trades and positions tables turned into the
 * query of their list endpoints (GET /orders, /trades, /positions: `limit`/`offset`
 * pages, `sort` as a column with `-` for descending, `since`/`until` as ISO 8601 with a
 * zone). Empty filters are left out, so the API's defaults apply. Dates are whole UTC
 * days: "from" is the start of its day, "to" includes its whole day (sent as the next
 * day's start, `until` being exclusive).
 */
import type { MessageKey } from "../../i18n/en";

export type RecordKind = "orders" | "trades" | "positions";

export interface RecordFilters {
  bot_id: string;
  symbol: string;
  /** orders: an order status. */
  status: string;
  /** orders: buy/sell; trades: long/short. */
  side: string;
  /** trades only. */
  strategy: string;
  /** YYYY-MM-DD (UTC), orders and trades. */
  from: string;
  to: string;
  /** positions: leave out flat ones. */
  open_only: boolean;
}

export interface SortState {
  column: string;
  descending: boolean;
}

export const EMPTY_FILTERS: RecordFilters = {
  bot_id: "",
  symbol: "",
  status: "",
  side: "",
  strategy: "",
  from: "",
  to: "",
  open_only: false,
};

/** The columns each endpoint sorts by (openapi.json), the default first. */
export const SORTABLE: Record<RecordKind, readonly string[]> = {
  orders: ["created_at", "symbol", "status"],
  trades: ["exit_at", "entry_at", "symbol", "net_pnl"],
  positions: ["symbol", "updated_at", "quantity"],
};

export const DEFAULT_SORT: Record<RecordKind, SortState> = {
  orders: { column: "created_at", descending: true },
  trades: { column: "exit_at", descending: true },
  positions: { column: "symbol", descending: false },
};

export const ORDER_STATUSES = [
  "pending_submit",
  "initialized",
  "denied",
  "submitted",
  "accepted",
  "triggered",
  "partially_filled",
  "pending_cancel",
  "filled",
  "canceled",
  "rejected",
  "expired",
  "unknown",
] as const;

export const SIDES: Record<RecordKind, readonly string[]> = {
  orders: ["buy", "sell"],
  trades: ["long", "short"],
  positions: [],
};

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const SYMBOL = /^[A-Za-z0-9]{1,15}\/[A-Za-z0-9]{1,15}(:[A-Za-z0-9]{1,15})?$/;

function dayStartMs(day: string): number | null {
  const match = DAY.exec(day);
  if (match === null) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === day ? ms : null;
}

function isoOf(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Message keys of the filters that are wrong (nothing is sent while there are any). */
export function validateFilters(filters: RecordFilters): Partial<Record<keyof RecordFilters, MessageKey>> {
  const errors: Partial<Record<keyof RecordFilters, MessageKey>> = {};
  const symbol = filters.symbol.trim();
  if (symbol !== "" && !SYMBOL.test(symbol)) errors.symbol = "trading.error.symbol";
  if (filters.bot_id.trim().length > 36) errors.bot_id = "trading.error.botId";
  const from = filters.from === "" ? null : dayStartMs(filters.from);
  const to = filters.to === "" ? null : dayStartMs(filters.to);
  if (filters.from !== "" && from === null) errors.from = "trading.error.date";
  if (filters.to !== "" && to === null) errors.to = "trading.error.date";
  if (from !== null && to !== null && to < from) errors.to = "trading.error.range";
  return errors;
}

export type RecordQuery = Record<string, string | number | boolean>;

/** The list endpoint's query for these filters, sort and page. */
export function recordQuery(
  kind: RecordKind,
  filters: RecordFilters,
  sort: SortState,
  page: { offset: number; limit: number },
): RecordQuery {
  const query: RecordQuery = { limit: page.limit, offset: page.offset };
  const column = SORTABLE[kind].includes(sort.column) ? sort.column : DEFAULT_SORT[kind].column;
  query["sort"] = sort.descending ? `-${column}` : column;
  const put = (name: string, value: string) => {
    const trimmed = value.trim();
    if (trimmed !== "") query[name] = trimmed;
  };
  put("bot_id", filters.bot_id);
  put("symbol", filters.symbol.toUpperCase());
  if (SIDES[kind].includes(filters.side)) query["side"] = filters.side;
  if (kind === "orders" && (ORDER_STATUSES as readonly string[]).includes(filters.status)) {
    query["status"] = filters.status;
  }
  if (kind === "trades") put("strategy", filters.strategy);
  if (kind === "positions") {
    if (filters.open_only) query["open_only"] = true;
  } else {
    const from = dayStartMs(filters.from);
    const to = dayStartMs(filters.to);
    if (from !== null) query["since"] = isoOf(from);
    if (to !== null) query["until"] = isoOf(to + 86_400_000);
  }
  return query;
}

/** Clicking a column header: the same column flips its order, another starts descending. */
export function toggleSort(sort: SortState, column: string): SortState {
  return sort.column === column ? { column, descending: !sort.descending } : { column, descending: true };
}

export interface PageInfo {
  from: number;
  to: number;
  /** "1234" or "10000+" when the API stopped counting. */
  total: string;
  hasPrevious: boolean;
  hasNext: boolean;
}

/** What the pager shows for a page of `count` rows at `offset`. */
export function pageInfo(
  page: { offset: number; limit: number; total: number; total_exact: boolean },
  count: number,
): PageInfo {
  return {
    from: count === 0 ? 0 : page.offset + 1,
    to: page.offset + count,
    total: page.total_exact ? String(page.total) : `${page.total}+`,
    hasPrevious: page.offset > 0,
    hasNext: page.offset + count < page.total || (!page.total_exact && count === page.limit),
  };
}
