/**
 * The platform risk caps form. Caps are exact decimals: they travel as the API's decimal
 * strings both ways (never through a float), an empty field means "no platform cap"
 * (null), and the API wants every field on each save so that a forgotten one never lifts
 * a cap by accident. Percentages are of equity (0 to 100), leverage a multiple, the order
 * notional in the quote currency, the two counts whole numbers.
 */
import type { Schemas } from "../../api/client";
import type { MessageKey } from "../../i18n/en";
import type { FieldErrors } from "../login/loginValidation";

export type RiskLimits = Schemas["PlatformRiskLimitsPublic"];

export const PERCENT_CAPS = [
  "max_position_pct",
  "max_risk_per_trade_pct",
  "daily_loss_limit_pct",
  "max_drawdown_pct",
] as const;
export const DECIMAL_CAPS = ["max_leverage", "max_order_notional"] as const;
export const COUNT_CAPS = ["max_open_positions", "max_entries_per_day"] as const;
export const RISK_CAPS = [...PERCENT_CAPS, ...DECIMAL_CAPS, ...COUNT_CAPS] as const;
export type RiskCap = (typeof RISK_CAPS)[number];

export interface RiskLimitsDraft {
  caps: Record<RiskCap, string>;
  allowRiskDisabled: boolean;
  reason: string;
}

export type RiskLimitsField = RiskCap | "reason";

const DECIMAL = /^\d{1,18}(\.\d{1,18})?$/;
const COUNT = /^\d{1,9}$/;

/** The form as loaded from the caps in force ("" for a cap that is not set). */
export function riskLimitsDraft(limits: RiskLimits): RiskLimitsDraft {
  const caps = Object.fromEntries(
    RISK_CAPS.map((cap) => {
      const value = limits[cap];
      return [cap, value === null ? "" : String(value)];
    }),
  ) as Record<RiskCap, string>;
  return { caps, allowRiskDisabled: limits.allow_risk_disabled, reason: "" };
}

/** True when the decimal string is above zero (no float: only its digits are looked at). */
function isPositive(decimal: string): boolean {
  return /[1-9]/.test(decimal);
}

/** 0 < value <= 100, decided on the digits. */
function isPercent(decimal: string): boolean {
  const [whole = "", fraction = ""] = decimal.split(".");
  const integer = Number.parseInt(whole, 10); // at most 18 digits: compared to 100 only
  if (integer > 100) return false;
  if (integer === 100) return !/[1-9]/.test(fraction);
  return isPositive(decimal);
}

export function validateRiskLimits(draft: RiskLimitsDraft): FieldErrors<RiskLimitsField> {
  const errors: FieldErrors<RiskLimitsField> = {};
  const check = (cap: RiskCap, ok: (v: string) => boolean, message: MessageKey) => {
    const value = draft.caps[cap].trim();
    if (value !== "" && !ok(value)) errors[cap] = message;
  };
  for (const cap of PERCENT_CAPS) check(cap, (v) => DECIMAL.test(v) && isPercent(v), "risk.error.percent");
  for (const cap of DECIMAL_CAPS) check(cap, (v) => DECIMAL.test(v) && isPositive(v), "risk.error.decimal");
  for (const cap of COUNT_CAPS) check(cap, (v) => COUNT.test(v) && isPositive(v), "risk.error.count");
  const reason = draft.reason.trim();
  if (reason.length < 1 || reason.length > 255) errors.reason = "risk.error.reason";
  return errors;
}

/** The complete update: decimals as strings, counts as integers, "" as null (no cap). */
export function riskLimitsBody(draft: RiskLimitsDraft): Schemas["PlatformRiskLimitsUpdate"] {
  const decimal = (cap: RiskCap): string | null =>
    draft.caps[cap].trim() === "" ? null : draft.caps[cap].trim();
  const count = (cap: RiskCap): number | null =>
    draft.caps[cap].trim() === "" ? null : Number.parseInt(draft.caps[cap].trim(), 10);
  return {
    max_position_pct: decimal("max_position_pct"),
    max_risk_per_trade_pct: decimal("max_risk_per_trade_pct"),
    daily_loss_limit_pct: decimal("daily_loss_limit_pct"),
    max_drawdown_pct: decimal("max_drawdown_pct"),
    max_leverage: decimal("max_leverage"),
    max_order_notional: decimal("max_order_notional"),
    max_open_positions: count("max_open_positions"),
    max_entries_per_day: count("max_entries_per_day"),
    allow_risk_disabled: draft.allowRiskDisabled,
    reason: draft.reason.trim(),
  };
}
