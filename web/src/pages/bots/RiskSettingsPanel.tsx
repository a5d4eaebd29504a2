/**
 * A bot's risk settings (the `risk` section of the configuration in force): shown as a
 * table, edited as a form whose fields follow the stored values' types (the API has no
 * schema for them; decimal strings stay exact). Saving sends only the changed keys
 * (PATCH /bots/{id}); loosening a limit needs a fresh MFA step-up, asked by the dialog,
 * after which the change is sent again. The API's refusal is shown as it wrote it.
 */
import { type FormEvent, useMemo, useState } from "react";
import type { Schemas } from "../../api/client";
import { useBotCommands } from "../../data/bots";
import { useT } from "../../i18n/I18nProvider";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { SchemaForm } from "../../shared/SchemaForm";
import {
  changedEntries,
  type FieldError,
  fieldsFromValues,
  type FormValues,
  initialValues,
  validateForm,
} from "../../shared/schemaForm";
import { StepUpCancelled } from "../../shared/stepUp";
import { useStepUp } from "../../shared/StepUpDialog";
import { formatConfigValue } from "./configDiff";

function sectionOf(config: Record<string, unknown>, name: string): Record<string, unknown> {
  const section = config[name];
  return typeof section === "object" && section !== null && !Array.isArray(section)
    ? (section as Record<string, unknown>)
    : {};
}

export function RiskSettingsPanel(props: { bot: Schemas["BotPublic"] }) {
  const { bot } = props;
  const t = useT();
  const { update } = useBotCommands(bot.id);
  const stepUp = useStepUp();
  const risk = useMemo(() => sectionOf(bot.config, "risk"), [bot.config]);
  const fields = useMemo(() => fieldsFromValues(risk), [risk]);
  const [editing, setEditing] = useState(false);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, FieldError>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");

  const startEditing = () => {
    setValues(initialValues(fields, risk));
    setErrors({});
    setError(null);
    setNotice("");
    setEditing(true);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const check = validateForm(fields, values);
    setErrors(check.errors);
    if (Object.keys(check.errors).length > 0) return;
    const changes = changedEntries(check.params, risk);
    if (Object.keys(changes).length === 0) {
      setNotice(t("bots.detail.riskNoChange"));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const saved = await stepUp.run(() => update({ risk: changes }));
      setEditing(false);
      setNotice(t("bots.detail.riskSaved", { version: saved.config_version }));
    } catch (caught) {
      if (!(caught instanceof StepUpCancelled)) setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title={t("bots.detail.risk")}>
      <p className="muted">{t("bots.detail.riskNote")}</p>
      {editing ? (
        <form onSubmit={(e) => void save(e)} noValidate data-testid="bot-risk-form">
          <SchemaForm fields={fields} values={values} errors={errors} onChange={setValues} disabled={busy} />
          <ErrorNotice error={error} />
          <div className="toolbar">
            <button type="submit" className="primary" disabled={busy} data-testid="bot-risk-save">
              {t("bots.detail.riskSave")}
            </button>
            <button type="button" onClick={() => setEditing(false)}>
              {t("bots.detail.riskCancel")}
            </button>
          </div>
        </form>
      ) : (
        <>
          <table data-testid="bot-risk">
            <tbody>
              {fields.map((field) => (
                <tr key={field.name}>
                  <th scope="row">{field.label}</th>
                  <td className="num">{formatConfigValue(risk[field.name])}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" onClick={startEditing} data-testid="bot-risk-edit">
            {t("bots.detail.riskEdit")}
          </button>
        </>
      )}
      <p role="status" className="muted">
        {notice}
      </p>
      {stepUp.dialog}
    </Panel>
  );
}
