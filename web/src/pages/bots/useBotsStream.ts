/**
 * Live bot states: a `bots.<id>.status` event sets the state in the cached bot list and
 * the cached bot; with `detailOf`, that bot's orders and fills patch its recent orders
 * and live fills, and a fill re-reads its trades and positions. A reconnect re-reads
 * everything (the stream never replays).
 */
import { useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { queryKeys } from "../../data/queryKeys";
import { appendFill, patchBot, patchBotState, upsertOrder } from "../../data/streamPatches";
import { useStreamChannels, useStreamResync } from "../../stream/useStream";

const PAGE_ONLY: ReadonlySet<string> = new Set(["bot_id", "limit", "offset", "sort"]);

function isUnfiltered(key: readonly unknown[]): boolean {
  const query = key[2];
  if (typeof query !== "object" || query === null) return false;
  const fields = query as Record<string, unknown>;
  // Newest first (the API's default order), so a new order belongs on top.
  const newestFirst = (fields["sort"] ?? "-created_at") === "-created_at";
  return newestFirst && Object.keys(fields).every((name) => PAGE_ONLY.has(name));
}

export function useBotsStream(botIds: readonly string[], detailOf: string | null = null): void {
  const queryClient = useQueryClient();
  const channels = [
    ...botIds.map((id) => `bots.${id}.status`),
    ...(detailOf === null ? [] : [`bots.${detailOf}.orders`, `bots.${detailOf}.fills`]),
  ];

  useStreamChannels(channels, ({ channel, data }) => {
    const botId = typeof data["bot_id"] === "string" ? data["bot_id"] : (channel.split(".")[1] ?? "");
    if (channel.endsWith(".status")) {
      queryClient.setQueryData<Schemas["Page_BotPublic_"]>(queryKeys.bots, (page) =>
        patchBotState(page, data),
      );
      queryClient.setQueryData<Schemas["BotPublic"]>(queryKeys.bot(botId), (bot) => patchBot(bot, data));
      void queryClient.invalidateQueries({ queryKey: queryKeys.botStateHistory(botId) });
    } else if (channel.endsWith(".orders")) {
      // Only the bot's unfiltered pages take a new order on top; a filtered page (status,
      // side...) of the trading tables may not be where it belongs.
      queryClient.setQueriesData<Schemas["Page_OrderPublic_"]>(
        { queryKey: queryKeys.records("orders", { bot_id: botId }) },
        (page) => upsertOrder(page, data, false),
      );
      queryClient.setQueriesData<Schemas["Page_OrderPublic_"]>(
        {
          queryKey: queryKeys.records("orders", { bot_id: botId }),
          predicate: (query) => isUnfiltered(query.queryKey),
        },
        (page) => upsertOrder(page, data),
      );
    } else if (channel.endsWith(".fills")) {
      queryClient.setQueryData<Schemas["FillPublic"][]>(queryKeys.botFills(botId), (fills) =>
        appendFill(fills, data),
      );
      void queryClient.invalidateQueries({ queryKey: queryKeys.botTrades(botId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.pnlByBot });
    }
  });

  useStreamResync(() => {
    void queryClient.invalidateQueries();
  });
}
