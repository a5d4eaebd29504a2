import { describe, expect, it } from "vitest";
import {
  DEFAULT_SORT,
  EMPTY_FILTERS,
  pageInfo,
  recordQuery,
  toggleSort,
  validateFilters,
} from "./recordFilters";

const PAGE = { offset: 0, limit: 50 };

describe("recordQuery", () => {
  it("test_record_query_empty_filters_only_page_and_default_sort", () => {
    expect(recordQuery("orders", EMPTY_FILTERS, DEFAULT_SORT.orders, PAGE)).toEqual({
      limit: 50,
      offset: 0,
      sort: "-created_at",
    });
    expect(recordQuery("positions", EMPTY_FILTERS, DEFAULT_SORT.positions, PAGE)).toEqual({
      limit: 50,
      offset: 0,
      sort: "symbol",
    });
  });

  it("test_record_query_orders_filters_and_whole_utc_days", () => {
    const filters = {
      ...EMPTY_FILTERS,
      bot_id: " b1 ",
      symbol: "btc/usdt",
      status: "filled",
      side: "buy",
      strategy: "ignored for orders",
      from: "2025-06-01",
      to: "2025-06-30",
    };
    expect(
      recordQuery("orders", filters, { column: "symbol", descending: false }, { offset: 100, limit: 50 }),
    ).toEqual({
      limit: 50,
      offset: 100,
      sort: "symbol",
      bot_id: "b1",
      symbol: "BTC/USDT",
      side: "buy",
      status: "filled",
      since: "2025-06-01T00:00:00Z",
      until: "2025-07-01T00:00:00Z",
    });
  });

  it("test_record_query_trades_side_and_strategy_positions_open_only", () => {
    const filters = {
      ...EMPTY_FILTERS,
      side: "long",
      strategy: "sma_cross",
      status: "filled",
      open_only: true,
    };
    expect(recordQuery("trades", filters, DEFAULT_SORT.trades, PAGE)).toEqual({
      limit: 50,
      offset: 0,
      sort: "-exit_at",
      side: "long",
      strategy: "sma_cross",
    });
    expect(
      recordQuery("positions", { ...filters, side: "buy", from: "2025-01-01" }, DEFAULT_SORT.positions, PAGE),
    ).toEqual({
      limit: 50,
      offset: 0,
      sort: "symbol",
      open_only: true,
    });
  });

  it("test_record_query_unknown_sort_column_falls_back_to_default", () => {
    expect(recordQuery("trades", EMPTY_FILTERS, { column: "status", descending: false }, PAGE)["sort"]).toBe(
      "exit_at",
    );
  });
});

describe("validateFilters", () => {
  it("test_validate_filters_bad_symbol_date_and_range_named", () => {
    expect(validateFilters({ ...EMPTY_FILTERS, symbol: "BTCUSDT", from: "2025-02-30" })).toEqual({
      symbol: "trading.error.symbol",
      from: "trading.error.date",
    });
    expect(validateFilters({ ...EMPTY_FILTERS, from: "2025-06-02", to: "2025-06-01" })).toEqual({
      to: "trading.error.range",
    });
    expect(
      validateFilters({ ...EMPTY_FILTERS, symbol: "BTC/USDT:USDT", from: "2025-06-01", to: "2025-06-01" }),
    ).toEqual({});
  });
});

describe("sorting and paging", () => {
  it("test_toggle_sort_same_column_flips_other_starts_descending", () => {
    expect(toggleSort({ column: "symbol", descending: false }, "symbol")).toEqual({
      column: "symbol",
      descending: true,
    });
    expect(toggleSort({ column: "symbol", descending: false }, "net_pnl")).toEqual({
      column: "net_pnl",
      descending: true,
    });
  });

  it("test_page_info_exact_and_inexact_totals", () => {
    expect(pageInfo({ offset: 50, limit: 50, total: 120, total_exact: true }, 50)).toEqual({
      from: 51,
      to: 100,
      total: "120",
      hasPrevious: true,
      hasNext: true,
    });
    expect(pageInfo({ offset: 100, limit: 50, total: 120, total_exact: true }, 20).hasNext).toBe(false);
    expect(pageInfo({ offset: 0, limit: 50, total: 10000, total_exact: false }, 50)).toMatchObject({
      total: "10000+",
      hasNext: true,
    });
    expect(pageInfo({ offset: 0, limit: 50, total: 0, total_exact: true }, 0)).toMatchObject({
      from: 0,
      to: 0,
    });
  });
});
