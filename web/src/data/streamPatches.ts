/**
 * How stream events patch the TanStack Query cache (pure functions over cached values):
 * a bot's new state goes into the cached bot list; a live alert goes on top of the cached
 * live alerts. Anything the event does not carry is re-read over REST instead.
 */
import type { Schemas } from "../api/client";

type BotPage = Schemas["Page_BotPublic_"];

export interface LiveAlert {
  level: string;
  message: string;
  at_ms: number;
}

export const MAX_LIVE_ALERTS = 50;

const BOT_STATES: ReadonlySet<string> = new Set<Schemas["BotState"]>([
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
]);

/** The bot page with the event's bot in its new state (the same page if nothing changes). */
export function patchBotState(page: BotPage | undefined, data: Record<string, unknown>): BotPage | undefined {
  const botId = data["bot_id"];
  const state = data["state"];
  if (page === undefined || typeof botId !== "string" || typeof state !== "string") return page;
  if (!BOT_STATES.has(state)) return page;
  let changed = false;
  const items = page.items.map((bot) => {
    if (bot.id !== botId || bot.state === state) return bot;
    changed = true;
    return { ...bot, state: state as Schemas["BotState"] };
  });
  return changed ? { ...page, items } : page;
}

/** The live alerts with the event's alert first, at most MAX_LIVE_ALERTS kept. */
export function prependAlert(
  alerts: readonly LiveAlert[] | undefined,
  data: Record<string, unknown>,
): LiveAlert[] {
  const current = alerts ?? [];
  const { level, message, at_ms: atMs } = data;
  if (typeof level !== "string" || typeof message !== "string" || typeof atMs !== "number") {
    return [...current];
  }
  return [{ level, message, at_ms: atMs }, ...current].slice(0, MAX_LIVE_ALERTS);
}
