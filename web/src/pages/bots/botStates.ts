/**
 * What a bot's state allows (the API's lifecycle, docs/openapi.json): start from idle or
 * stopped, stop from anything but idle and stopped, pause a running bot, resume a paused
 * one. The buttons follow it so a click that the API would refuse (409) is not offered;
 * the API stays the judge (the state may change between the render and the click).
 */
import type { Schemas } from "../../api/client";
import type { BotCommand } from "../../data/bots";

type BotState = Schemas["BotState"];

export const BOT_STATES: readonly BotState[] = [
  "idle",
  "starting",
  "monitoring",
  "signal_detected",
  "position_open",
  "position_closed",
  "paused",
  "halted",
  "error",
  "stopped",
];

const RUNNING: ReadonlySet<BotState> = new Set([
  "starting",
  "monitoring",
  "signal_detected",
  "position_open",
  "position_closed",
]);

export function commandAllowed(command: BotCommand, state: BotState): boolean {
  switch (command) {
    case "start":
      return state === "idle" || state === "stopped";
    case "stop":
      return state !== "idle" && state !== "stopped";
    case "pause":
      return RUNNING.has(state);
    case "resume":
      return state === "paused";
  }
}

export type Tone = "good" | "bad" | "warn" | "neutral";

/** The badge colour of a state: running green, halted/error red, paused amber. */
export function stateTone(state: string): Tone {
  if (RUNNING.has(state as BotState)) return "good";
  if (state === "halted" || state === "error") return "bad";
  if (state === "paused") return "warn";
  return "neutral";
}

export const TIMEFRAMES = [
  "1m",
  "3m",
  "5m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "6h",
  "8h",
  "12h",
  "1d",
  "3d",
  "1w",
] as const;
