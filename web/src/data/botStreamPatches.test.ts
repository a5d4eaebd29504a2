import { describe, expect, it } from "vitest";
import type { Schemas } from "../api/client";
import { appendFill, MAX_LIVE_FILLS, mergeFills, patchBot, upsertOrder } from "./streamPatches";

const BOT: Schemas["BotPublic"] = {
  id: "b1",
  name: "bot",
  strategy: "sma_cross",
  mode: "paper",
  state: "monitoring",
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

function order(id: string, status: string): Schemas["OrderPublic"] {
  return {
    id,
    bot_id: "b1",
    client_order_id: `c-${id}`,
    venue_order_id: null,
    symbol: "BTC/USDT",
    side: "buy",
    type: "market",
    time_in_force: "gtc",
    status,
    quantity: "0.001",
    price: null,
    stop_price: null,
    filled_quantity: "0",
    average_price: null,
    tag: "entry",
    reason: "",
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
  };
}

function fillAt(id: string, at: string): Schemas["FillPublic"] {
  return { ...fill(id), at };
}

function fill(id: string): Schemas["FillPublic"] {
  return {
    id,
    order_id: "o1",
    bot_id: "b1",
    venue_trade_id: `v-${id}`,
    symbol: "BTC/USDT",
    side: "buy",
    quantity: "0.001",
    price: "65000.10",
    fee: "0.065",
    fee_currency: "USDT",
    liquidity: "taker",
    at: "2025-01-01T00:00:00Z",
  };
}

const PAGE = {
  items: [order("o1", "submitted"), order("o2", "filled")],
  total: 2,
  total_exact: true,
  limit: 2,
  offset: 0,
};

describe("bot stream patches", () => {
  it("test_patch_bot_sets_state_of_that_bot_only", () => {
    expect(patchBot(BOT, { bot_id: "b1", state: "paused" })?.state).toBe("paused");
    expect(patchBot(BOT, { bot_id: "b2", state: "paused" })).toBe(BOT);
    expect(patchBot(BOT, { bot_id: "b1", state: "nonsense" })).toBe(BOT);
    expect(patchBot(BOT, { bot_id: "b1", state: "monitoring" })).toBe(BOT);
    expect(patchBot(undefined, { bot_id: "b1", state: "paused" })).toBeUndefined();
  });

  it("test_upsert_order_replaces_known_order_in_place", () => {
    const next = upsertOrder(PAGE, { bot_id: "b1", order: order("o1", "filled"), at_ms: 1 });
    expect(next?.items.map((o) => [o.id, o.status])).toEqual([
      ["o1", "filled"],
      ["o2", "filled"],
    ]);
    expect(next?.total).toBe(2);
    expect(PAGE.items[0]?.status).toBe("submitted");
  });

  it("test_upsert_order_new_order_on_top_of_first_page_keeping_its_size", () => {
    const next = upsertOrder(PAGE, { order: order("o3", "pending_submit") });
    expect(next?.items.map((o) => o.id)).toEqual(["o3", "o1"]);
    expect(next?.total).toBe(3);
    expect(upsertOrder(PAGE, { order: order("o3", "pending_submit") }, false)).toBe(PAGE);
    const later = { ...PAGE, offset: 2 };
    expect(upsertOrder(later, { order: order("o3", "pending_submit") })).toBe(later);
  });

  it("test_upsert_order_malformed_event_keeps_page", () => {
    expect(upsertOrder(PAGE, { order: { id: "x" } })).toBe(PAGE);
    expect(upsertOrder(undefined, { order: order("o1", "filled") })).toBeUndefined();
  });

  it("test_append_fill_once_per_id_capped_newest_kept", () => {
    const one = appendFill(undefined, { fill: fill("f1") });
    expect(one.map((f) => f.id)).toEqual(["f1"]);
    expect(appendFill(one, { fill: fill("f1") })).toEqual(one);
    expect(appendFill(one, { fill: { id: "bad" } })).toEqual(one);
    const many = Array.from({ length: MAX_LIVE_FILLS }, (_, i) => fill(`f${i}`));
    const next = appendFill(many, { fill: fill("new") });
    expect(next).toHaveLength(MAX_LIVE_FILLS);
    expect(next.at(-1)?.id).toBe("new");
    expect(next[0]?.id).toBe("f1");
  });

  it("test_merge_fills_rest_then_stream_each_fill_once_oldest_first", () => {
    // REST answers newest first; the stream repeats f3 (recorded before the page loaded).
    const recent = [fillAt("f3", "2025-01-01T00:03:00Z"), fillAt("f1", "2025-01-01T00:01:00Z")];
    const live = [
      fillAt("f3", "2025-01-01T00:03:00Z"),
      fillAt("f4", "2025-01-01T00:04:00Z"),
      fillAt("f2", "2025-01-01T00:02:00Z"),
    ];
    const merged = mergeFills(recent, live);
    expect(merged.map((f) => f.id)).toEqual(["f1", "f2", "f3", "f4"]);
    expect(merged.map((f) => f.at)).toEqual([
      "2025-01-01T00:01:00Z",
      "2025-01-01T00:02:00Z",
      "2025-01-01T00:03:00Z",
      "2025-01-01T00:04:00Z",
    ]);
    // The inputs are left as they were (they are cached query data).
    expect(recent.map((f) => f.id)).toEqual(["f3", "f1"]);
    expect(live.map((f) => f.id)).toEqual(["f3", "f4", "f2"]);
  });

  it("test_merge_fills_one_side_empty", () => {
    const a = fillAt("a", "2025-01-01T00:01:00Z");
    const b = fillAt("b", "2025-01-01T00:02:00Z");
    expect(mergeFills([b, a], []).map((f) => f.id)).toEqual(["a", "b"]);
    expect(mergeFills([], [b, a, b]).map((f) => f.id)).toEqual(["a", "b"]);
    expect(mergeFills([], [])).toEqual([]);
  });

  it("test_merge_fills_same_time_by_id_unparsable_time_last", () => {
    const same = "2025-01-01T00:01:00Z";
    const merged = mergeFills(
      [fillAt("f9", same), fillAt("bad", "not a time"), fillAt("f10", same)],
      [fillAt("f0", "2025-01-01T00:00:59.999Z")],
    );
    expect(merged.map((f) => f.id)).toEqual(["f0", "f10", "f9", "bad"]);
  });

  it("test_merge_fills_the_same_id_keeps_the_first_copy", () => {
    const rest = fillAt("f1", "2025-01-01T00:01:00Z");
    const streamed = { ...rest, price: "65000.1" };
    expect(mergeFills([rest], [streamed])).toEqual([rest]);
  });
});
