/**
 * One bot: its state and lifecycle buttons, the live chart (candles, trades, fills),
 * recent orders and fills (patched from the stream), risk settings (view and edit, with
 * MFA step-up), state history, and configuration history with a diff and rollback.
 */
import { Link, useParams } from "@tanstack/react-router";
import { useMemo } from "react";
import type { Schemas } from "../../api/client";
import { useBot, useBotFills, useBotStateHistory } from "../../data/bots";
import { useRecordsPage } from "../../data/records";
import { useT } from "../../i18n/I18nProvider";
import { type Column, DataTable } from "../../shared/DataTable";
import { utcTime } from "../../shared/cellFormat";
import { Panel } from "../../shared/Panel";
import { recordColumns } from "../trading/recordColumns";
import { BotChartPanel } from "./BotChartPanel";
import { BotControls } from "./BotControls";
import { ConfigHistoryPanel } from "./ConfigHistoryPanel";
import { RiskSettingsPanel } from "./RiskSettingsPanel";
import { StateBadge } from "./StateBadge";
import { useBotsStream } from "./useBotsStream";

const RECENT_ORDERS = 20;
const RECENT_FILLS_SHOWN = 20;

export function BotDetailPage(props: { botId: string }) {
  const t = useT();
  const bot = useBot(props.botId);
  const ids = useMemo(() => [props.botId], [props.botId]);
  useBotsStream(ids, props.botId);

  return (
    <>
      <Link to="/bots">{t("bots.detail.back")}</Link>
      <Panel title={bot.data?.name ?? props.botId} query={bot}>
        {bot.data && (
          <>
            <p className="muted">
              {bot.data.strategy} · {t(`bots.mode.${bot.data.mode}`)} · {bot.data.exchange} ·{" "}
              {bot.data.symbols.join(", ")} · {bot.data.timeframe} ·{" "}
              {t("bots.detail.config", { version: bot.data.config_version })}
            </p>
            <BotControls bot={bot.data} />
          </>
        )}
      </Panel>
      {bot.data && (
        <>
          <BotChartPanel bot={bot.data} />
          {/* Full width: at half width its nine columns scroll sideways, and a scrolling
              region that cannot take the focus is out of reach of the keyboard. */}
          <RecentOrders botId={props.botId} />
          <div className="grid-2">
            <RecentFills botId={props.botId} />
            <StateHistory botId={props.botId} />
          </div>
          <RiskSettingsPanel bot={bot.data} />
          <ConfigHistoryPanel bot={bot.data} />
        </>
      )}
    </>
  );
}

function RecentOrders(props: { botId: string }) {
  const t = useT();
  const orders = useRecordsPage("orders", {
    bot_id: props.botId,
    limit: RECENT_ORDERS,
    offset: 0,
    sort: "-created_at",
  });
  const columns = useMemo(
    () =>
      recordColumns("orders", t, () => "").filter((column) => column.id !== "bot" && column.id !== "reason"),
    [t],
  );
  return (
    <Panel title={t("bots.detail.orders")} query={orders}>
      <DataTable
        columns={columns}
        rows={orders.data?.items ?? []}
        rowKey={(order) => order.id}
        empty={t("common.none")}
        caption={t("bots.detail.orders")}
        testId="bot-orders"
      />
    </Panel>
  );
}

function RecentFills(props: { botId: string }) {
  const t = useT();
  const { fills, query } = useBotFills(props.botId);
  // Newest first, as the orders above.
  const rows = useMemo(() => fills.slice(-RECENT_FILLS_SHOWN).reverse(), [fills]);
  const columns: Column<Schemas["FillPublic"]>[] = [
    { id: "at", header: t("col.time"), cell: (f) => utcTime(f.at) },
    { id: "symbol", header: t("col.symbol"), cell: (f) => f.symbol },
    { id: "side", header: t("table.col.side"), cell: (f) => f.side },
    { id: "quantity", header: t("col.quantity"), numeric: true, cell: (f) => f.quantity },
    { id: "price", header: t("table.col.price"), numeric: true, cell: (f) => f.price },
    { id: "fee", header: t("table.col.fees"), numeric: true, cell: (f) => `${f.fee} ${f.fee_currency}` },
  ];
  return (
    <Panel title={t("bots.detail.fills")} query={query}>
      <DataTable
        columns={columns}
        rows={rows}
        rowKey={(f) => f.id}
        empty={t("common.none")}
        caption={t("bots.detail.fills")}
        testId="bot-fills"
      />
    </Panel>
  );
}

function StateHistory(props: { botId: string }) {
  const t = useT();
  const history = useBotStateHistory(props.botId);
  const columns: Column<Schemas["BotStateChangePublic"]>[] = [
    { id: "at", header: t("col.time"), cell: (c) => utcTime(c.at) },
    { id: "from", header: t("table.col.from"), cell: (c) => <StateBadge state={c.from_state} /> },
    { id: "to", header: t("table.col.to"), cell: (c) => <StateBadge state={c.to_state} /> },
    { id: "reason", header: t("table.col.reason"), cell: (c) => c.reason },
    { id: "by", header: t("table.col.by"), cell: (c) => c.actor_id ?? t("bots.detail.runtime") },
  ];
  return (
    <Panel title={t("bots.detail.history")} query={history}>
      <DataTable
        columns={columns}
        rows={history.data?.items ?? []}
        rowKey={(c) => String(c.sequence)}
        empty={t("common.none")}
        caption={t("bots.detail.history")}
        testId="bot-state-history"
      />
    </Panel>
  );
}

/** The route's component: the bot of the `$botId` path parameter. */
export function BotDetailRoute() {
  const { botId } = useParams({ strict: false });
  return <BotDetailPage key={botId} botId={botId ?? ""} />;
}
