/**
 * The overview's live updates: bot states patch the cached bot list, PnL events re-read
 * the PnL queries, alerts go on top of the live alerts, and a reconnect re-reads everything.
 */
import { useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { queryKeys } from "../../data/queryKeys";
import { type LiveAlert, patchBotState, prependAlert } from "../../data/streamPatches";
import { useStreamChannels, useStreamResync } from "../../stream/useStream";

export function useOverviewStream(userId: string | undefined, botIds: readonly string[]): void {
  const queryClient = useQueryClient();
  const channels =
    userId === undefined
      ? []
      : [`pnl.${userId}`, `alerts.${userId}`, ...botIds.map((id) => `bots.${id}.status`)];

  useStreamChannels(channels, ({ channel, data }) => {
    if (channel.startsWith("bots.")) {
      queryClient.setQueryData<Schemas["Page_BotPublic_"]>(queryKeys.bots, (page) =>
        patchBotState(page, data),
      );
    } else if (channel.startsWith("pnl.")) {
      void queryClient.invalidateQueries({ queryKey: queryKeys.pnl });
      void queryClient.invalidateQueries({ queryKey: queryKeys.openPositions });
    } else if (channel.startsWith("alerts.")) {
      queryClient.setQueryData<LiveAlert[]>(queryKeys.liveAlerts, (alerts) => prependAlert(alerts, data));
    }
  });

  useStreamResync(() => {
    void queryClient.invalidateQueries();
  });
}
