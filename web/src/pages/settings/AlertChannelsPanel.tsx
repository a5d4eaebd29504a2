/**
 * Alert channels (Telegram, Discord, email, webhook): the list with secrets masked, a
 * form per kind checked locally before POST /alert-channels, a test send (POST .../test
 * answers sent, failed or refused with the reason) and delete behind a confirmation.
 */
import { TextField } from "../../shared/TextField";
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { Schemas } from "../../api/client";
import { useServices } from "../../app/ServicesContext";
import { queryKeys } from "../../data/queryKeys";
import {
  createAlertChannel,
  deleteAlertChannel,
  testAlertChannel,
  useAlertChannels,
} from "../../data/settings";
import type { MessageKey } from "../../i18n/en";
import { useT } from "../../i18n/I18nProvider";
import { ConfirmButton } from "../../shared/ConfirmButton";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { useAction } from "../../shared/useAction";
import type { FieldErrors } from "../login/loginValidation";
import {
  ALERT_EVENTS,
  type AlertChannelDraft,
  type AlertChannelField,
  alertChannelBody,
  CHANNEL_KINDS,
  type ChannelKind,
  EMPTY_ALERT_CHANNEL,
  toggleEvent,
  validateAlertChannel,
} from "./alertChannelForm";

const KIND_LABEL: Record<ChannelKind, MessageKey> = {
  telegram: "channels.kind.telegram",
  discord: "channels.kind.discord",
  email: "channels.kind.email",
  webhook: "channels.kind.webhook",
};

const EVENT_LABEL: Record<Schemas["AlertEvent"], MessageKey> = {
  fills: "channels.event.fills",
  bot_status: "channels.event.bot_status",
  risk_events: "channels.event.risk_events",
  daily_summary: "channels.event.daily_summary",
  exchange_stream: "channels.event.exchange_stream",
};

export function AlertChannelsPanel() {
  const t = useT();
  const { api } = useServices();
  const queryClient = useQueryClient();
  const channels = useAlertChannels();
  const [draft, setDraft] = useState<AlertChannelDraft>(EMPTY_ALERT_CHANNEL);
  const [errors, setErrors] = useState<FieldErrors<AlertChannelField>>({});
  const [testResult, setTestResult] = useState<{
    label: string;
    delivery: Schemas["AlertDeliveryPublic"];
  } | null>(null);
  const create = useAction();
  const rowAction = useAction();

  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.alertChannels });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = validateAlertChannel(draft);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (await create.run(() => createAlertChannel(api, alertChannelBody(draft)))) {
      setDraft({ ...EMPTY_ALERT_CHANNEL, kind: draft.kind });
      await refresh();
    }
  };

  const input = (
    name: "chatId" | "botToken" | "url" | "email" | "signingSecret" | "label",
    label: string,
    type: "text" | "password" | "email" | "url" = "text",
  ) => (
    <TextField
      label={label}
      type={type}
      value={draft[name]}
      onChange={(value) => setDraft({ ...draft, [name]: value })}
      autoComplete="off"
      spellCheck={false}
      error={errors[name]}
    />
  );

  const items = channels.data?.items ?? [];
  return (
    <Panel title={t("channels.title")} query={channels}>
      {items.length === 0 ? (
        <p className="muted">{t("channels.none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("keys.label")}</th>
              <th scope="col">{t("channels.kind")}</th>
              <th scope="col">{t("channels.target")}</th>
              <th scope="col">{t("channels.events")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("common.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((channel) => (
              <tr key={channel.id}>
                <td>{channel.label}</td>
                <td>{t(KIND_LABEL[channel.kind])}</td>
                <td className="secret-text">
                  {channel.target}
                  {channel.secret_masked !== null && ` (${channel.secret_masked})`}
                </td>
                <td>{channel.events.map((e) => t(EVENT_LABEL[e])).join(", ")}</td>
                <td className="toolbar">
                  <button
                    type="button"
                    aria-label={t("channels.testNamed", { label: channel.label })}
                    disabled={rowAction.busy}
                    onClick={() =>
                      void rowAction.run(async () =>
                        setTestResult({
                          label: channel.label,
                          delivery: await testAlertChannel(api, channel.id),
                        }),
                      )
                    }
                  >
                    {t("channels.test")}
                  </button>
                  <ConfirmButton
                    label={t("common.delete")}
                    ariaLabel={t("channels.deleteNamed", { label: channel.label })}
                    question={t("channels.deleteQuestion", { label: channel.label })}
                    disabled={rowAction.busy}
                    onConfirm={() =>
                      void rowAction.run(() => deleteAlertChannel(api, channel.id).then(refresh))
                    }
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p role="status">
        {testResult !== null &&
          t(`channels.result.${testResult.delivery.status}`, {
            label: testResult.label,
            error: testResult.delivery.error,
          })}
      </p>
      <ErrorNotice error={rowAction.error} />
      <form onSubmit={submit} noValidate aria-label={t("channels.add")}>
        <h3>{t("channels.add")}</h3>
        <div className="grid-2">
          <label className="field">
            {t("channels.kind")}
            <select
              value={draft.kind}
              onChange={(e) => {
                setErrors({});
                setDraft({ ...draft, kind: e.target.value as ChannelKind });
              }}
            >
              {CHANNEL_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {t(KIND_LABEL[kind])}
                </option>
              ))}
            </select>
          </label>
          {input("label", t("keys.label"))}
          {draft.kind === "telegram" && input("chatId", t("channels.chatId"))}
          {draft.kind === "telegram" && input("botToken", t("channels.botToken"), "password")}
          {draft.kind === "discord" && input("url", t("channels.discordUrl"), "password")}
          {draft.kind === "email" && input("email", t("channels.email"), "email")}
          {draft.kind === "webhook" && input("url", t("channels.webhookUrl"), "url")}
          {draft.kind === "webhook" && input("signingSecret", t("channels.signingSecret"), "password")}
        </div>
        <fieldset className="toolbar" aria-invalid={errors.events !== undefined}>
          <legend>{t("channels.events")}</legend>
          {ALERT_EVENTS.map((event) => (
            <label key={event}>
              <input
                type="checkbox"
                checked={draft.events.includes(event)}
                onChange={() => setDraft({ ...draft, events: toggleEvent(draft.events, event) })}
              />{" "}
              {t(EVENT_LABEL[event])}
            </label>
          ))}
          {errors.events && <span className="field-error">{t(errors.events)}</span>}
        </fieldset>
        <ErrorNotice error={create.error} />
        <p role="status" className="ok-text">
          {create.succeeded ? t("channels.added") : ""}
        </p>
        <button className="primary" type="submit" disabled={create.busy}>
          {t("channels.add")}
        </button>
      </form>
    </Panel>
  );
}
