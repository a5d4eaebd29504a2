/**
 * Kill switches: engage the global switch (every running bot moves to halted at once;
 * optionally flatten every open position), list the engaged switches of every scope, and
 * re-arm one (POST .../rearm needs an MFA step-up; halted bots stay halted).
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useServices } from "../../app/ServicesContext";
import { engageGlobalKillSwitch, rearmKillSwitch, useEngagedKillSwitches } from "../../data/admin";
import { queryKeys } from "../../data/queryKeys";
import { useT } from "../../i18n/I18nProvider";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import type { StepUp } from "../../shared/StepUpDialog";
import { useAction } from "../../shared/useAction";

const MAX_REASON = 200;

function validReason(reason: string): boolean {
  const trimmed = reason.trim();
  return trimmed.length >= 1 && trimmed.length <= MAX_REASON;
}

export function KillSwitchPanel(props: { stepUp: StepUp }) {
  const t = useT();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const switches = useEngagedKillSwitches(true);
  const [reason, setReason] = useState("");
  const [flatten, setFlatten] = useState(false);
  const [reasonInvalid, setReasonInvalid] = useState(false);
  const [rearmReasons, setRearmReasons] = useState<Record<string, string>>({});
  const [rearmInvalid, setRearmInvalid] = useState<string | null>(null);
  const action = useAction();

  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.killSwitches });

  const engage = async (event: FormEvent) => {
    event.preventDefault();
    setReasonInvalid(!validReason(reason));
    if (!validReason(reason)) return;
    if (await action.run(() => engageGlobalKillSwitch(api, reason.trim(), flatten).then(refresh)))
      setReason("");
  };

  const rearm = (switchId: string) => {
    const why = rearmReasons[switchId] ?? "";
    setRearmInvalid(validReason(why) ? null : switchId);
    if (!validReason(why)) return;
    void action.run(() => props.stepUp.run(() => rearmKillSwitch(api, switchId, why.trim())).then(refresh));
  };

  const engaged = switches.data?.items ?? [];
  return (
    <Panel title={t("kill.title")} query={switches}>
      <p data-testid="kill-status" className={engaged.some((s) => s.scope === "global") ? "down" : "ok-text"}>
        {engaged.some((s) => s.scope === "global") ? t("kill.globalEngaged") : t("kill.globalArmed")}
      </p>
      {engaged.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("kill.scope")}</th>
              <th scope="col">{t("kill.target")}</th>
              <th scope="col">{t("col.time")}</th>
              <th scope="col">{t("kill.reason")}</th>
              <th scope="col">{t("kill.rearm")}</th>
            </tr>
          </thead>
          <tbody>
            {engaged.map((s) => (
              <tr key={s.id}>
                <td>{s.scope}</td>
                <td className="secret-text">{s.target_id ?? "—"}</td>
                <td>{new Date(s.engaged_at).toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{s.reason}</td>
                <td className="toolbar">
                  <input
                    aria-label={t("kill.rearmReasonFor", { scope: s.scope })}
                    placeholder={t("kill.rearmReason")}
                    value={rearmReasons[s.id] ?? ""}
                    onChange={(e) => setRearmReasons({ ...rearmReasons, [s.id]: e.target.value })}
                    aria-invalid={rearmInvalid === s.id}
                  />
                  <button type="button" disabled={action.busy} onClick={() => rearm(s.id)}>
                    {t("kill.rearm")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rearmInvalid !== null && <p className="field-error">{t("kill.error.reason")}</p>}
      <form onSubmit={engage} noValidate aria-label={t("kill.engage")}>
        <h3>{t("kill.engage")}</h3>
        <p className="muted">{t("kill.engageHelp")}</p>
        <label className="field">
          {t("kill.reason")}
          <input value={reason} onChange={(e) => setReason(e.target.value)} aria-invalid={reasonInvalid} />
          {reasonInvalid && <span className="field-error">{t("kill.error.reason")}</span>}
        </label>
        <label>
          <input type="checkbox" checked={flatten} onChange={(e) => setFlatten(e.target.checked)} />{" "}
          {t("kill.flatten")}
        </label>
        <ErrorNotice error={action.error} />
        <div className="toolbar">
          <button className="danger" type="submit" disabled={action.busy}>
            {t("kill.engage")}
          </button>
        </div>
      </form>
    </Panel>
  );
}
