import { describe, expect, it } from "vitest";
import { csvFileName, fetchAllPages, toCsv } from "./csv";

interface Row {
  symbol: string;
  qty: string;
  note: string | null;
}

const COLUMNS = [
  { header: "symbol", value: (r: Row) => r.symbol },
  { header: "quantity", value: (r: Row) => r.qty },
  { header: "note", value: (r: Row) => r.note },
];

describe("toCsv", () => {
  it("test_to_csv_exact_decimals_and_crlf", () => {
    const text = toCsv(COLUMNS, [
      { symbol: "BTC/USDT", qty: "0.00012300", note: null },
      { symbol: "ETH/USDT", qty: "-1.5", note: "ok" },
    ]);
    expect(text).toBe("symbol,quantity,note\r\nBTC/USDT,0.00012300,\r\nETH/USDT,-1.5,ok\r\n");
  });

  it("test_to_csv_quotes_commas_quotes_and_newlines", () => {
    const text = toCsv(COLUMNS, [{ symbol: "A", qty: "1", note: 'said "no", then\nleft' }]);
    expect(text).toBe('symbol,quantity,note\r\nA,1,"said ""no"", then\nleft"\r\n');
  });

  it("test_to_csv_formula_cells_defused_negative_numbers_kept", () => {
    const text = toCsv(COLUMNS, [
      { symbol: "=HYPERLINK(1)", qty: "-0.5", note: "-cmd" },
      { symbol: "@SUM", qty: "+1", note: "-.5" },
    ]);
    expect(text.split("\r\n").slice(1, 3)).toEqual(["'=HYPERLINK(1),-0.5,'-cmd", "'@SUM,'+1,-.5"]);
  });
});

describe("fetchAllPages", () => {
  const all = Array.from({ length: 23 }, (_, i) => i);
  const fetchPage = (calls: Array<[number, number]>) => async (offset: number, limit: number) => {
    calls.push([offset, limit]);
    return { items: all.slice(offset, offset + limit), total: all.length, total_exact: true };
  };

  it("test_fetch_all_pages_reads_every_page_in_order", async () => {
    const calls: Array<[number, number]> = [];
    const result = await fetchAllPages(fetchPage(calls), { pageSize: 10, cap: 100 });
    expect(result).toEqual({ rows: all, capped: false, total: 23 });
    expect(calls).toEqual([
      [0, 10],
      [10, 10],
      [20, 10],
    ]);
  });

  it("test_fetch_all_pages_stops_at_cap_and_says_so", async () => {
    const calls: Array<[number, number]> = [];
    const result = await fetchAllPages(fetchPage(calls), { pageSize: 10, cap: 15 });
    expect(result.rows).toEqual(all.slice(0, 15));
    expect(result.capped).toBe(true);
    expect(result.total).toBe(23);
    expect(calls).toEqual([
      [0, 10],
      [10, 5],
    ]);
  });

  it("test_fetch_all_pages_exactly_cap_rows_is_not_capped", async () => {
    const result = await fetchAllPages(fetchPage([]), { pageSize: 10, cap: 23 });
    expect(result.capped).toBe(false);
    expect(result.rows).toHaveLength(23);
  });

  it("test_fetch_all_pages_inexact_total_keeps_reading_until_short_page", async () => {
    const calls: number[] = [];
    const result = await fetchAllPages(
      async (offset, limit) => {
        calls.push(offset);
        return { items: all.slice(offset, offset + limit), total: 5, total_exact: false };
      },
      { pageSize: 10, cap: 100 },
    );
    expect(result.rows).toHaveLength(23);
    expect(calls).toEqual([0, 10, 20]);
  });

  it("test_csv_file_name_has_no_colons", () => {
    expect(csvFileName("orders", Date.parse("2025-06-01T12:30:05.123Z"))).toBe(
      "orders-2025-06-01T12-30-05Z.csv",
    );
  });
});
