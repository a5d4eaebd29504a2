/**
 * The overview's figures from the analytics answers, computed exactly on decimal strings:
 * the equity curve (cumulative net PnL per UTC day) and today's PnL.
 */
import type { Schemas } from "../../api/client";
import type { EquityPoint } from "../../charts/equityChartModel";
import { cumulativeDecimals, sumDecimals } from "../../shared/decimal";

type PnlGroup = Schemas["PnlGroupPublic"];

export interface EquityCurve {
  points: EquityPoint[];
  /** The exact cumulative net PnL at the last day ("0" when there is none). */
  total: string;
}

/** Day groups (key YYYY-MM-DD) in date order, summed up. Numbers only for drawing. */
export function equityCurve(dayGroups: readonly PnlGroup[]): EquityCurve {
  const days = [...dayGroups].sort((a, b) => a.key.localeCompare(b.key));
  const totals = cumulativeDecimals(days.map((day) => day.net_pnl));
  const points = days.map((day, i) => ({
    ts_ms: Date.parse(`${day.key}T00:00:00Z`),
    value: Number(totals[i]),
  }));
  return { points, total: totals.at(-1) ?? "0" };
}

/** 00:00 UTC of the day of `nowMs`, as the ISO 8601 the API takes. */
export function utcDayStartIso(nowMs: number): string {
  const day = new Date(nowMs);
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate())).toISOString();
}

export interface TodayPnl {
  net: string;
  unrealised: string | null;
  trades: number;
}

/** Today's realised net PnL (all bots) and the sum of the bots' unrealised PnL. */
export function todayPnl(report: Schemas["PnlReportPublic"]): TodayPnl {
  const unrealised = report.groups
    .map((group) => group.unrealised_pnl)
    .filter((v): v is string => v !== null);
  return {
    net: report.net_pnl,
    unrealised: unrealised.length === 0 ? null : sumDecimals(unrealised),
    trades: report.trades,
  };
}
