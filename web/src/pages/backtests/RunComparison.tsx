/**
 * Two or more runs side by side (GET /backtests/compare, in the order ticked): the
 * summary and every metric in one table, one column per run, and their equity curves as
 * returns on one chart (each run's GET /backtests/{id}/equity).
 */
import { useQueries } from "@tanstack/react-query";
import { useMemo } from "react";
import { unwrap } from "../../api/apiError";
import { useServices } from "../../app/ServicesContext";
import type { ComparedRun } from "../../charts/comparisonChartModel";
import { useBacktestCompare } from "../../data/backtests";
import { queryKeys } from "../../data/queryKeys";
import { useT } from "../../i18n/I18nProvider";
import { Panel } from "../../shared/Panel";
import { ComparisonChart } from "./BacktestCharts";
import { comparisonRows, runLabel } from "./backtestResults";

// Module-level, so the combined result keeps its identity while no answer changes.
function equityData<T>(results: ReadonlyArray<{ data: T | undefined }>): Array<T | undefined> {
  return results.map((result) => result.data);
}

export function RunComparison(props: { runIds: readonly string[] }) {
  const t = useT();
  const { api } = useServices();
  const compare = useBacktestCompare(props.runIds);
  const runs = useMemo(() => compare.data?.runs ?? [], [compare.data]);
  const succeeded = useMemo(() => runs.filter((run) => run.status === "succeeded"), [runs]);
  const equities = useQueries({
    queries: succeeded.map((run) => ({
      queryKey: queryKeys.backtestEquity(run.id),
      queryFn: () =>
        unwrap(
          api.GET("/api/v1/backtests/{run_id}/equity", {
            params: { path: { run_id: run.id }, query: { max_points: 2000 } },
          }),
        ),
      staleTime: Number.POSITIVE_INFINITY,
    })),
    combine: equityData,
  });
  const lines: ComparedRun[] = useMemo(
    () =>
      succeeded.flatMap((run, i) => {
        const equity = equities[i];
        return equity
          ? [{ id: run.id, label: runLabel(run), ts_ms: equity.ts_ms, equity: equity.equity }]
          : [];
      }),
    [succeeded, equities],
  );
  const rows = comparisonRows(runs);

  return (
    <Panel title={t("backtests.compare")} query={compare}>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={t("backtests.compare")}>
        <table data-testid="backtest-compare">
          <thead>
            <tr>
              <th scope="col">{t("table.col.metric")}</th>
              {runs.map((run) => (
                <th key={run.id} scope="col" className="num">
                  {runLabel(run)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.metric}>
                <th scope="row">{row.metric}</th>
                {row.values.map((value, i) => (
                  <td key={runs[i]?.id ?? i} className="num">
                    {value}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>{t("backtests.compareChart")}</h3>
      <ComparisonChart runs={lines} label={t("backtests.compareChart")} />
    </Panel>
  );
}
