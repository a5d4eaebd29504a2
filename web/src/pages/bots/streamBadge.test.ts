import { describe, expect, it } from "vitest";
import { type PrivateStream, streamBadge } from "./streamBadge";

function stream(state: PrivateStream["state"], orders_held: boolean): PrivateStream {
  return { state, orders_held, drops: 1, stalls: 0, changed_at_ms: 1_800_000_000_000 };
}

describe("streamBadge", () => {
  it("test_connected_is_green", () => {
    expect(streamBadge(stream("connected", false))).toEqual({
      tone: "good",
      label: "bots.stream.connected",
      held: false,
    });
  });

  it("test_reconnecting_and_stalled_are_amber_and_say_whether_orders_are_held", () => {
    expect(streamBadge(stream("reconnecting", true))).toEqual({
      tone: "warn",
      label: "bots.stream.reconnecting",
      held: true,
    });
    // The resync after a drop passed while the stream is still down: orders flow again.
    expect(streamBadge(stream("reconnecting", false))).toEqual({
      tone: "warn",
      label: "bots.stream.reconnecting",
      held: false,
    });
    expect(streamBadge(stream("stalled", true))).toEqual({
      tone: "warn",
      label: "bots.stream.stalled",
      held: true,
    });
  });

  it("test_paper_bots_and_live_bots_nobody_runs_have_no_badge", () => {
    expect(streamBadge(stream("not_applicable", false))).toBeNull();
    expect(streamBadge(null)).toBeNull();
  });
});
