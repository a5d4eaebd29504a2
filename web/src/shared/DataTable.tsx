/**
 * A table of API rows: column headers (sortable ones are buttons with aria-sort), one row
 * per item, a line when there is none, and the pager of the API's offset pages. Values
 * are shown as the API wrote them (decimal strings unchanged).
 */
import type { ReactNode } from "react";
import { useT } from "../i18n/I18nProvider";
import "./dataTable.css";

export interface Column<Row> {
  id: string;
  header: string;
  /** The API's sort name; absent: not sortable. */
  sortKey?: string;
  numeric?: boolean;
  cell: (row: Row) => ReactNode;
  className?: (row: Row) => string;
}

export interface TableSort {
  column: string;
  descending: boolean;
}

export function DataTable<Row>(props: {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row, index: number) => string;
  sort?: TableSort;
  onSort?: (sortKey: string) => void;
  empty: string;
  caption?: string;
  testId?: string;
}) {
  const t = useT();
  return (
    // Focusable so that a table wider than the screen can be scrolled from the keyboard
    // (WCAG 2.1.1; axe's scrollable-region-focusable), named by its caption when it has one.
    <div
      className="table-scroll"
      tabIndex={0}
      role={props.caption !== undefined ? "region" : undefined}
      aria-label={props.caption}
    >
      <table data-testid={props.testId}>
        {props.caption !== undefined && <caption className="sr-only">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((column) => {
              const sorted = column.sortKey !== undefined && props.sort?.column === column.sortKey;
              const ariaSort = sorted ? (props.sort?.descending ? "descending" : "ascending") : undefined;
              return (
                <th
                  key={column.id}
                  scope="col"
                  className={column.numeric ? "num" : undefined}
                  aria-sort={ariaSort}
                >
                  {column.sortKey !== undefined && props.onSort !== undefined ? (
                    <button
                      type="button"
                      className="sort"
                      onClick={() => props.onSort?.(column.sortKey as string)}
                      title={t("table.sortBy", { column: column.header })}
                    >
                      {column.header}
                      {sorted ? (props.sort?.descending ? " ▼" : " ▲") : ""}
                    </button>
                  ) : (
                    column.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, index) => (
            <tr key={props.rowKey(row, index)}>
              {props.columns.map((column) => (
                <td
                  key={column.id}
                  className={column.className?.(row) ?? (column.numeric ? "num" : undefined)}
                >
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows.length === 0 && <p className="muted">{props.empty}</p>}
    </div>
  );
}

export function Pager(props: {
  from: number;
  to: number;
  total: string;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  const t = useT();
  return (
    <div className="pager">
      <button type="button" onClick={props.onPrevious} disabled={!props.hasPrevious}>
        {t("table.previous")}
      </button>
      <span aria-live="polite">
        {t("table.range", { from: props.from, to: props.to, total: props.total })}
      </span>
      <button type="button" onClick={props.onNext} disabled={!props.hasNext}>
        {t("table.next")}
      </button>
    </div>
  );
}
