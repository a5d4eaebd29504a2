import { describe, expect, it } from "vitest";
import type { Schemas } from "../../api/client";
import { equityCurve, todayPnl, utcDayStartIso } from "./overviewFigures";

function group(key: string, net: string, unrealised: string | null = null): Schemas["PnlGroupPublic"] {
  return {
    key,
    label: key,
    trades: 1,
    wins: 1,
    losses: 0,
    gross_pnl: net,
    fees: "0",
    net_pnl: net,
    unrealised_pnl: unrealised,
  };
}

describe("overview figures", () => {
  it("test_equity_curve_sorts_days_and_accumulates_exactly", () => {
    const curve = equityCurve([
      group("2025-03-02", "0.2"),
      group("2025-03-01", "0.1"),
      group("2025-03-03", "-1.05"),
    ]);
    expect(curve.points).toEqual([
      { ts_ms: Date.parse("2025-03-01T00:00:00Z"), value: 0.1 },
      { ts_ms: Date.parse("2025-03-02T00:00:00Z"), value: 0.3 },
      { ts_ms: Date.parse("2025-03-03T00:00:00Z"), value: -0.75 },
    ]);
    expect(curve.total).toBe("-0.75");
  });

  it("test_equity_curve_without_trades_is_empty_at_zero", () => {
    expect(equityCurve([])).toEqual({ points: [], total: "0" });
  });

  it("test_utc_day_start_ignores_local_time", () => {
    expect(utcDayStartIso(Date.parse("2025-06-01T23:59:59.999Z"))).toBe("2025-06-01T00:00:00.000Z");
  });

  it("test_today_pnl_sums_unrealised_of_bots_that_have_it", () => {
    const report = {
      group_by: "bot",
      since: "2025-06-01T00:00:00Z",
      until: null,
      groups: [group("b1", "1.5", "0.10"), group("b2", "-0.5", null), group("b3", "0", "-0.35")],
      trades: 3,
      gross_pnl: "1",
      fees: "0",
      net_pnl: "1",
    };
    expect(todayPnl(report)).toEqual({ net: "1", unrealised: "-0.25", trades: 3 });
    expect(todayPnl({ ...report, groups: [group("b2", "0")] }).unrealised).toBeNull();
  });
});
