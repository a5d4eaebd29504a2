/**
 * Exchange keys: the stored keys, masked (GET /exchange-keys); a form that adds one after
 * checking it locally (POST validates it with the exchange and needs an MFA step-up);
 * delete behind a confirmation (409 while a bot uses the key).
 */
import { TextField } from "../../shared/TextField";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useServices } from "../../app/ServicesContext";
import { queryKeys } from "../../data/queryKeys";
import { addExchangeKey, deleteExchangeKey, useExchangeKeys } from "../../data/settings";
import { useT } from "../../i18n/I18nProvider";
import { ConfirmButton } from "../../shared/ConfirmButton";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import type { StepUp } from "../../shared/StepUpDialog";
import { useAction } from "../../shared/useAction";
import type { FieldErrors } from "../login/loginValidation";
import {
  EMPTY_EXCHANGE_KEY,
  type ExchangeKeyDraft,
  type ExchangeKeyField,
  exchangeKeyBody,
  permissionSummary,
  validateExchangeKey,
} from "./exchangeKeyForm";

export function ExchangeKeysPanel(props: { stepUp: StepUp }) {
  const t = useT();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const keys = useExchangeKeys();
  const [draft, setDraft] = useState<ExchangeKeyDraft>(EMPTY_EXCHANGE_KEY);
  const [errors, setErrors] = useState<FieldErrors<ExchangeKeyField>>({});
  const add = useAction();
  const remove = useAction();

  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.exchangeKeys });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validateExchangeKey(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body = exchangeKeyBody(draft);
    if (await add.run(() => props.stepUp.run(() => addExchangeKey(api, body)))) {
      setDraft(EMPTY_EXCHANGE_KEY);
      await refresh();
    }
  };

  const field = (name: ExchangeKeyField, label: string, type: "text" | "password", autoComplete: string) => (
    <TextField
      label={label}
      type={type}
      value={draft[name]}
      onChange={(value) => setDraft({ ...draft, [name]: value })}
      autoComplete={autoComplete}
      spellCheck={false}
      error={errors[name]}
    />
  );

  const items = keys.data?.items ?? [];
  return (
    <Panel title={t("keys.title")} query={keys}>
      {items.length === 0 ? (
        <p className="muted">{t("keys.none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("keys.label")}</th>
              <th scope="col">{t("col.exchange")}</th>
              <th scope="col">{t("keys.apiKey")}</th>
              <th scope="col">{t("keys.permissions")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("common.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((key) => (
              <tr key={key.id}>
                <td>{key.label}</td>
                <td>{key.exchange}</td>
                <td className="secret-text">{key.api_key_masked}</td>
                <td>
                  {permissionSummary(key.permissions)
                    .map((p) => t(p))
                    .join(", ")}
                  {key.warnings.map((warning) => (
                    <div key={warning} className="field-error">
                      {warning}
                    </div>
                  ))}
                </td>
                <td>
                  <ConfirmButton
                    label={t("common.delete")}
                    ariaLabel={t("keys.deleteNamed", { label: key.label })}
                    question={t("keys.deleteQuestion", { label: key.label })}
                    disabled={remove.busy}
                    onConfirm={() => void remove.run(() => deleteExchangeKey(api, key.id).then(refresh))}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorNotice error={remove.error} />
      <form onSubmit={submit} noValidate aria-label={t("keys.add")}>
        <h3>{t("keys.add")}</h3>
        <p className="muted">{t("keys.addHelp")}</p>
        <div className="grid-2">
          {field("exchange", t("col.exchange"), "text", "off")}
          {field("label", t("keys.label"), "text", "off")}
          {field("apiKey", t("keys.apiKey"), "text", "off")}
          {field("secret", t("keys.secret"), "password", "new-password")}
          {field("password", t("keys.passphrase"), "password", "new-password")}
        </div>
        <ErrorNotice error={add.error} />
        <p role="status" className="ok-text">
          {add.succeeded ? t("keys.added") : ""}
        </p>
        <button className="primary" type="submit" disabled={add.busy}>
          {t("keys.add")}
        </button>
      </form>
    </Panel>
  );
}
