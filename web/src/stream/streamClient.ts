/**
 * The client of `WS /api/v1/stream` (docs/api-stream.md).
 *
 * * First-message auth: the access token is sent as `{"type":"auth"}` right after the
 *   socket opens, never in the URL. When the token store renews the token, the open
 *   session is re-authenticated with a new `auth` frame.
 * * Subscriptions are desired state: `subscribe` records the channels and sends them when a
 *   session is authenticated (again after every reconnect), at most 50 per message.
 *   A channel the server refuses is dropped and reported to `onChannelError`.
 * * A lost connection reconnects with jittered exponential backoff (`backoff.ts`); the
 *   status says `reconnecting` with the delay, for the on-screen banner. Close 4401 (token
 *   expired or refused) first renews the token over REST; if the session is over the
 *   client stops. After a reconnect `onResync` fires: the stream never replays, so
 *   consumers re-read the state over REST.
 * * A `ping` every `pingIntervalMs` keeps proxies from closing an idle connection.
 */
import { backoffDelayMs } from "./backoff";

export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export type StreamStatus =
  | { kind: "idle" }
  | { kind: "connecting" }
  | { kind: "open" }
  | { kind: "reconnecting"; attempt: number; retryInMs: number; closeCode: number }
  | { kind: "stopped" };

export interface StreamEvent {
  channel: string;
  data: Record<string, unknown>;
}

export interface StreamClientOptions {
  url: string;
  createSocket: (url: string) => SocketLike;
  getToken: () => string | null;
  /** Renew the access token over REST (close 4401); false: the session is over. */
  renewToken: () => Promise<boolean>;
  timers?: Timers;
  random?: () => number;
  pingIntervalMs?: number;
}

export const MAX_CHANNELS_PER_MESSAGE = 50;
const CLOSE_UNAUTHENTICATED = 4401;

const browserTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (callback, ms) => globalThis.setInterval(callback, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof setInterval>),
};

type Listener<T> = (value: T) => void;

export class StreamClient {
  private socket: SocketLike | null = null;
  private statusValue: StreamStatus = { kind: "idle" };
  private attempt = 0;
  private sessions = 0;
  private retryTimer: unknown = null;
  private pingTimer: unknown = null;
  private authenticated = false;
  private readonly desired = new Set<string>();
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly events = new Set<Listener<StreamEvent>>();
  private readonly statuses = new Set<Listener<StreamStatus>>();
  private readonly resyncs = new Set<Listener<void>>();
  private readonly channelErrors = new Set<Listener<{ channel: string; message: string }>>();

  constructor(private readonly options: StreamClientOptions) {
    this.timers = options.timers ?? browserTimers;
    this.random = options.random ?? Math.random;
  }

  get status(): StreamStatus {
    return this.statusValue;
  }

  get channels(): ReadonlySet<string> {
    return this.desired;
  }

  start(): void {
    if (this.statusValue.kind !== "idle" && this.statusValue.kind !== "stopped") return;
    this.attempt = 0;
    this.connect();
  }

  stop(): void {
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    this.authenticated = false;
    if (socket !== null) socket.close(1000, "client stopped");
    this.setStatus({ kind: "stopped" });
  }

  subscribe(channels: readonly string[]): void {
    const fresh = channels.filter((channel) => !this.desired.has(channel));
    for (const channel of fresh) this.desired.add(channel);
    if (this.authenticated && fresh.length > 0) this.sendChannels("subscribe", fresh);
  }

  unsubscribe(channels: readonly string[]): void {
    const held = channels.filter((channel) => this.desired.delete(channel));
    if (this.authenticated && held.length > 0) this.sendChannels("unsubscribe", held);
  }

  /** Send the current access token on the open session (after a REST refresh). */
  reauthenticate(): void {
    const token = this.options.getToken();
    if (this.authenticated && token !== null) this.send({ type: "auth", token });
  }

  onEvent(listener: Listener<StreamEvent>): () => void {
    return this.listen(this.events, listener);
  }

