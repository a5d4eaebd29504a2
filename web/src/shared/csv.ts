/**
 * CSV export of a table, done in the browser from the API's list pages.
 *
 * * `toCsv`: RFC 4180 (comma, CRLF, a field quoted when it holds a comma, quote, CR or
 *   LF; quotes doubled). Values are written as given: the API's decimal strings stay
 *   exact ("0.00012300" is not rounded or turned into 1.23e-4).
 * * Spreadsheet formula injection: a text cell starting with = + @ or a tab/CR, or with
 *   "-" not followed by a digit, gets a leading apostrophe, so a symbol or reason
 *   controlled by someone else never runs as a formula. Negative numbers ("-1.5") stay
 *   as they are.
 * * `fetchAllPages`: every page of the current filter, `pageSize` rows at a time, in
 *   order, stopping at `cap` rows (`capped` says so, for the note next to the button).
 */

export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | null | undefined;
}

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+@\t\r]|^-(?![\d.])/;

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<Row>(columns: readonly CsvColumn<Row>[], rows: readonly Row[]): string {
  const lines = [columns.map((column) => cell(column.header)).join(",")];
  for (const row of rows) lines.push(columns.map((column) => cell(column.value(row))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

export interface PageOf<Row> {
  items: readonly Row[];
  total: number;
  total_exact?: boolean;
}

export interface CollectedRows<Row> {
  rows: Row[];
  /** True when rows were left out because of the cap. */
  capped: boolean;
  /** Rows matching the filter as the API counted them (a lower bound if not exact). */
  total: number;
}

/**
 * Read pages at offsets 0, pageSize, 2 x pageSize... until a short page, the total, or
 * the cap. Sequential on purpose: list reads are heavy requests in the API's rate budget.
 */
export async function fetchAllPages<Row>(
  fetchPage: (offset: number, limit: number) => Promise<PageOf<Row>>,
  options: { pageSize: number; cap: number },
): Promise<CollectedRows<Row>> {
  const { pageSize, cap } = options;
  const rows: Row[] = [];
  let total = 0;
  let offset = 0;
  for (;;) {
    const limit = Math.min(pageSize, cap - rows.length);
    const page = await fetchPage(offset, limit);
    total = Math.max(total, page.total);
    rows.push(...page.items);
    offset += page.items.length;
    const exhausted = page.items.length < limit || (page.total_exact !== false && offset >= page.total);
    if (exhausted) return { rows, capped: false, total };
    if (rows.length >= cap) return { rows, capped: true, total: Math.max(total, rows.length + 1) };
  }
}

/** A file name such as `orders-2025-06-01T12-00-00Z.csv` (no characters a file system refuses). */
export function csvFileName(kind: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().slice(0, 19).replace(/:/g, "-");
  return `${kind}-${stamp}Z.csv`;
}

/** Hand the text to the browser as a download (UTF-8 with a BOM, so spreadsheets read accents). */
export function downloadCsv(text: string, fileName: string): void {
  const blob = new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}
