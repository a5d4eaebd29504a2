/**
 * The backtest form's checks and request (POST /backtests, `BacktestSubmit`): strategy,
 * its parameters (the schema form shared with the bot wizard), symbol, timeframe, an
 * optional range of whole UTC days, and money: capital, stake, taker fee and slippage,
 * sent as the exact decimal strings typed (the API takes strings for them), and the asset
 * fees are charged in (ADR 0024).
 */
import type { Schemas } from "../../api/client";
import type { MessageKey } from "../../i18n/en";
import type { JsonValue } from "../../shared/schemaForm";
import { TIMEFRAMES } from "../bots/botStates";

export interface BacktestFormValues {
  strategy: string;
  symbol: string;
  timeframe: string;
  /** YYYY-MM-DD (UTC) or empty. */
  from: string;
  to: string;
  capital: string;
  stake: string;
  feeBps: string;
  slippageBps: string;
  /**
   * "quote" (the default) or "received" (base on a buy, quote on a sell, as Binance).
   * "received" needs the event path; the request's path stays "auto", which the API
   * resolves to the event path for it (the fast path is only refused when named).
   */
  feeAsset: Schemas["FeeAsset"];
}

export const FIRST_BACKTEST: BacktestFormValues = {
  strategy: "",
  symbol: "BTC/USDT",
  timeframe: "1h",
  from: "",
  to: "",
  capital: "10000",
  stake: "200",
  feeBps: "10",
  slippageBps: "0",
  feeAsset: "quote",
};

export type BacktestFormErrors = Partial<Record<keyof BacktestFormValues, MessageKey>>;

/** The fee assets the API accepts (`costs.fee_asset`), the default first. */
export const FEE_ASSETS = ["quote", "received"] as const satisfies readonly Schemas["FeeAsset"][];

const SYMBOL = /^[A-Z0-9]{1,15}\/[A-Z0-9]{1,15}(:[A-Z0-9]{1,15})?$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`); // NaN for a month 13; a day 31 of 30 rolls over
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

function positive(text: string): boolean {
  return DECIMAL.test(text) && /[1-9]/.test(text);
}

export function validateBacktest(values: BacktestFormValues): BacktestFormErrors {
  const errors: BacktestFormErrors = {};
  if (values.strategy === "") errors.strategy = "bots.error.strategy";
  if (!SYMBOL.test(values.symbol.trim().toUpperCase())) errors.symbol = "backtests.error.symbol";
  if (!(TIMEFRAMES as readonly string[]).includes(values.timeframe))
    errors.timeframe = "bots.error.timeframe";
  if (values.from !== "" && !isDay(values.from)) errors.from = "trading.error.date";
  if (values.to !== "" && !isDay(values.to)) errors.to = "trading.error.date";
  if (errors.from === undefined && errors.to === undefined && values.from !== "" && values.to !== "") {
    if (values.to <= values.from) errors.to = "trading.error.range";
  }
  if (!positive(values.capital.trim())) errors.capital = "backtests.error.positive";
  if (!positive(values.stake.trim())) errors.stake = "backtests.error.positive";
  if (!DECIMAL.test(values.feeBps.trim())) errors.feeBps = "backtests.error.decimal";
  if (!DECIMAL.test(values.slippageBps.trim())) errors.slippageBps = "backtests.error.decimal";
  return errors;
}

/** The request for valid values; `params` from the schema form (JSON scalars only). */
export function backtestBody(
  values: BacktestFormValues,
  params: Record<string, JsonValue>,
): Schemas["BacktestSubmit-Input"] {
  const scalars: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      scalars[name] = value;
  }
  const body: Schemas["BacktestSubmit-Input"] = {
    strategy: values.strategy,
    symbol: values.symbol.trim().toUpperCase(),
    timeframe: values.timeframe,
    params: scalars,
    // "auto" takes the event path whenever the fast path cannot run the settings
    // (fees in the asset received among them), so no choice here can be refused for it.
    path: "auto",
    costs: {
      capital: values.capital.trim(),
      stake: values.stake.trim(),
      fee_bps: values.feeBps.trim(),
      slippage_bps: values.slippageBps.trim(),
      // The API's defaults, spelled out because the generated type marks them required.
      slippage_model: "fixed",
      spread_bps: "0",
      fee_asset: values.feeAsset,
    },
  };
  if (values.from !== "") body.from = `${values.from}T00:00:00Z`;
  if (values.to !== "") body.to = `${values.to}T00:00:00Z`;
  return body;
}
