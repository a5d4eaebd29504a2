/**
 * The bot creation wizard's checks and request: the market step (name, symbols,
 * timeframe, mode and key) is checked with the API's rules (BotCreate in openapi.json)
 * before the next step; the parameters come from the strategy's schema form
 * (shared/schemaForm.ts). `botCreateBody` is exactly what POST /bots receives; a paper
 * bot's fee asset is sent only when chosen (omitted, the exchange's convention applies).
 */
import type { Schemas } from "../../api/client";
import type { MessageKey } from "../../i18n/en";
import type { JsonValue } from "../../shared/schemaForm";
import { TIMEFRAMES } from "./botStates";

export interface WizardMarket {
  name: string;
  exchange: string;
  /** As typed: symbols separated by commas or spaces. */
  symbols: string;
  timeframe: string;
  mode: Schemas["BotMode"];
  credentialId: string;
  /**
   * Paper bots only: the asset simulated fills charge fees in; "" (the default) leaves
   * the field out so the server takes the exchange's convention (Binance: received).
   */
  paperFeeAsset: "" | Schemas["FeeAsset"];
}

export const WIZARD_STEPS = ["strategy", "market", "params", "review"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

const SYMBOL = /^[A-Z0-9]{1,15}\/[A-Z0-9]{1,15}(:[A-Z0-9]{1,15})?$/;
const MAX_SYMBOLS = 50;

/** The symbols typed, upper-cased, each once, in the order given. */
export function parseSymbols(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\s,;]+/)) {
    const symbol = part.trim().toUpperCase();
    if (symbol !== "") seen.add(symbol);
  }
  return [...seen];
}

export function validateMarket(market: WizardMarket): Partial<Record<keyof WizardMarket, MessageKey>> {
  const errors: Partial<Record<keyof WizardMarket, MessageKey>> = {};
  const name = market.name.trim();
  if (name.length < 1 || name.length > 64) errors.name = "bots.error.name";
  const symbols = parseSymbols(market.symbols);
  if (symbols.length < 1 || symbols.length > MAX_SYMBOLS || !symbols.every((s) => SYMBOL.test(s))) {
    errors.symbols = "bots.error.symbols";
  }
  if (!(TIMEFRAMES as readonly string[]).includes(market.timeframe))
    errors.timeframe = "bots.error.timeframe";
  if (market.mode === "live" && market.credentialId === "") errors.credentialId = "bots.error.key";
  return errors;
}

export function botCreateBody(
  strategy: string,
  market: WizardMarket,
  params: Record<string, JsonValue>,
): Schemas["BotCreate"] {
  const body: Schemas["BotCreate"] = {
    name: market.name.trim(),
    strategy,
    exchange: market.exchange.trim() === "" ? "binance" : market.exchange.trim(),
    symbols: parseSymbols(market.symbols),
    timeframe: market.timeframe,
    mode: market.mode,
    params,
  };
  if (market.mode === "live") body.exchange_credential_id = market.credentialId;
  // Live bots pay what the exchange charges, so a choice left over from paper is not sent.
  if (market.mode === "paper" && market.paperFeeAsset !== "") body.paper_fee_asset = market.paperFeeAsset;
  return body;
}
