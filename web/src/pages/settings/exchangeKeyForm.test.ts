import { describe, expect, it } from "vitest";
import {
  EMPTY_EXCHANGE_KEY,
  exchangeKeyBody,
  permissionSummary,
  validateExchangeKey,
} from "./exchangeKeyForm";

const good = {
  exchange: " Binance ",
  label: " main account ",
  apiKey: " abcdefghijkl1234 ",
  secret: "s3cret-value",
  password: "",
};

describe("exchange key form", () => {
  it("test_validate_exchange_key_good_draft_has_no_errors", () => {
    expect(validateExchangeKey(good)).toEqual({});
  });

  it("test_validate_exchange_key_empty_draft_names_every_required_field", () => {
    expect(validateExchangeKey(EMPTY_EXCHANGE_KEY)).toEqual({
      exchange: "keys.error.exchange",
      label: "keys.error.label",
      apiKey: "keys.error.apiKey",
      secret: "keys.error.secret",
    });
  });

  it("test_validate_exchange_key_bad_shapes_rejected", () => {
    expect(
      validateExchangeKey({
        exchange: "bin-ance",
        label: "x".repeat(65),
        apiKey: "short key with spaces",
        secret: "1234567",
        password: "p".repeat(129),
      }),
    ).toEqual({
      exchange: "keys.error.exchange",
      label: "keys.error.label",
      apiKey: "keys.error.apiKey",
      secret: "keys.error.secret",
      password: "keys.error.password",
    });
    expect(validateExchangeKey({ ...good, apiKey: "abcdefghijk" })).toEqual({ apiKey: "keys.error.apiKey" });
  });

  it("test_exchange_key_body_trims_lowercases_and_nulls_empty_passphrase", () => {
    expect(exchangeKeyBody(good)).toEqual({
      exchange: "binance",
      label: "main account",
      api_key: "abcdefghijkl1234",
      secret: "s3cret-value",
      password: null,
    });
    expect(exchangeKeyBody({ ...good, password: "pass phrase" }).password).toBe("pass phrase");
  });

  it("test_permission_summary_names_trading_and_ip_limit", () => {
    expect(
      permissionSummary({ trading: true, withdrawals: false, transfers: null, ip_restricted: true }),
    ).toEqual(["keys.perm.trading", "keys.perm.ipRestricted"]);
    expect(
      permissionSummary({ trading: false, withdrawals: false, transfers: null, ip_restricted: false }),
    ).toEqual(["keys.perm.noTrading", "keys.perm.ipOpen"]);
    expect(
      permissionSummary({ trading: true, withdrawals: null, transfers: null, ip_restricted: null }),
    ).toEqual(["keys.perm.trading"]);
  });
});
