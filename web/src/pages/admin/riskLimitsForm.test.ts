import { describe, expect, it } from "vitest";
import { riskLimitsBody, riskLimitsDraft, type RiskLimits, validateRiskLimits } from "./riskLimitsForm";

const limits: RiskLimits = {
  version: 3,
  max_position_pct: "25",
  max_risk_per_trade_pct: "1.5",
  max_leverage: "3",
  daily_loss_limit_pct: null,
  max_drawdown_pct: "20",
  max_open_positions: 10,
  max_entries_per_day: null,
  max_order_notional: "10000.00000001",
  allow_risk_disabled: false,
  created_at: "2025-01-01T00:00:00Z",
  created_by: "u1",
  reason: "initial",
};

describe("risk limits form", () => {
  it("test_risk_limits_draft_uses_empty_for_missing_caps", () => {
    const draft = riskLimitsDraft(limits);
    expect(draft.caps).toEqual({
      max_position_pct: "25",
      max_risk_per_trade_pct: "1.5",
      daily_loss_limit_pct: "",
      max_drawdown_pct: "20",
      max_leverage: "3",
      max_order_notional: "10000.00000001",
      max_open_positions: "10",
      max_entries_per_day: "",
    });
    expect(draft.allowRiskDisabled).toBe(false);
    expect(draft.reason).toBe("");
  });

  it("test_risk_limits_body_keeps_decimals_exact_and_nulls_empty", () => {
    const body = riskLimitsBody({ ...riskLimitsDraft(limits), reason: " tighten " });
    expect(body).toEqual({
      max_position_pct: "25",
      max_risk_per_trade_pct: "1.5",
      daily_loss_limit_pct: null,
      max_drawdown_pct: "20",
      max_leverage: "3",
      max_order_notional: "10000.00000001",
      max_open_positions: 10,
      max_entries_per_day: null,
      allow_risk_disabled: false,
      reason: "tighten",
    });
  });

  it("test_validate_risk_limits_good_draft_has_no_errors", () => {
    expect(validateRiskLimits({ ...riskLimitsDraft(limits), reason: "x" })).toEqual({});
  });

  it("test_validate_risk_limits_bad_values_named", () => {
    const draft = riskLimitsDraft(limits);
    draft.caps.max_position_pct = "100.01";
    draft.caps.max_drawdown_pct = "0";
    draft.caps.max_leverage = "-2";
    draft.caps.max_order_notional = "1e6";
    draft.caps.max_open_positions = "2.5";
    draft.caps.max_entries_per_day = "0";
    expect(validateRiskLimits(draft)).toEqual({
      max_position_pct: "risk.error.percent",
      max_drawdown_pct: "risk.error.percent",
      max_leverage: "risk.error.decimal",
      max_order_notional: "risk.error.decimal",
      max_open_positions: "risk.error.count",
      max_entries_per_day: "risk.error.count",
      reason: "risk.error.reason",
    });
  });

  it("test_validate_risk_limits_percent_bounds_inclusive_of_100", () => {
    const draft = { ...riskLimitsDraft(limits), reason: "x" };
    draft.caps.max_position_pct = "100.000";
    draft.caps.max_drawdown_pct = "0.0001";
    expect(validateRiskLimits(draft)).toEqual({});
  });
});
