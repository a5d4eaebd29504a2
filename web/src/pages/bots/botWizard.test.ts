import { describe, expect, it } from "vitest";
import { botCreateBody, parseSymbols, validateMarket, type WizardMarket } from "./botWizard";
import { commandAllowed, stateTone } from "./botStates";

const MARKET: WizardMarket = {
  name: " trend BTC ",
  exchange: "binance",
  symbols: "btc/usdt, ETH/USDT btc/usdt",
  timeframe: "1h",
  mode: "paper",
  credentialId: "",
  paperFeeAsset: "",
};

describe("bot wizard", () => {
  it("test_parse_symbols_upper_cased_once_each_in_order", () => {
    expect(parseSymbols("btc/usdt, ETH/USDT btc/usdt;sol/usdt")).toEqual([
      "BTC/USDT",
      "ETH/USDT",
      "SOL/USDT",
    ]);
    expect(parseSymbols(" , ")).toEqual([]);
  });

  it("test_validate_market_valid_paper_market_has_no_errors", () => {
    expect(validateMarket(MARKET)).toEqual({});
  });

  it("test_validate_market_each_problem_named", () => {
    expect(
      validateMarket({
        ...MARKET,
        name: "  ",
        symbols: "BTCUSDT",
        timeframe: "7m",
        mode: "live",
        credentialId: "",
      }),
    ).toEqual({
      name: "bots.error.name",
      symbols: "bots.error.symbols",
      timeframe: "bots.error.timeframe",
      credentialId: "bots.error.key",
    });
    expect(validateMarket({ ...MARKET, name: "x".repeat(65) }).name).toBe("bots.error.name");
    const many = Array.from({ length: 51 }, (_, i) => `C${i}/USDT`).join(",");
    expect(validateMarket({ ...MARKET, symbols: many }).symbols).toBe("bots.error.symbols");
  });

  it("test_bot_create_body_paper_without_key_live_with_key", () => {
    expect(botCreateBody("sma_cross", MARKET, { fast: 10 })).toEqual({
      name: "trend BTC",
      strategy: "sma_cross",
      exchange: "binance",
      symbols: ["BTC/USDT", "ETH/USDT"],
      timeframe: "1h",
      mode: "paper",
      params: { fast: 10 },
    });
    const live = botCreateBody(
      "sma_cross",
      { ...MARKET, mode: "live", credentialId: "k1", exchange: "" },
      {},
    );
    expect(live.exchange_credential_id).toBe("k1");
    expect(live.exchange).toBe("binance");
  });

  it("test_bot_create_body_paper_fee_asset_omitted_by_default_sent_when_chosen_never_for_live", () => {
    expect("paper_fee_asset" in botCreateBody("sma_cross", MARKET, {})).toBe(false);
    expect(botCreateBody("sma_cross", { ...MARKET, paperFeeAsset: "quote" }, {}).paper_fee_asset).toBe(
      "quote",
    );
    expect(botCreateBody("sma_cross", { ...MARKET, paperFeeAsset: "received" }, {}).paper_fee_asset).toBe(
      "received",
    );
    const live = botCreateBody(
      "sma_cross",
      { ...MARKET, mode: "live", credentialId: "k1", paperFeeAsset: "received" },
      {},
    );
    expect("paper_fee_asset" in live).toBe(false);
  });
});

describe("bot states", () => {
  it("test_command_allowed_follows_the_api_lifecycle", () => {
    expect(commandAllowed("start", "idle")).toBe(true);
    expect(commandAllowed("start", "stopped")).toBe(true);
    expect(commandAllowed("start", "monitoring")).toBe(false);
    expect(commandAllowed("stop", "idle")).toBe(false);
    expect(commandAllowed("stop", "halted")).toBe(true);
    expect(commandAllowed("pause", "position_open")).toBe(true);
    expect(commandAllowed("pause", "paused")).toBe(false);
    expect(commandAllowed("resume", "paused")).toBe(true);
    expect(commandAllowed("resume", "error")).toBe(false);
  });

  it("test_state_tone_running_good_failed_bad_paused_warn", () => {
    expect(stateTone("monitoring")).toBe("good");
    expect(stateTone("error")).toBe("bad");
    expect(stateTone("paused")).toBe("warn");
    expect(stateTone("idle")).toBe("neutral");
  });
});
