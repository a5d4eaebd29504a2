/**
 * Bot hooks: strategies (with their parameter schemas), one bot, its state history,
 * configuration versions, closed trades, fills (REST and live) and per-bot PnL, and the commands
 * (create, start/stop/pause/resume, change, roll back). Commands return the bot as the
 * API answers and put it in the cache; they throw the API's error (a 403 `mfa_required`
 * is for the caller's step-up, shared/stepUp.ts).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Schemas } from "../api/client";
import { unwrap } from "../api/apiError";
import { useServices } from "../app/ServicesContext";
import { queryKeys } from "./queryKeys";
import { mergeFills } from "./streamPatches";

type Bot = Schemas["BotPublic"];
export type BotCommand = "start" | "stop" | "pause" | "resume";

export function useStrategies() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.strategies,
    queryFn: () => unwrap(api.GET("/api/v1/strategies", { params: { query: { limit: 500 } } })),
    staleTime: 5 * 60_000,
  });
}

/** How often a live bot is read again: its private stream's state is not on the stream. */
export const LIVE_BOT_REFRESH_MS = 15_000;

export function useBot(botId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.bot(botId),
    queryFn: () => unwrap(api.GET("/api/v1/bots/{bot_id}", { params: { path: { bot_id: botId } } })),
    refetchInterval: (query) => (query.state.data?.mode === "live" ? LIVE_BOT_REFRESH_MS : false),
  });
}

export function useBotStateHistory(botId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.botStateHistory(botId),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/bots/{bot_id}/state-history", {
          params: { path: { bot_id: botId }, query: { limit: 100 } },
        }),
      ),
  });
}

export function useBotVersions(botId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.botVersions(botId),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/bots/{bot_id}/versions", {
          params: { path: { bot_id: botId }, query: { limit: 500 } },
        }),
      ),
  });
}

/** The bot's latest closed trades (its chart's entry and exit markers). */
export function useBotTrades(botId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.botTrades(botId),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/trades", { params: { query: { bot_id: botId, limit: 500, sort: "-exit_at" } } }),
      ),
  });
}

/** How many of a bot's latest fills are read over REST (the API's largest page). */
export const RECENT_FILLS = 500;

/** The bot's latest fills over REST, newest first (GET /fills?bot_id=). */
export function useBotRecentFills(botId: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.botRecentFills(botId),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/fills", { params: { query: { bot_id: botId, limit: RECENT_FILLS, sort: "-at" } } }),
      ),
  });
}

/** Fills received on the bot's stream channel this session (useBotsStream appends them). */
export function useBotLiveFills(botId: string) {
  return useQuery<Schemas["FillPublic"][]>({
    queryKey: queryKeys.botFills(botId),
    queryFn: () => [],
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * The bot's fills, oldest first: its latest RECENT_FILLS over REST, then every fill its
 * stream channel brings, each once (`mergeFills`). A reconnect re-reads the REST list
 * (useBotsStream), which holds the fills the stream missed meanwhile. `query` is the REST
 * read's state (loading, error, retry) for a panel.
 */
export function useBotFills(botId: string) {
  const recent = useBotRecentFills(botId);
  const live = useBotLiveFills(botId);
  const fills = useMemo(
    () => mergeFills(recent.data?.items ?? [], live.data ?? []),
    [recent.data, live.data],
  );
  return { fills, query: recent };
}

/** Realised and unrealised PnL per bot over the whole history. */
export function usePnlByBot() {
  const { api } = useServices();
  return useQuery({
    queryKey: queryKeys.pnlByBot,
    queryFn: () => unwrap(api.GET("/api/v1/analytics/pnl", { params: { query: { group_by: "bot" } } })),
  });
}

function useBotCache() {
  const queryClient = useQueryClient();
  return (bot: Bot) => {
    queryClient.setQueryData(queryKeys.bot(bot.id), bot);
    void queryClient.invalidateQueries({ queryKey: queryKeys.bots });
    void queryClient.invalidateQueries({ queryKey: queryKeys.botStateHistory(bot.id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.botVersions(bot.id) });
  };
}

export function useBotCommands(botId: string) {
  const { api } = useServices();
  const remember = useBotCache();
  const command = async (action: BotCommand, reason: string | null): Promise<Bot> => {
    const params = { params: { path: { bot_id: botId } }, body: reason === null ? null : { reason } };
    const call =
      action === "start"
        ? api.POST("/api/v1/bots/{bot_id}/start", params)
        : action === "stop"
          ? api.POST("/api/v1/bots/{bot_id}/stop", params)
          : action === "pause"
            ? api.POST("/api/v1/bots/{bot_id}/pause", params)
            : api.POST("/api/v1/bots/{bot_id}/resume", params);
    const bot = await unwrap(call);
    remember(bot);
    return bot;
  };
  const update = async (body: Schemas["BotUpdate"]): Promise<Bot> => {
    const bot = await unwrap(
      api.PATCH("/api/v1/bots/{bot_id}", { params: { path: { bot_id: botId } }, body }),
    );
    remember(bot);
    return bot;
  };
  const rollback = async (version: number, reason: string | null): Promise<Bot> => {
    const bot = await unwrap(
      api.POST("/api/v1/bots/{bot_id}/versions/{version}/rollback", {
        params: { path: { bot_id: botId, version } },
        body: reason === null ? null : { reason },
      }),
    );
    remember(bot);
    return bot;
  };
  return { command, update, rollback };
}

export function useCreateBot() {
  const { api } = useServices();
  const remember = useBotCache();
  return useMutation({
    mutationFn: (body: Schemas["BotCreate"]) => unwrap(api.POST("/api/v1/bots", { body })),
    onSuccess: remember,
  });
}
