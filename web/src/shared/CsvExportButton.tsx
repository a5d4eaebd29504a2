/**
 * Export the current filter of a table as CSV: every page (sequentially, 500 rows at a
 * time) up to `cap` rows, written with the API's exact decimal strings (csv.ts), then a
 * note saying how many rows went out and whether the cap cut the export short.
 */
import { useState } from "react";
import { useT } from "../i18n/I18nProvider";
import {
  type CollectedRows,
  type CsvColumn,
  csvFileName,
  downloadCsv,
  fetchAllPages,
  type PageOf,
  toCsv,
} from "./csv";
import { ErrorNotice } from "./ErrorNotice";

export const CSV_PAGE_SIZE = 500;
export const CSV_ROW_CAP = 10_000;

export function CsvExportButton<Row>(props: {
  kind: string;
  columns: readonly CsvColumn<Row>[];
  fetchPage: (offset: number, limit: number) => Promise<PageOf<Row>>;
  cap?: number;
  disabled?: boolean;
}) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CollectedRows<Row> | null>(null);
  const [error, setError] = useState<unknown>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const collected = await fetchAllPages(props.fetchPage, {
        pageSize: CSV_PAGE_SIZE,
        cap: props.cap ?? CSV_ROW_CAP,
      });
      downloadCsv(toCsv(props.columns, collected.rows), csvFileName(props.kind, Date.now()));
      setResult(collected);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="toolbar">
      <button type="button" onClick={() => void run()} disabled={busy || props.disabled === true}>
        {busy ? t("csv.exporting") : t("csv.export")}
      </button>
      <span role="status" className="muted">
        {result !== null &&
          (result.capped
            ? t("csv.capped", { count: result.rows.length, total: result.total })
            : t("csv.done", { count: result.rows.length }))}
      </span>
      <ErrorNotice error={error} />
    </div>
  );
}
