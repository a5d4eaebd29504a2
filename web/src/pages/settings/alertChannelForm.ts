/**
 * The "new alert channel" form: per-kind checks that mirror the API (AlertChannelCreate
 * and services/alert_delivery.py: a Telegram bot token's shape, a Discord webhook URL on
 * discord.com or discordapp.com, an https webhook URL), and the request body per kind.
 * The API still has the last word (it also resolves a webhook host to public addresses).
 */
import type { Schemas } from "../../api/client";
import type { AlertChannelCreate } from "../../data/settings";
import type { FieldErrors } from "../login/loginValidation";

export type ChannelKind = Schemas["ChannelKind"];
export type AlertEvent = Schemas["AlertEvent"];

export const CHANNEL_KINDS: readonly ChannelKind[] = ["telegram", "discord", "email", "webhook"];
export const ALERT_EVENTS: readonly AlertEvent[] = [
  "fills",
  "bot_status",
  "risk_events",
  "daily_summary",
  "exchange_stream",
];

export interface AlertChannelDraft {
  kind: ChannelKind;
  label: string;
  events: readonly AlertEvent[];
  chatId: string;
  botToken: string;
  url: string;
  email: string;
  signingSecret: string;
}

export type AlertChannelField =
  "label" | "events" | "chatId" | "botToken" | "url" | "email" | "signingSecret";

export const EMPTY_ALERT_CHANNEL: AlertChannelDraft = {
  kind: "telegram",
  label: "",
  events: ["risk_events", "bot_status", "exchange_stream"],
  chatId: "",
  botToken: "",
  url: "",
  email: "",
  signingSecret: "",
};

const TELEGRAM_TOKEN = /^[0-9]{5,16}:[A-Za-z0-9_-]{30,64}$/;
const DISCORD_HOSTS = new Set(["discord.com", "discordapp.com"]);
const DISCORD_PATH = /^\/api\/webhooks\/[0-9]{1,25}\/[A-Za-z0-9_-]{1,100}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

export function isDiscordWebhookUrl(text: string): boolean {
  const url = parseUrl(text.trim());
  return (
    url !== null &&
    url.protocol === "https:" &&
    url.username === "" &&
    url.password === "" &&
    DISCORD_HOSTS.has(url.hostname) &&
    (url.port === "" || url.port === "443") &&
    url.search === "" &&
    url.hash === "" &&
    DISCORD_PATH.test(url.pathname)
  );
}

export function isHttpsUrl(text: string): boolean {
  const url = parseUrl(text.trim());
  return url !== null && url.protocol === "https:" && url.hostname !== "" && text.trim().length <= 2048;
}

export function validateAlertChannel(draft: AlertChannelDraft): FieldErrors<AlertChannelField> {
  const errors: FieldErrors<AlertChannelField> = {};
  const label = draft.label.trim();
  if (label.length < 1 || label.length > 64) errors.label = "channels.error.label";
  if (draft.events.length === 0) errors.events = "channels.error.events";
  switch (draft.kind) {
    case "telegram": {
      const chatId = draft.chatId.trim();
      if (chatId.length < 1 || chatId.length > 33) errors.chatId = "channels.error.chatId";
      if (!TELEGRAM_TOKEN.test(draft.botToken.trim())) errors.botToken = "channels.error.botToken";
      break;
    }
    case "discord":
      if (!isDiscordWebhookUrl(draft.url)) errors.url = "channels.error.discordUrl";
      break;
    case "email": {
      const email = draft.email.trim();
      if (email.length > 254 || !EMAIL.test(email)) errors.email = "channels.error.email";
      break;
    }
    case "webhook": {
      if (!isHttpsUrl(draft.url)) errors.url = "channels.error.webhookUrl";
      const secret = draft.signingSecret;
      if (secret !== "" && (secret.length < 16 || secret.length > 256))
        errors.signingSecret = "channels.error.signingSecret";
      break;
    }
  }
  return errors;
}

/** The body for the draft's kind: only that kind's fields are sent (the API forbids others). */
export function alertChannelBody(draft: AlertChannelDraft): AlertChannelCreate {
  const common = { label: draft.label.trim(), events: [...draft.events], enabled: true };
  switch (draft.kind) {
    case "telegram":
      return { ...common, kind: "telegram", chat_id: draft.chatId.trim(), bot_token: draft.botToken.trim() };
    case "discord":
      return { ...common, kind: "discord", url: draft.url.trim() };
    case "email":
      return { ...common, kind: "email", email: draft.email.trim() };
    case "webhook":
      return {
        ...common,
        kind: "webhook",
        url: draft.url.trim(),
        signing_secret: draft.signingSecret === "" ? null : draft.signingSecret,
      };
  }
}

/** Add or remove one event, keeping the canonical order of ALERT_EVENTS. */
export function toggleEvent(events: readonly AlertEvent[], event: AlertEvent): AlertEvent[] {
  const chosen = new Set(events);
  if (chosen.has(event)) chosen.delete(event);
  else chosen.add(event);
  return ALERT_EVENTS.filter((e) => chosen.has(e));
}
