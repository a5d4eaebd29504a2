import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { MAX_LIVE_ALERTS, patchBotState, prependAlert } from "./streamPatches";

function bot(id: string, state: Schemas["BotState"]): Schemas["BotPublic"] {
  return {
    id,
    name: `bot ${id}`,
    strategy: "sma_cross",
    mode: "paper",
    state,
    exchange: "binance",
    symbols: ["BTC/USDT"],
    timeframe: "1h",
    risk_profile: "default",
    config_version: 1,
    exchange_credential_id: null,
    config: {},
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    private_stream: { state: "not_applicable", orders_held: false, drops: 0, stalls: 0, changed_at_ms: null },
  };
}

const page = {
  items: [bot("b1", "idle"), bot("b2", "monitoring")],
  total: 2,
  total_exact: true,
  limit: 500,
  offset: 0,
};

describe("stream patches", () => {
  it("test_patch_bot_state_changes_only_that_bot", () => {
    const patched = patchBotState(page, { bot_id: "b1", state: "starting", reason: null, at_ms: 1 });
    expect(patched?.items.map((b) => b.state)).toEqual(["starting", "monitoring"]);
    expect(patched?.items[1]).toBe(page.items[1]);
    expect(page.items[0]?.state).toBe("idle");
  });

  it("test_patch_bot_state_unknown_bot_or_state_keeps_page", () => {
    expect(patchBotState(page, { bot_id: "zz", state: "starting" })).toBe(page);
    expect(patchBotState(page, { bot_id: "b1", state: "exploded" })).toBe(page);
    expect(patchBotState(undefined, { bot_id: "b1", state: "idle" })).toBeUndefined();
  });

  it("test_prepend_alert_newest_first_and_capped", () => {
    const many = Array.from({ length: MAX_LIVE_ALERTS }, (_, i) => ({
      level: "info",
      message: `m${i}`,
      at_ms: i,
    }));
    const next = prependAlert(many, { level: "critical", message: "daily loss breaker tripped", at_ms: 99 });
    expect(next).toHaveLength(MAX_LIVE_ALERTS);
    expect(next[0]).toEqual({ level: "critical", message: "daily loss breaker tripped", at_ms: 99 });
    expect(next.at(-1)?.message).toBe(`m${MAX_LIVE_ALERTS - 2}`);
  });

  it("test_prepend_alert_malformed_event_ignored", () => {
    expect(prependAlert([], { level: "info" })).toEqual([]);
  });
});
