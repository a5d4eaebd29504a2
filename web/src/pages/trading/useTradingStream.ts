/**
 * Live updates of the trading tables: an order event replaces the order in the cached
 * orders pages that show it; a new order re-reads them (whether it belongs to a filtered
 * page is the API's call); a fill re-reads the
 * trades and positions pages (a fill may close a trade or move a position, which the
 * event does not say). A reconnect re-reads everything, as the stream never replays.
 */
import { useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../../api/client";
import { queryKeys } from "../../data/queryKeys";
import { upsertOrder } from "../../data/streamPatches";
import { useStreamChannels, useStreamResync } from "../../stream/useStream";

export function useTradingStream(botIds: readonly string[]): void {
  const queryClient = useQueryClient();
  const channels = botIds.flatMap((id) => [`bots.${id}.orders`, `bots.${id}.fills`]);
  useStreamChannels(channels, ({ channel, data }) => {
    if (channel.endsWith(".orders")) {
      let shown = false;
      queryClient.setQueriesData<Schemas["Page_OrderPublic_"]>(
        { queryKey: queryKeys.recordsOf("orders") },
        (page) => {
          const next = upsertOrder(page, data, false);
          if (next !== page) shown = true;
          return next;
        },
      );
      if (!shown) void queryClient.invalidateQueries({ queryKey: queryKeys.recordsOf("orders") });
    } else {
      void queryClient.invalidateQueries({ queryKey: queryKeys.recordsOf("trades") });
      void queryClient.invalidateQueries({ queryKey: queryKeys.recordsOf("positions") });
    }
  });
  useStreamResync(() => {
    void queryClient.invalidateQueries();
  });
}
