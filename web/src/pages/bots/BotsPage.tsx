/**
 * Bots: every bot of the user with its state (live from the stream), mode, market and
 * PnL (GET /analytics/pnl grouped by bot: net realised after fees, unrealised from the
 * last snapshot), filtered by state and mode; a link to each bot and to the wizard.
 */
import { Link } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import type { Schemas } from "../../api/client";
import { usePnlByBot } from "../../data/bots";
import { useBots } from "../../data/trading";
import { useT } from "../../i18n/I18nProvider";
import { type Column, DataTable } from "../../shared/DataTable";
import { signedClass } from "../../shared/cellFormat";
import { Panel } from "../../shared/Panel";
import { BOT_STATES } from "./botStates";
import { StateBadge } from "./StateBadge";
import { useBotsStream } from "./useBotsStream";

type Bot = Schemas["BotPublic"];

export function BotsPage() {
  const t = useT();
  const bots = useBots();
  const pnl = usePnlByBot();
  const [state, setState] = useState("");
  const [mode, setMode] = useState("");
  const botIds = useMemo(() => (bots.data?.items ?? []).map((bot) => bot.id), [bots.data]);
  useBotsStream(botIds);

  const pnlOf = useMemo(
    () => new Map((pnl.data?.groups ?? []).map((group) => [group.key, group])),
    [pnl.data],
  );
  const rows = (bots.data?.items ?? []).filter(
    (bot) => (state === "" || bot.state === state) && (mode === "" || bot.mode === mode),
  );
  const columns: Column<Bot>[] = [
    {
      id: "name",
      header: t("col.name"),
      cell: (bot) => (
        <Link to="/bots/$botId" params={{ botId: bot.id }}>
          {bot.name}
        </Link>
      ),
    },
    { id: "state", header: t("col.state"), cell: (bot) => <StateBadge state={bot.state} /> },
    { id: "strategy", header: t("col.strategy"), cell: (bot) => bot.strategy },
    { id: "mode", header: t("col.mode"), cell: (bot) => t(`bots.mode.${bot.mode}`) },
    { id: "symbols", header: t("table.col.symbols"), cell: (bot) => bot.symbols.join(", ") },
    { id: "timeframe", header: t("col.timeframe"), cell: (bot) => bot.timeframe },
    {
      id: "net",
      header: t("table.col.netPnl"),
      numeric: true,
      cell: (bot) => pnlOf.get(bot.id)?.net_pnl ?? "0",
      className: (bot) => signedClass(pnlOf.get(bot.id)?.net_pnl ?? "0"),
    },
    {
      id: "unrealised",
      header: t("table.col.unrealisedPnl"),
      numeric: true,
      cell: (bot) => pnlOf.get(bot.id)?.unrealised_pnl ?? "–",
      className: (bot) => signedClass(pnlOf.get(bot.id)?.unrealised_pnl),
    },
    {
      id: "trades",
      header: t("table.col.trades"),
      numeric: true,
      cell: (bot) => pnlOf.get(bot.id)?.trades ?? 0,
    },
  ];

  return (
    <>
      <div className="toolbar">
        <h1>{t("bots.title")}</h1>
        <Link to="/bots/new" className="button-link" data-testid="bots-new">
          {t("bots.new")}
        </Link>
      </div>
      <Panel title={t("bots.title")} query={bots}>
        <div className="toolbar">
          <label>
            {t("bots.filter.state")}{" "}
            <select value={state} onChange={(e) => setState(e.target.value)}>
              <option value="">{t("bots.filter.all")}</option>
              {BOT_STATES.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t("bots.filter.mode")}{" "}
            <select value={mode} onChange={(e) => setMode(e.target.value)}>
              <option value="">{t("bots.filter.all")}</option>
              <option value="paper">{t("bots.mode.paper")}</option>
              <option value="live">{t("bots.mode.live")}</option>
            </select>
          </label>
        </div>
        <DataTable
          columns={columns}
          rows={rows}
          rowKey={(bot) => bot.id}
          empty={t("bots.empty")}
          caption={t("bots.title")}
          testId="bots-table"
        />
      </Panel>
    </>
  );
}
