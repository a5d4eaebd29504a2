import { describe, expect, it } from "vitest";
import { type SocketLike, type StreamStatus, StreamClient, type Timers } from "./streamClient";

class FakeSocket implements SocketLike {
  sent: Array<Record<string, unknown>> = [];
  closedWith: number | null = null;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000): void {
    this.closedWith = code;
  }
  open(): void {
    this.onopen?.({});
  }
  receive(message: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number): void {
    this.onclose?.({ code, reason: "" });
  }
}

/** Timers run only when the test says so. */
class ManualTimers implements Timers {
  pending: Array<{ id: number; callback: () => void; ms: number; repeat: boolean }> = [];
  private next = 1;
  setTimeout(callback: () => void, ms: number): unknown {
    this.pending.push({ id: this.next, callback, ms, repeat: false });
    return this.next++;
  }
  setInterval(callback: () => void, ms: number): unknown {
    this.pending.push({ id: this.next, callback, ms, repeat: true });
    return this.next++;
  }
  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((t) => t.id !== handle);
  }
  clearInterval(handle: unknown): void {
    this.clearTimeout(handle);
  }
  /** Fire the one-shot timers; return their delays. */
  fireTimeouts(): number[] {
    const due = this.pending.filter((t) => !t.repeat);
    this.pending = this.pending.filter((t) => t.repeat);
    for (const t of due) t.callback();
    return due.map((t) => t.ms);
  }
}

