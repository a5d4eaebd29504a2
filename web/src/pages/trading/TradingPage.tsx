/**
 * Orders, trades and positions: one tab each, a filter form (checked before it is
 * applied), sortable columns and the API's offset pages, and a CSV export of the current
 * filter (every page up to a cap). Orders and positions of running bots change under the
 * table: the stream re-reads the shown page when one of the user's bots reports an order
 * or a fill (useTradingStream.ts).
 */
import { useMemo, useState } from "react";
import { useServices } from "../../app/ServicesContext";
import { fetchRecordsPage, type RecordKindName, useRecordsPage } from "../../data/records";
import { useBots } from "../../data/trading";
import { useT } from "../../i18n/I18nProvider";
import { CsvExportButton } from "../../shared/CsvExportButton";
import { DataTable, Pager } from "../../shared/DataTable";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { recordColumns, recordCsvColumns } from "./recordColumns";
import {
  DEFAULT_SORT,
  EMPTY_FILTERS,
  pageInfo,
  type RecordFilters,
  recordQuery,
  type SortState,
  toggleSort,
} from "./recordFilters";
import { RecordFiltersForm } from "./RecordFiltersForm";
import { useTradingStream } from "./useTradingStream";

const PAGE_SIZE = 50;
const KINDS: readonly RecordKindName[] = ["orders", "trades", "positions"];

export function TradingPage() {
  const t = useT();
  const [kind, setKind] = useState<RecordKindName>("orders");
  return (
    <>
      <h1>{t("trading.title")}</h1>
      <div className="tabs" role="tablist" aria-label={t("trading.title")}>
        {KINDS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`tab-${name}`}
            aria-selected={kind === name}
            aria-controls="trading-panel"
            onClick={() => setKind(name)}
            data-testid={`trading-tab-${name}`}
          >
            {t(`trading.tab.${name}`)}
          </button>
        ))}
      </div>
      <section className="panel" role="tabpanel" id="trading-panel" aria-labelledby={`tab-${kind}`}>
        <RecordsTable key={kind} kind={kind} />
      </section>
    </>
  );
}

function RecordsTable<K extends RecordKindName>(props: { kind: K }) {
  const { kind } = props;
  const t = useT();
  const { api } = useServices();
  const bots = useBots();
  const [filters, setFilters] = useState<RecordFilters>(EMPTY_FILTERS);
  const [sort, setSort] = useState<SortState>(DEFAULT_SORT[kind]);
  const [offset, setOffset] = useState(0);
  const query = useMemo(
    () => recordQuery(kind, filters, sort, { offset, limit: PAGE_SIZE }),
    [kind, filters, sort, offset],
  );
  const page = useRecordsPage(kind, query);
  const botIds = useMemo(() => (bots.data?.items ?? []).map((bot) => bot.id), [bots.data]);
  useTradingStream(botIds);

  const names = useMemo(
    () => new Map((bots.data?.items ?? []).map((bot) => [bot.id, bot.name])),
    [bots.data],
  );
  const columns = useMemo(() => recordColumns(kind, t, (id) => names.get(id) ?? id), [kind, t, names]);
  const csvColumns = useMemo(() => recordCsvColumns(kind), [kind]);
  const rows = page.data?.items ?? [];
  const info = page.data ? pageInfo(page.data, rows.length) : null;

  return (
    <>
      <RecordFiltersForm
        kind={kind}
        bots={bots.data?.items ?? []}
        applied={filters}
        onApply={(next) => {
          setFilters(next);
          setOffset(0);
        }}
      />
      <CsvExportButton
        kind={kind}
        columns={csvColumns}
        fetchPage={(at, limit) =>
          fetchRecordsPage(api, kind, recordQuery(kind, filters, sort, { offset: at, limit }))
        }
      />
      {page.isPending && <p className="muted">{t("common.loading")}</p>}
      <ErrorNotice error={page.error} />
      <DataTable
        columns={columns}
        rows={rows}
        rowKey={(row) => row.id}
        sort={sort}
        onSort={(column) => {
          setSort(toggleSort(sort, column));
          setOffset(0);
        }}
        empty={t("trading.empty")}
        caption={t(`trading.tab.${kind}`)}
        testId={`trading-table-${kind}`}
      />
      {info !== null && (
        <Pager
          {...info}
          onPrevious={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
          onNext={() => setOffset(offset + PAGE_SIZE)}
        />
      )}
    </>
  );
}
