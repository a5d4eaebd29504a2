import { describe, expect, it } from "vitest";
import { backtestBody, FIRST_BACKTEST, validateBacktest } from "./backtestForm";

const VALID = { ...FIRST_BACKTEST, strategy: "sma_cross" };

describe("backtest form", () => {
  it("test_validate_backtest_defaults_with_strategy_are_valid", () => {
    expect(validateBacktest(VALID)).toEqual({});
  });

  it("test_validate_backtest_each_problem_named", () => {
    expect(
      validateBacktest({
        ...FIRST_BACKTEST,
        symbol: "BTCUSDT",
        timeframe: "2m",
        from: "2025-13-01",
        capital: "0",
        stake: "-5",
        feeBps: "1e3",
        slippageBps: "",
      }),
    ).toEqual({
      strategy: "bots.error.strategy",
      symbol: "backtests.error.symbol",
      timeframe: "bots.error.timeframe",
      from: "trading.error.date",
      capital: "backtests.error.positive",
      stake: "backtests.error.positive",
      feeBps: "backtests.error.decimal",
      slippageBps: "backtests.error.decimal",
    });
    expect(validateBacktest({ ...VALID, from: "2025-06-02", to: "2025-06-02" })).toEqual({
      to: "trading.error.range",
    });
  });

  it("test_backtest_body_exact_money_strings_and_utc_days", () => {
    const body = backtestBody(
      {
        ...VALID,
        symbol: " eth/usdt ",
        from: "2025-01-01",
        to: "2025-02-01",
        capital: "10000.50",
        stake: "0.10",
      },
      { fast: 12, label: "x", nested: [1], flag: true },
    );
    expect(body).toEqual({
      strategy: "sma_cross",
      symbol: "ETH/USDT",
      timeframe: "1h",
      params: { fast: 12, label: "x", flag: true },
      path: "auto",
      costs: {
        capital: "10000.50",
        stake: "0.10",
        fee_bps: "10",
        slippage_bps: "0",
        slippage_model: "fixed",
        spread_bps: "0",
        fee_asset: "quote",
      },
      from: "2025-01-01T00:00:00Z",
      to: "2025-02-01T00:00:00Z",
    });
    expect("from" in backtestBody(VALID, {})).toBe(false);
  });

  it("test_backtest_body_fee_asset_quote_by_default_received_when_chosen_path_stays_auto", () => {
    expect(FIRST_BACKTEST.feeAsset).toBe("quote");
    const received = backtestBody({ ...VALID, feeAsset: "received" }, {});
    expect(received.costs?.fee_asset).toBe("received");
    // "auto" lets the API take the event path; "fast" would be refused with a 422.
    expect(received.path).toBe("auto");
    expect(validateBacktest({ ...VALID, feeAsset: "received" })).toEqual({});
  });
});
