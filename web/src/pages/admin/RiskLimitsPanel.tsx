/**
 * The platform risk caps (GET/PUT /platform/risk-limits): every cap in one form, saved
 * whole as the next version. Raising a cap needs an MFA step-up; the answer lists the
 * bots now above the caps (they are not changed: the runtime clamps them at start).
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import type { Schemas } from "../../api/client";
import { useServices } from "../../app/ServicesContext";
import { saveRiskLimits, useRiskLimits } from "../../data/admin";
import { queryKeys } from "../../data/queryKeys";
import type { MessageKey } from "../../i18n/en";
import { useT } from "../../i18n/I18nProvider";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import type { StepUp } from "../../shared/StepUpDialog";
import { useAction } from "../../shared/useAction";
import type { FieldErrors } from "../login/loginValidation";
import {
  type RiskCap,
  RISK_CAPS,
  type RiskLimitsDraft,
  type RiskLimitsField,
  riskLimitsBody,
  riskLimitsDraft,
  validateRiskLimits,
} from "./riskLimitsForm";

const CAP_LABEL: Record<RiskCap, MessageKey> = {
  max_position_pct: "risk.max_position_pct",
  max_risk_per_trade_pct: "risk.max_risk_per_trade_pct",
  daily_loss_limit_pct: "risk.daily_loss_limit_pct",
  max_drawdown_pct: "risk.max_drawdown_pct",
  max_leverage: "risk.max_leverage",
  max_order_notional: "risk.max_order_notional",
  max_open_positions: "risk.max_open_positions",
  max_entries_per_day: "risk.max_entries_per_day",
};

export function RiskLimitsPanel(props: { stepUp: StepUp }) {
  const t = useT();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const limits = useRiskLimits(true);
  const [draft, setDraft] = useState<RiskLimitsDraft | null>(null);
  const [errors, setErrors] = useState<FieldErrors<RiskLimitsField>>({});
  const [saved, setSaved] = useState<Schemas["PlatformRiskLimitsUpdated"] | null>(null);
  const action = useAction();

  useEffect(() => {
    if (limits.data !== undefined) setDraft(riskLimitsDraft(limits.data));
  }, [limits.data]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (draft === null) return;
    const found = validateRiskLimits(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body = riskLimitsBody(draft);
    await action.run(async () => {
      setSaved(await props.stepUp.run(() => saveRiskLimits(api, body)));
      await queryClient.invalidateQueries({ queryKey: queryKeys.riskLimits });
    });
  };

  return (
    <Panel title={t("risk.title")} query={limits}>
      {limits.data !== undefined && (
        <p className="muted">{t("risk.version", { version: limits.data.version })}</p>
      )}
      {draft !== null && (
        <form onSubmit={submit} noValidate aria-label={t("risk.title")}>
          <p className="muted">{t("risk.help")}</p>
          <div className="grid-2">
            {RISK_CAPS.map((cap) => (
              <label key={cap} className="field">
                {t(CAP_LABEL[cap])}
                <input
                  inputMode="decimal"
                  value={draft.caps[cap]}
                  placeholder={t("risk.noCap")}
                  onChange={(e) => setDraft({ ...draft, caps: { ...draft.caps, [cap]: e.target.value } })}
                  aria-invalid={errors[cap] !== undefined}
                />
                {errors[cap] && <span className="field-error">{t(errors[cap])}</span>}
              </label>
            ))}
          </div>
          <label>
            <input
              type="checkbox"
              checked={draft.allowRiskDisabled}
              onChange={(e) => setDraft({ ...draft, allowRiskDisabled: e.target.checked })}
            />{" "}
            {t("risk.allowRiskDisabled")}
          </label>
          <label className="field">
            {t("risk.reason")}
            <input
              value={draft.reason}
              onChange={(e) => setDraft({ ...draft, reason: e.target.value })}
              aria-invalid={errors.reason !== undefined}
            />
            {errors.reason && <span className="field-error">{t(errors.reason)}</span>}
          </label>
          <ErrorNotice error={action.error} />
          <div role="status">
            {saved !== null && (
              <p className="ok-text">
                {t("risk.saved", { version: saved.limits.version, exceeding: saved.exceeding_total })}
              </p>
            )}
          </div>
          <button className="primary" type="submit" disabled={action.busy}>
            {t("risk.save")}
          </button>
        </form>
      )}
    </Panel>
  );
}