  onStatus(listener: Listener<StreamStatus>): () => void {
    return this.listen(this.statuses, listener);
  }

  onResync(listener: Listener<void>): () => void {
    return this.listen(this.resyncs, listener);
  }

  onChannelError(listener: Listener<{ channel: string; message: string }>): () => void {
    return this.listen(this.channelErrors, listener);
  }

  private listen<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
    set.add(listener);
    return () => set.delete(listener);
  }

  private connect(): void {
    this.retryTimer = null;
    this.setStatus({ kind: "connecting" });
    const socket = this.options.createSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      const token = this.options.getToken();
      if (token !== null) {
        this.send({ type: "auth", token });
        return;
      }
      // No access token yet (a reload keeps only the refresh token): renew it first; the
      // server waits 5 s for the auth frame.
      void this.options.renewToken().then((renewed) => {
        if (this.socket !== socket) return;
        const fresh = this.options.getToken();
        if (renewed && fresh !== null) this.send({ type: "auth", token: fresh });
        else this.stop();
      });
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket === socket) this.closed(event.code);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
  }

  private receive(raw: unknown): void {
    if (typeof raw !== "string") return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (message["type"]) {
      case "authenticated":
        this.sessionOpened();
        break;
      case "event":
        if (typeof message["channel"] === "string" && typeof message["data"] === "object") {
          const event = { channel: message["channel"], data: message["data"] as StreamEvent["data"] };
          for (const listener of [...this.events]) listener(event);
        }
        break;
      case "error":
        if (typeof message["channel"] === "string") {
          this.desired.delete(message["channel"]);
          const refusal = { channel: message["channel"], message: String(message["message"] ?? "") };
          for (const listener of [...this.channelErrors]) listener(refusal);
        }
        break;
      default:
        break; // subscribed, unsubscribed, pong: nothing to do
    }
  }

  private sessionOpened(): void {
    const firstOfSocket = !this.authenticated;
    this.authenticated = true;
    if (!firstOfSocket) return; // a renewed token on the same session
    this.attempt = 0;
    this.sessions += 1;
    this.setStatus({ kind: "open" });
    if (this.desired.size > 0) this.sendChannels("subscribe", [...this.desired]);
    this.pingTimer = this.timers.setInterval(
      () => this.send({ type: "ping" }),
      this.options.pingIntervalMs ?? 25_000,
    );
    if (this.sessions > 1) for (const listener of [...this.resyncs]) listener();
  }

  private closed(code: number): void {
    this.clearTimers();
    this.socket = null;
    this.authenticated = false;
    if (code === CLOSE_UNAUTHENTICATED) {
      this.setStatus({ kind: "connecting" });
      void this.options.renewToken().then((renewed) => {
        if (this.statusValue.kind === "stopped") return;
        if (renewed) this.scheduleReconnect(code);
        else this.stop();
      });
      return;
    }
    this.scheduleReconnect(code);
  }

  private scheduleReconnect(closeCode: number): void {
    const retryInMs = backoffDelayMs(this.attempt, this.random);
    this.attempt += 1;
    this.setStatus({ kind: "reconnecting", attempt: this.attempt, retryInMs, closeCode });
    this.retryTimer = this.timers.setTimeout(() => this.connect(), retryInMs);
  }

  private sendChannels(type: "subscribe" | "unsubscribe", channels: string[]): void {
    for (let i = 0; i < channels.length; i += MAX_CHANNELS_PER_MESSAGE) {
      this.send({ type, channels: channels.slice(i, i + MAX_CHANNELS_PER_MESSAGE) });
    }
  }

  private send(message: Record<string, unknown>): void {
    this.socket?.send(JSON.stringify(message));
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    if (this.pingTimer !== null) this.timers.clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  private setStatus(status: StreamStatus): void {
    this.statusValue = status;
    for (const listener of [...this.statuses]) listener(status);
  }
}
