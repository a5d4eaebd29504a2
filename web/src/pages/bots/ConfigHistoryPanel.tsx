/**
 * A bot's configuration history (GET /bots/{id}/versions, newest first): each version
 * with who saved it and why; two versions chosen side by side show the settings that
 * differ (configDiff.ts, on the versions already loaded); "roll back" puts an older
 * version in force again as the next version (a step-up is asked when the API wants one).
 */
import { useId, useMemo, useState } from "react";
import type { Schemas } from "../../api/client";
import { useBotCommands, useBotVersions } from "../../data/bots";
import { useT } from "../../i18n/I18nProvider";
import { type Column, DataTable } from "../../shared/DataTable";
import { utcTime } from "../../shared/cellFormat";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { StepUpCancelled } from "../../shared/stepUp";
import { useStepUp } from "../../shared/StepUpDialog";
import { useAction } from "../../shared/useAction";
import { type ConfigChange, diffConfigs, formatConfigValue } from "./configDiff";

type Version = Schemas["BotVersionPublic"];

export function ConfigHistoryPanel(props: { bot: Schemas["BotPublic"] }) {
  const { bot } = props;
  const t = useT();
  const id = useId();
  const versions = useBotVersions(bot.id);
  const { rollback } = useBotCommands(bot.id);
  const stepUp = useStepUp();
  const action = useAction();
  const [notice, setNotice] = useState("");
  const items = versions.data?.items ?? [];
  const newest = items[0]?.version ?? bot.config_version;
  const [older, setOlder] = useState<number | null>(null);
  const [newer, setNewer] = useState<number | null>(null);
  const oldVersion = older ?? Math.max(1, newest - 1);
  const newVersion = newer ?? newest;

  const changes = useMemo(() => {
    const a = items.find((v) => v.version === oldVersion);
    const b = items.find((v) => v.version === newVersion);
    return a && b ? diffConfigs(a.config, b.config) : [];
  }, [items, oldVersion, newVersion]);

  const roll = (version: number) =>
    void action.run(async () => {
      try {
        const saved = await stepUp.run(() => rollback(version, null));
        setNotice(t("bots.detail.rolledBack", { version, current: saved.config_version }));
      } catch (caught) {
        if (!(caught instanceof StepUpCancelled)) throw caught;
      }
    });

  const columns: Column<Version>[] = [
    { id: "version", header: t("table.col.version"), numeric: true, cell: (v) => v.version },
    { id: "created", header: t("table.col.created"), cell: (v) => utcTime(v.created_at) },
    { id: "by", header: t("table.col.by"), cell: (v) => v.created_by },
    { id: "reason", header: t("table.col.reason"), cell: (v) => v.reason },
    {
      id: "actions",
      header: t("table.col.actions"),
      cell: (v) =>
        v.version === bot.config_version ? (
          <span className="muted">{t("bots.detail.current")}</span>
        ) : (
          <button type="button" disabled={action.busy} onClick={() => roll(v.version)}>
            {t("bots.detail.rollback", { version: v.version })}
          </button>
        ),
    },
  ];

  const versionSelect = (label: string, value: number, onChange: (v: number) => void, key: string) => (
    <>
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <select id={`${id}-${key}`} value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {items.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </>
  );

  return (
    <Panel title={t("bots.detail.versions")} query={versions}>
      <DataTable
        columns={columns}
        rows={items}
        rowKey={(v) => String(v.version)}
        empty={t("common.none")}
        caption={t("bots.detail.versions")}
        testId="bot-versions"
      />
      <ErrorNotice error={action.error} />
      <p role="status" className="muted">
        {notice}
      </p>
      {items.length > 1 && (
        <>
          <div className="toolbar">
            {versionSelect(t("bots.detail.diffOld"), oldVersion, setOlder, "old")}
            {versionSelect(t("bots.detail.diffNew"), newVersion, setNewer, "new")}
          </div>
          <h3>{t("bots.detail.diff", { old: oldVersion, new: newVersion })}</h3>
          <DiffTable changes={changes} />
        </>
      )}
      {stepUp.dialog}
    </Panel>
  );
}

function DiffTable(props: { changes: readonly ConfigChange[] }) {
  const t = useT();
  if (props.changes.length === 0) return <p className="muted">{t("bots.detail.noDiff")}</p>;
  return (
    <table data-testid="bot-config-diff">
      <thead>
        <tr>
          <th scope="col">{t("table.col.key")}</th>
          <th scope="col">{t("table.col.old")}</th>
          <th scope="col">{t("table.col.new")}</th>
        </tr>
      </thead>
      <tbody>
        {props.changes.map((change) => (
          <tr key={change.key}>
            <td>{change.key}</td>
            <td className="diff-old">{formatConfigValue(change.old)}</td>
            <td className="diff-new">{formatConfigValue(change.new)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
