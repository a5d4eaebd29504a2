/**
 * Backtests: the form, the list of runs (status, progress, return, drawdown; polled while
 * one is active), the results of the run shown, and the comparison of the runs ticked.
 */
import { useState } from "react";
import type { Schemas } from "../../api/client";
import { useBacktests } from "../../data/backtests";
import { useT } from "../../i18n/I18nProvider";
import { type Column, DataTable } from "../../shared/DataTable";
import { signedClass, utcTime } from "../../shared/cellFormat";
import { Panel } from "../../shared/Panel";
import { BacktestForm } from "./BacktestForm";
import { ProgressBar } from "./ProgressBar";
import { RunComparison } from "./RunComparison";
import { RunResults } from "./RunResults";

type Run = Schemas["BacktestRunPublic"];
const MAX_COMPARED = 10;

export function BacktestsPage() {
  const t = useT();
  const runs = useBacktests();
  const [shown, setShown] = useState<string | null>(null);
  const [ticked, setTicked] = useState<string[]>([]);

  const toggle = (runId: string) =>
    setTicked((current) =>
      current.includes(runId)
        ? current.filter((id) => id !== runId)
        : [...current, runId].slice(-MAX_COMPARED),
    );

  const columns: Column<Run>[] = [
    {
      id: "compare",
      header: t("table.col.compare"),
      cell: (run) => (
        <input
          type="checkbox"
          checked={ticked.includes(run.id)}
          onChange={() => toggle(run.id)}
          aria-label={`${t("table.col.compare")} ${run.id}`}
        />
      ),
    },
    { id: "created", header: t("table.col.created"), cell: (run) => utcTime(run.created_at) },
    { id: "strategy", header: t("col.strategy"), cell: (run) => run.strategy },
    { id: "market", header: t("col.symbol"), cell: (run) => `${run.symbol} ${run.timeframe}` },
    { id: "status", header: t("table.col.status"), cell: (run) => t(`backtests.status.${run.status}`) },
    {
      id: "progress",
      header: t("table.col.progress"),
      cell: (run) => <ProgressBar value={run.progress} label={`${t("backtests.progress")} ${run.id}`} />,
    },
    {
      id: "return",
      header: t("table.col.return"),
      numeric: true,
      cell: (run) => run.total_return_pct ?? "–",
      className: (run) => signedClass(run.total_return_pct),
    },
    {
      id: "drawdown",
      header: t("table.col.drawdown"),
      numeric: true,
      cell: (run) => run.max_drawdown_pct ?? "–",
    },
    { id: "trades", header: t("table.col.trades"), numeric: true, cell: (run) => run.trades ?? "–" },
    {
      id: "show",
      header: t("table.col.actions"),
      cell: (run) => (
        <button type="button" onClick={() => setShown(run.id)} aria-pressed={shown === run.id}>
          {t("backtests.show")}
        </button>
      ),
    },
  ];

  return (
    <>
      <h1>{t("backtests.title")}</h1>
      <BacktestForm
        onSubmitted={(run) => {
          setShown(run.id);
        }}
      />
      <Panel title={t("backtests.runs")} query={runs}>
        <p className="muted">{t("backtests.compareHelp")}</p>
        <DataTable
          columns={columns}
          rows={runs.data?.items ?? []}
          rowKey={(run) => run.id}
          empty={t("backtests.empty")}
          caption={t("backtests.runs")}
          testId="backtest-runs"
        />
      </Panel>
      {shown !== null && <RunResults key={shown} runId={shown} />}
      {ticked.length >= 2 && <RunComparison runIds={ticked} />}
    </>
  );
}