function setup(options: { token?: string | null; renew?: () => Promise<boolean> } = {}) {
  const sockets: FakeSocket[] = [];
  const timers = new ManualTimers();
  let token = options.token === undefined ? "access-1" : options.token;
  const client = new StreamClient({
    url: "ws://xor.test/api/v1/stream",
    createSocket: (url) => {
      expect(url).toBe("ws://xor.test/api/v1/stream");
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    getToken: () => token,
    renewToken: options.renew ?? (async () => true),
    timers,
    random: () => 1,
  });
  const statuses: StreamStatus[] = [];
  client.onStatus((status) => statuses.push(status));
  const last = () => sockets[sockets.length - 1] as FakeSocket;
  return { client, sockets, timers, statuses, last, setToken: (t: string) => (token = t) };
}

describe("StreamClient", () => {
  it("test_stream_first_message_is_auth_then_subscriptions", () => {
    const { client, last } = setup();
    client.subscribe(["bots.b1.status"]);
    client.start();
    last().open();
    expect(last().sent).toEqual([{ type: "auth", token: "access-1" }]);
    last().receive({ type: "authenticated", expires_at_ms: 1 });
    expect(last().sent[1]).toEqual({ type: "subscribe", channels: ["bots.b1.status"] });
    expect(client.status).toEqual({ kind: "open" });
  });

  it("test_stream_subscribe_splits_more_than_50_channels", () => {
    const { client, last } = setup();
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    client.subscribe(Array.from({ length: 120 }, (_, i) => `bots.b${i}.status`));
    const batches = last()
      .sent.slice(1)
      .map((m) => (m["channels"] as string[]).length);
    expect(batches).toEqual([50, 50, 20]);
  });

  it("test_stream_events_reach_listeners", () => {
    const { client, last } = setup();
    const seen: unknown[] = [];
    client.onEvent((event) => seen.push(event));
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    last().receive({ type: "event", channel: "alerts.u1", data: { level: "info", message: "hi" } });
    expect(seen).toEqual([{ channel: "alerts.u1", data: { level: "info", message: "hi" } }]);
  });

  it("test_stream_lost_connection_reconnects_with_growing_backoff", () => {
    const { client, sockets, timers, statuses, last } = setup();
    client.start();
    last().drop(1006);
    expect(client.status).toEqual({ kind: "reconnecting", attempt: 1, retryInMs: 500, closeCode: 1006 });
    expect(timers.fireTimeouts()).toEqual([500]);
    last().drop(1006);
    expect(timers.fireTimeouts()).toEqual([1000]);
    last().drop(1011);
    expect(timers.fireTimeouts()).toEqual([2000]);
    expect(sockets).toHaveLength(4);
    expect(statuses.filter((s) => s.kind === "reconnecting")).toHaveLength(3);
  });

  it("test_stream_reconnect_resets_backoff_resubscribes_and_resyncs", () => {
    const { client, timers, last } = setup();
    let resyncs = 0;
    client.onResync(() => {
      resyncs += 1;
    });
    client.subscribe(["pnl.u1"]);
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    expect(resyncs).toBe(0);
    last().drop(1006);
    timers.fireTimeouts();
    last().open();
    last().receive({ type: "authenticated" });
    expect(last().sent).toEqual([
      { type: "auth", token: "access-1" },
      { type: "subscribe", channels: ["pnl.u1"] },
    ]);
    expect(resyncs).toBe(1);
    last().drop(1006);
    expect(client.status).toMatchObject({ kind: "reconnecting", attempt: 1, retryInMs: 500 });
  });

  it("test_stream_close_4401_renews_token_before_reconnecting", async () => {
    let renewals = 0;
    const { client, timers, last, setToken } = setup({
      renew: async () => {
        renewals += 1;
        setToken("access-2");
        return true;
      },
    });
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    last().drop(4401);
    await Promise.resolve();
    await Promise.resolve();
    expect(renewals).toBe(1);
    timers.fireTimeouts();
    last().open();
    expect(last().sent[0]).toEqual({ type: "auth", token: "access-2" });
  });

  it("test_stream_without_access_token_renews_before_auth", async () => {
    const setupResult = setup({
      token: null,
      renew: async () => {
        setupResult.setToken("access-9");
        return true;
      },
    });
    setupResult.client.start();
    setupResult.last().open();
    await Promise.resolve();
    await Promise.resolve();
    expect(setupResult.last().sent).toEqual([{ type: "auth", token: "access-9" }]);
  });

  it("test_stream_close_4401_with_ended_session_stops", async () => {
    const { client, timers, last } = setup({ renew: async () => false });
    client.start();
    last().drop(4401);
    await Promise.resolve();
    await Promise.resolve();
    expect(client.status).toEqual({ kind: "stopped" });
    expect(timers.pending).toEqual([]);
  });

  it("test_stream_refused_channel_is_dropped_from_desired_set", () => {
    const { client, last } = setup();
    const refusals: unknown[] = [];
    client.onChannelError((refusal) => refusals.push(refusal));
    client.subscribe(["bots.other.status", "pnl.u1"]);
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    last().receive({ type: "error", code: "not_found", message: "no bot", channel: "bots.other.status" });
    expect([...client.channels]).toEqual(["pnl.u1"]);
    expect(refusals).toEqual([{ channel: "bots.other.status", message: "no bot" }]);
  });

  it("test_stream_stop_closes_and_never_reconnects", () => {
    const { client, timers, last, sockets } = setup();
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    client.stop();
    expect(last().closedWith).toBe(1000);
    last().drop(1000); // the close event of a stopped client is ignored
    expect(timers.pending).toEqual([]);
    expect(sockets).toHaveLength(1);
    expect(client.status).toEqual({ kind: "stopped" });
  });

  it("test_stream_reauthenticate_sends_new_token_on_open_session", () => {
    const { client, last, setToken } = setup();
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    setToken("access-2");
    client.reauthenticate();
    expect(last().sent.at(-1)).toEqual({ type: "auth", token: "access-2" });
  });

  it("test_stream_ping_every_interval_while_open", () => {
    const { client, timers, last } = setup();
    client.start();
    last().open();
    last().receive({ type: "authenticated" });
    const ping = timers.pending.find((t) => t.repeat);
    expect(ping?.ms).toBe(25_000);
    ping?.callback();
    expect(last().sent.at(-1)).toEqual({ type: "ping" });
  });
});
