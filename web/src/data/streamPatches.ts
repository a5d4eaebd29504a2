/**
 * How stream events patch the TanStack Query cache (pure functions over cached values):
 * a bot's new state goes into the cached bot list and the cached bot; a live alert goes on
 * top of the cached live alerts; an order event replaces that order in a cached orders
 * page (or puts a new one on top of the first page); a fill joins the bot's live fills,
 * which `mergeFills` joins with the fills read over REST.
 * Anything the event does not carry is re-read over REST instead.
 */
import type { Schemas } from "../api/client";

type BotPage = Schemas["Page_BotPublic_"];
type OrderPage = Schemas["Page_OrderPublic_"];
type Fill = Schemas["FillPublic"];

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

/** The cached bot in the event's new state (the same object if nothing changes). */
export function patchBot(
  bot: Schemas["BotPublic"] | undefined,
  data: Record<string, unknown>,
): Schemas["BotPublic"] | undefined {
  const state = data["state"];
  if (bot === undefined || data["bot_id"] !== bot.id || typeof state !== "string") return bot;
  if (!BOT_STATES.has(state) || bot.state === state) return bot;
  return { ...bot, state: state as Schemas["BotState"] };
}

function isOrder(value: unknown): value is Schemas["OrderPublic"] {
  if (typeof value !== "object" || value === null) return false;
  const order = value as Record<string, unknown>;
  return (
    typeof order["id"] === "string" &&
    typeof order["status"] === "string" &&
    typeof order["bot_id"] === "string"
  );
}

/**
 * The orders page with the event's order: replaced where it is; a new order goes on top
 * of a first page (newest first), which keeps its size, unless `insertNew` is false (a
 * filtered page, which the new order may not belong to). Other pages are left alone.
 */
export function upsertOrder(
  page: OrderPage | undefined,
  data: Record<string, unknown>,
  insertNew = true,
): OrderPage | undefined {
  const order = data["order"];
  if (page === undefined || !isOrder(order)) return page;
  const at = page.items.findIndex((held) => held.id === order.id);
  if (at >= 0) {
    const items = [...page.items];
    items[at] = order;
    return { ...page, items };
  }
  if (!insertNew || page.offset !== 0) return page;
  return { ...page, items: [order, ...page.items].slice(0, page.limit), total: page.total + 1 };
}

export const MAX_LIVE_FILLS = 500;

function isFill(value: unknown): value is Fill {
  if (typeof value !== "object" || value === null) return false;
  const fill = value as Record<string, unknown>;
  return ["id", "side", "price", "quantity", "at"].every((key) => typeof fill[key] === "string");
}

/**
 * The bot's fills read over REST (`GET /fills?bot_id=`) joined with those received on its
 * stream channel, each fill once (by id: the stream sends the recorded fill, with the id
 * REST gives it), oldest first; equal times in id order, a time that does not parse last.
 */
export function mergeFills(recent: readonly Fill[], live: readonly Fill[]): Fill[] {
  const byId = new Map<string, Fill>();
  for (const fill of [...recent, ...live]) {
    if (!byId.has(fill.id)) byId.set(fill.id, fill);
  }
  const time = (fill: Fill): number => {
    const ms = Date.parse(fill.at);
    return Number.isFinite(ms) ? ms : Number.MAX_VALUE;
  };
  return [...byId.values()].sort((a, b) => time(a) - time(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The live fills with the event's fill appended (once per id; at most MAX_LIVE_FILLS, newest kept). */
export function appendFill(fills: readonly Fill[] | undefined, data: Record<string, unknown>): Fill[] {
  const current = fills ?? [];
  const fill = data["fill"];
  if (!isFill(fill) || current.some((held) => held.id === fill.id)) return [...current];
  return [...current, fill].slice(-MAX_LIVE_FILLS);
}
