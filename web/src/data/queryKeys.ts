/** TanStack Query keys, one place, so stream patches and pages agree on them. */
export const queryKeys = {
  me: ["auth", "me"] as const,
  exchangeKeys: ["exchange-keys", "list"] as const,
  alertChannels: ["alert-channels", "list"] as const,
  users: ["admin", "users"] as const,
  riskLimits: ["admin", "risk-limits"] as const,
  killSwitches: ["admin", "kill-switches", "engaged"] as const,
  auditEntries: (offset: number, limit: number) => ["admin", "audit", "entries", offset, limit] as const,
  auditVerify: ["admin", "audit", "verify"] as const,
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
  strategies: ["strategies"] as const,
  bot: (botId: string) => ["bots", "detail", botId] as const,
  botStateHistory: (botId: string) => ["bots", "state-history", botId] as const,
  botVersions: (botId: string) => ["bots", "versions", botId] as const,
  botFills: (botId: string) => ["fills", "live", botId] as const,
  botRecentFills: (botId: string) => ["fills", "bot", botId] as const,
  botTrades: (botId: string) => ["trades", "bot", botId] as const,
  pnlByBot: ["analytics", "pnl", "bot"] as const,
  records: (kind: string, query: Record<string, unknown>) => [kind, "page", query] as const,
  recordsOf: (kind: string) => [kind, "page"] as const,
  backtests: ["backtests", "list"] as const,
  backtest: (runId: string) => ["backtests", "detail", runId] as const,
  backtestEquity: (runId: string) => ["backtests", "equity", runId] as const,
  backtestTrades: (runId: string) => ["backtests", "trades", runId] as const,
  backtestCompare: (runIds: readonly string[]) => ["backtests", "compare", runIds] as const,
};

export interface MarketKey {
  exchange: string;
  symbol: string;
  timeframe: string;
}
