/** TanStack Query keys, one place, so stream patches and pages agree on them. */
export const queryKeys = {
  me: ["auth", "me"] as const,
  bots: ["bots", "list"] as const,
  openPositions: ["positions", "open"] as const,
  pnl: ["analytics", "pnl"] as const,
  pnlByDay: ["analytics", "pnl", "day"] as const,
  pnlSince: (sinceIso: string) => ["analytics", "pnl", "since", sinceIso] as const,
  riskEvents: ["risk-events", "recent"] as const,
  liveAlerts: ["alerts", "live"] as const,
  markets: ["market", "symbols"] as const,
  candles: (market: MarketKey, limit: number) => ["market", "candles", market, limit] as const,
  indicator: (name: string, market: MarketKey, limit: number, params: Record<string, number>) =>
    ["market", "indicator", name, market, limit, params] as const,
  elliott: (market: MarketKey, limit: number) => ["market", "elliott", market, limit] as const,
  context: (timeframe: string) => ["market", "context", timeframe] as const,
};

export interface MarketKey {
  exchange: string;
  symbol: string;
  timeframe: string;
}
