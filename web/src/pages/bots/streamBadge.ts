/**
 * The badge of a live bot's private stream (the exchange's stream of its orders and fills,
 * `BotPublic.private_stream`, docs/adr/0023): green when connected and resynced, amber while
 * reconnecting or stalled, with "orders held" while new orders wait for the bot's resync
 * with the exchange (a reconnecting stream does not always hold them: the resync after a
 * drop reads REST and can pass before the stream is back). No badge for a paper bot
 * (`not_applicable`) nor for a live bot that no worker runs (`null`).
 */
import type { Schemas } from "../../api/client";
import type { MessageKey } from "../../i18n/en";
import type { Tone } from "./botStates";

export type PrivateStream = Schemas["PrivateStreamPublic"];

export interface StreamBadgeView {
  tone: Tone;
  label: MessageKey;
  held: boolean;
}

export function streamBadge(stream: PrivateStream | null | undefined): StreamBadgeView | null {
  if (stream === null || stream === undefined) return null;
  switch (stream.state) {
    case "connected":
      return { tone: "good", label: "bots.stream.connected", held: stream.orders_held };
    case "reconnecting":
      return { tone: "warn", label: "bots.stream.reconnecting", held: stream.orders_held };
    case "stalled":
      return { tone: "warn", label: "bots.stream.stalled", held: stream.orders_held };
    case "not_applicable":
      return null;
  }
}
