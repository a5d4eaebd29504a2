import { describe, expect, it } from "vitest";
import {
  alertChannelBody,
  EMPTY_ALERT_CHANNEL,
  isDiscordWebhookUrl,
  toggleEvent,
  validateAlertChannel,
} from "./alertChannelForm";

const TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ";

describe("alert channel form", () => {
  it("test_validate_alert_channel_telegram_good_draft_has_no_errors", () => {
    expect(
      validateAlertChannel({ ...EMPTY_ALERT_CHANNEL, label: "phone", chatId: "@desk", botToken: TOKEN }),
    ).toEqual({});
  });

  it("test_validate_alert_channel_telegram_bad_token_and_no_events_named", () => {
    expect(
      validateAlertChannel({
        ...EMPTY_ALERT_CHANNEL,
        label: " ",
        events: [],
        chatId: "",
        botToken: "12:short",
      }),
    ).toEqual({
      label: "channels.error.label",
      events: "channels.error.events",
      chatId: "channels.error.chatId",
      botToken: "channels.error.botToken",
    });
  });

  it("test_is_discord_webhook_url_only_discord_hosts_and_webhook_path", () => {
    expect(isDiscordWebhookUrl("https://discord.com/api/webhooks/123/abc_DEF-9")).toBe(true);
    expect(isDiscordWebhookUrl("https://discordapp.com/api/webhooks/123/abc")).toBe(true);
    expect(isDiscordWebhookUrl("http://discord.com/api/webhooks/123/abc")).toBe(false);
    expect(isDiscordWebhookUrl("https://evil.example/api/webhooks/123/abc")).toBe(false);
    expect(isDiscordWebhookUrl("https://discord.com/api/webhooks/123/abc?wait=true")).toBe(false);
    expect(isDiscordWebhookUrl("https://user:pw@discord.com/api/webhooks/123/abc")).toBe(false);
    expect(isDiscordWebhookUrl("not a url")).toBe(false);
  });

  it("test_validate_alert_channel_email_and_webhook_rules", () => {
    const base = { ...EMPTY_ALERT_CHANNEL, label: "ops" };
    expect(validateAlertChannel({ ...base, kind: "email", email: "ops@example.com" })).toEqual({});
    expect(validateAlertChannel({ ...base, kind: "email", email: "ops@example" })).toEqual({
      email: "channels.error.email",
    });
    expect(validateAlertChannel({ ...base, kind: "webhook", url: "https://hooks.example.com/x" })).toEqual(
      {},
    );
    expect(
      validateAlertChannel({
        ...base,
        kind: "webhook",
        url: "http://hooks.example.com/x",
        signingSecret: "short",
      }),
    ).toEqual({ url: "channels.error.webhookUrl", signingSecret: "channels.error.signingSecret" });
    expect(validateAlertChannel({ ...base, kind: "discord", url: "https://hooks.example.com/x" })).toEqual({
      url: "channels.error.discordUrl",
    });
  });

  it("test_alert_channel_body_sends_only_the_kinds_fields", () => {
    const draft = {
      ...EMPTY_ALERT_CHANNEL,
      label: " ops ",
      chatId: " 42 ",
      botToken: TOKEN,
      url: "https://hooks.example.com/x",
      email: "ops@example.com",
    };
    expect(alertChannelBody(draft)).toEqual({
      label: "ops",
      events: ["risk_events", "bot_status", "exchange_stream"],
      enabled: true,
      kind: "telegram",
      chat_id: "42",
      bot_token: TOKEN,
    });
    expect(alertChannelBody({ ...draft, kind: "email" })).toEqual({
      label: "ops",
      events: ["risk_events", "bot_status", "exchange_stream"],
      enabled: true,
      kind: "email",
      email: "ops@example.com",
    });
    expect(alertChannelBody({ ...draft, kind: "webhook" })).toMatchObject({
      kind: "webhook",
      url: "https://hooks.example.com/x",
      signing_secret: null,
    });
  });

  it("test_toggle_event_keeps_canonical_order", () => {
    expect(toggleEvent(["risk_events"], "fills")).toEqual(["fills", "risk_events"]);
    expect(toggleEvent(["fills", "risk_events"], "fills")).toEqual(["risk_events"]);
  });
});
