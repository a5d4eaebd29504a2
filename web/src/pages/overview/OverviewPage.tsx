/**
 * Overview: equity curve, today's PnL, open positions, bot states and recent alerts, from
 * the analytics, positions, bots and risk-events endpoints, kept live by the stream.
 */
import { useMemo } from "react";
import { useMe } from "../../data/account";
import {
  useBots,
  useLiveAlerts,
  useOpenPositions,
  usePnlByDay,
  usePnlSince,
  useRecentRiskEvents,
} from "../../data/trading";
import { useT } from "../../i18n/I18nProvider";
import { decimalSign } from "../../shared/decimal";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { EquityCurve } from "./EquityCurve";
import { equityCurve, todayPnl, utcDayStartIso } from "./overviewFigures";
import { useOverviewStream } from "./useOverviewStream";

function signClass(value: string): string {
  const sign = decimalSign(value);
  return sign > 0 ? "num up" : sign < 0 ? "num down" : "num";
}

export function OverviewPage() {
  const t = useT();
  const me = useMe();
  const bots = useBots();
  const positions = useOpenPositions();
  const byDay = usePnlByDay();
  const todayStart = useMemo(() => utcDayStartIso(Date.now()), []);
  const today = usePnlSince(todayStart);
  const riskEvents = useRecentRiskEvents();
  const liveAlerts = useLiveAlerts();
  const botIds = useMemo(() => (bots.data?.items ?? []).map((bot) => bot.id), [bots.data]);
  useOverviewStream(me.data?.id, botIds);

  const curve = useMemo(() => equityCurve(byDay.data?.groups ?? []), [byDay.data]);
  const botNames = useMemo(
    () => new Map((bots.data?.items ?? []).map((bot) => [bot.id, bot.name])),
    [bots.data],
  );
  const alerts = useMemo(() => {
    const live = (liveAlerts.data ?? []).map((a) => ({
      key: `live-${a.at_ms}-${a.message}`,
      at: a.at_ms,
      level: a.level,
      message: a.message,
    }));
    const stored = (riskEvents.data?.items ?? []).map((e) => ({
      key: e.id,
      at: Date.parse(e.at),
      level: e.kind,
      message: e.sentence,
    }));
    return [...live, ...stored].sort((a, b) => b.at - a.at).slice(0, 20);
  }, [liveAlerts.data, riskEvents.data]);

  return (
    <>
      <h1>{t("overview.title")}</h1>
      <div className="grid-2">
        <Panel title={t("overview.equity")} query={byDay}>
          {curve.points.length === 0 ? (
            <p className="muted">{t("overview.equity.empty")}</p>
          ) : (
            <>
              <EquityCurve points={curve.points} />
              <p className={signClass(curve.total)}>{curve.total}</p>
            </>
          )}
        </Panel>
        <Panel title={t("overview.pnlToday")} query={today}>
          {today.data && <TodayFigures figures={todayPnl(today.data)} />}
        </Panel>
      </div>
      <Panel title={t("overview.positions")} query={positions}>
        <table>
          <thead>
            <tr>
              <th>{t("col.symbol")}</th>
              <th>{t("col.bot")}</th>
              <th className="num">{t("col.quantity")}</th>
              <th className="num">{t("col.averagePrice")}</th>
              <th className="num">{t("col.realisedPnl")}</th>
            </tr>
          </thead>
          <tbody>
            {(positions.data?.items ?? []).map((position) => (
              <tr key={position.id}>
                <td>{position.symbol}</td>
                <td>{botNames.get(position.bot_id) ?? position.bot_id}</td>
                <td className={signClass(position.quantity)}>{position.quantity}</td>
                <td className="num">{position.average_price}</td>
                <td className={signClass(position.realised_pnl)}>{position.realised_pnl}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {positions.data?.items.length === 0 && <p className="muted">{t("common.none")}</p>}
      </Panel>
      <div className="grid-2">
        <Panel title={t("overview.bots")} query={bots}>
          <table>
            <thead>
              <tr>
                <th>{t("col.name")}</th>
                <th>{t("col.strategy")}</th>
                <th>{t("col.mode")}</th>
                <th>{t("col.state")}</th>
              </tr>
            </thead>
            <tbody>
              {(bots.data?.items ?? []).map((bot) => (
                <tr key={bot.id}>
                  <td>{bot.name}</td>
                  <td>{bot.strategy}</td>
                  <td>{bot.mode}</td>
                  <td data-state={bot.state}>{bot.state}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {bots.data?.items.length === 0 && <p className="muted">{t("common.none")}</p>}
        </Panel>
        <Panel title={t("overview.alerts")} query={riskEvents}>
          <table>
            <thead>
              <tr>
                <th>{t("col.time")}</th>
                <th>{t("col.level")}</th>
                <th>{t("col.message")}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((alert) => (
                <tr key={alert.key}>
                  <td>{new Date(alert.at).toISOString().replace("T", " ").slice(0, 19)}</td>
                  <td>{alert.level}</td>
                  <td>{alert.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {alerts.length === 0 && <p className="muted">{t("common.none")}</p>}
        </Panel>
      </div>
      <ErrorNotice error={me.error} />
    </>
  );
}

function TodayFigures(props: { figures: ReturnType<typeof todayPnl> }) {
  const t = useT();
  const { net, unrealised, trades } = props.figures;
  return (
    <table>
      <tbody>
        <tr>
          <th>{t("overview.pnl.net")}</th>
          <td className={signClass(net)}>{net}</td>
        </tr>
        <tr>
          <th>{t("overview.pnl.unrealised")}</th>
          <td className={unrealised === null ? "num muted" : signClass(unrealised)}>{unrealised ?? "–"}</td>
        </tr>
        <tr>
          <th>{t("overview.pnl.trades")}</th>
          <td className="num">{trades}</td>
        </tr>
      </tbody>
    </table>
  );
}
