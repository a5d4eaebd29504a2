/**
 * One backtest run: its status and live progress (polled every second while queued or
 * running; cancel while it can be), then its results once succeeded: the metrics table,
 * equity and drawdown charts, the candles it ran on with its trades marked, and the
 * trades table. A failed run shows the API's reason.
 */
import { useMemo } from "react";
import type { Schemas } from "../../api/client";
import {
  isRunActive,
  useBacktest,
  useBacktestCandles,
  useBacktestEquity,
  useBacktestTrades,
  useCancelBacktest,
} from "../../data/backtests";
import { useT } from "../../i18n/I18nProvider";
import { type Column, DataTable } from "../../shared/DataTable";
import { signedClass, utcTime } from "../../shared/cellFormat";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { TradeChart } from "../../shared/TradeChart";
import { EquityCurve } from "../overview/EquityCurve";
import { DrawdownChart } from "./BacktestCharts";
import { markersOnCandles } from "../bots/botChartData";
import { candleWindow, metricRows, runLabel, runTradeMarks } from "./backtestResults";
import { ProgressBar } from "./ProgressBar";

type RunTrade = Schemas["xor_trading__api__schemas__backtests__TradePublic"];
const TRADES_SHOWN = 200;
const NO_NUMBERS: readonly number[] = [];

export function RunResults(props: { runId: string }) {
  const t = useT();
  const run = useBacktest(props.runId);
  const cancel = useCancelBacktest();
  const detail = run.data;
  const succeeded = detail?.status === "succeeded";
  const equity = useBacktestEquity(props.runId, succeeded);
  const trades = useBacktestTrades(props.runId, succeeded);
  const window = useMemo(
    () => (detail && equity.data ? candleWindow(detail, equity.data.ts_ms) : null),
    [detail, equity.data],
  );
  const candles = useBacktestCandles(window);
  const equityPoints = useMemo(
    () =>
      equity.data
        ? equity.data.ts_ms.map((ts, i) => ({ ts_ms: ts, value: equity.data.equity[i] as number }))
        : [],
    [equity.data],
  );
  const marks = useMemo(() => runTradeMarks(trades.data?.rows ?? []), [trades.data]);
  const drawn = useMemo(() => markersOnCandles(marks, [], candles.data?.ts_ms ?? []), [marks, candles.data]);

  const tradeColumns: Column<RunTrade>[] = [
    { id: "entry", header: t("table.col.entry"), cell: (r) => utcTime(r.entry_time) },
    { id: "exit", header: t("table.col.exit"), cell: (r) => utcTime(r.exit_time) },
    { id: "side", header: t("table.col.side"), cell: (r) => r.side },
    { id: "quantity", header: t("col.quantity"), numeric: true, cell: (r) => r.quantity },
    { id: "entryPrice", header: t("table.col.entryPrice"), numeric: true, cell: (r) => r.entry_price },
    { id: "exitPrice", header: t("table.col.exitPrice"), numeric: true, cell: (r) => r.exit_price },
    { id: "fees", header: t("table.col.fees"), numeric: true, cell: (r) => r.fees },
    {
      id: "pnl",
      header: t("table.col.netPnl"),
      numeric: true,
      cell: (r) => r.pnl,
      className: (r) => signedClass(r.pnl),
    },
    { id: "return", header: t("table.col.return"), numeric: true, cell: (r) => r.return_pct },
    { id: "reason", header: t("table.col.exitReason"), cell: (r) => r.exit_reason },
  ];

  return (
    <Panel title={detail ? runLabel(detail) : t("backtests.run", { id: props.runId })} query={run}>
      {detail && (
        <>
          <div className="toolbar">
            <span className="badge">{t(`backtests.status.${detail.status}`)}</span>
            <ProgressBar value={detail.progress} label={t("backtests.progress")} testId="backtest-progress" />
            {isRunActive(detail.status) && (
              <button
                type="button"
                disabled={cancel.isPending || detail.cancel_requested}
                onClick={() => cancel.mutate(detail.id)}
              >
                {t("backtests.cancel")}
              </button>
            )}
            {detail.cancel_requested && <span className="muted">{t("backtests.cancelRequested")}</span>}
          </div>
          <ErrorNotice error={cancel.error} />
          {detail.error && <ErrorNotice error={new Error(detail.error)} />}
          {detail.warnings.length > 0 && (
            <ul aria-label={t("backtests.warnings")}>
              {detail.warnings.map((warning) => (
                <li key={warning} className="muted">
                  {warning}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {succeeded && detail && (
        <>
          <h3>{t("backtests.metrics")}</h3>
          <table data-testid="backtest-metrics">
            <thead>
              <tr>
                <th scope="col">{t("table.col.metric")}</th>
                <th scope="col" className="num">
                  {t("table.col.value")}
                </th>
              </tr>
            </thead>
            <tbody>
              {metricRows(detail.metrics).map(([name, value]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td className="num">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ErrorNotice error={equity.error ?? trades.error ?? candles.error} />
          <div className="grid-2">
            <section data-testid="backtest-equity">
              <h3>{t("backtests.equity")}</h3>
              <EquityCurve points={equityPoints} />
              {equity.data && equity.data.total_points > equity.data.ts_ms.length && (
                <p className="muted">
                  {t("backtests.thinned", {
                    points: equity.data.ts_ms.length,
                    total: equity.data.total_points,
                  })}
                </p>
              )}
            </section>
            <section data-testid="backtest-drawdown">
              <h3>{t("backtests.drawdown")}</h3>
              <DrawdownChart
                tsMs={equity.data?.ts_ms ?? NO_NUMBERS}
                drawdownPct={equity.data?.drawdown_pct ?? NO_NUMBERS}
                label={t("backtests.drawdown")}
              />
            </section>
          </div>
          <h3>{t("backtests.candles")}</h3>
          <TradeChart
            candles={candles.data}
            trades={marks}
            label={`${t("backtests.candles")} ${detail.symbol} ${detail.timeframe}`}
            testId="backtest-chart"
          />
          {candles.data && (
            <p className="muted" data-testid="backtest-chart-markers" data-count={drawn}>
              {t("common.markersDrawn", { count: drawn })}
            </p>
          )}
          <h3>{t("backtests.trades")}</h3>
          {trades.data && trades.data.rows.length > TRADES_SHOWN && (
            <p className="muted">
              {t("backtests.tradesCapped", { count: TRADES_SHOWN, total: trades.data.total })}
            </p>
          )}
          <DataTable
            columns={tradeColumns}
            rows={(trades.data?.rows ?? []).slice(0, TRADES_SHOWN)}
            rowKey={(_, index) => String(index)}
            empty={t("common.none")}
            caption={t("backtests.trades")}
            testId="backtest-trades"
          />
        </>
      )}
    </Panel>
  );
}
