/**
 * The "add an exchange key" form: checks that mirror the API's ExchangeKeyCreate rules
 * (docs/openapi.json), so an obviously bad entry never costs a request (adding a key
 * also needs an MFA step-up), and the request body built from the fields.
 */
import type { Schemas } from "../../api/client";
import type { FieldErrors } from "../login/loginValidation";

export interface ExchangeKeyDraft {
  exchange: string;
  label: string;
  apiKey: string;
  secret: string;
  password: string;
}

export type ExchangeKeyField = keyof ExchangeKeyDraft;

export const EMPTY_EXCHANGE_KEY: ExchangeKeyDraft = {
  exchange: "",
  label: "",
  apiKey: "",
  secret: "",
  password: "",
};

const EXCHANGE_ID = /^[a-z0-9_]{1,32}$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

export function validateExchangeKey(draft: ExchangeKeyDraft): FieldErrors<ExchangeKeyField> {
  const errors: FieldErrors<ExchangeKeyField> = {};
  if (!EXCHANGE_ID.test(draft.exchange.trim().toLowerCase())) errors.exchange = "keys.error.exchange";
  const label = draft.label.trim();
  if (label.length < 1 || label.length > 64) errors.label = "keys.error.label";
  const apiKey = draft.apiKey.trim();
  if (apiKey.length < 12 || apiKey.length > 256 || !PRINTABLE.test(apiKey))
    errors.apiKey = "keys.error.apiKey";
  if (draft.secret.length < 8 || draft.secret.length > 512) errors.secret = "keys.error.secret";
  if (draft.password.length > 128) errors.password = "keys.error.password";
  return errors;
}

/** The body to send; the passphrase is null when left empty (most venues have none). */
export function exchangeKeyBody(draft: ExchangeKeyDraft): Schemas["ExchangeKeyCreate"] {
  return {
    exchange: draft.exchange.trim().toLowerCase(),
    label: draft.label.trim(),
    api_key: draft.apiKey.trim(),
    secret: draft.secret,
    password: draft.password === "" ? null : draft.password,
  };
}

/** What the exchange said the key may do, as message keys (withdrawal is refused by the API). */
export function permissionSummary(
  permissions: Schemas["KeyPermissionsPublic"],
): Array<"keys.perm.trading" | "keys.perm.noTrading" | "keys.perm.ipRestricted" | "keys.perm.ipOpen"> {
  const summary: Array<
    "keys.perm.trading" | "keys.perm.noTrading" | "keys.perm.ipRestricted" | "keys.perm.ipOpen"
  > = [permissions.trading ? "keys.perm.trading" : "keys.perm.noTrading"];
  if (permissions.ip_restricted === true) summary.push("keys.perm.ipRestricted");
  if (permissions.ip_restricted === false) summary.push("keys.perm.ipOpen");
  return summary;
}
