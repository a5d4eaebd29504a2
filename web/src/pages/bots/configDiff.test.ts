import { describe, expect, it } from "vitest";
import { diffConfigs, flattenConfig, formatConfigValue } from "./configDiff";

const V1 = {
  strategy: "sma_cross",
  symbols: ["BTC/USDT"],
  params: { fast: 10, slow: 30 },
  risk: { max_leverage: "10", max_order_notional: null, enabled: true },
  exits: { take_profit: [["1", "50"]] },
};

describe("configDiff", () => {
  it("test_flatten_config_dotted_paths_arrays_are_leaves", () => {
    expect([...flattenConfig(V1).entries()]).toEqual([
      ["strategy", "sma_cross"],
      ["symbols", ["BTC/USDT"]],
      ["params.fast", 10],
      ["params.slow", 30],
      ["risk.max_leverage", "10"],
      ["risk.max_order_notional", null],
      ["risk.enabled", true],
      ["exits.take_profit", [["1", "50"]]],
    ]);
  });

  it("test_diff_configs_changed_added_removed_sorted_by_key", () => {
    const v2 = {
      ...V1,
      symbols: ["BTC/USDT", "ETH/USDT"],
      params: { fast: 12, slow: 30, extra: true },
      risk: { max_leverage: "5", enabled: true },
    };
    expect(diffConfigs(V1, v2)).toEqual([
      { key: "params.extra", old: null, new: true },
      { key: "params.fast", old: 10, new: 12 },
      { key: "risk.max_leverage", old: "10", new: "5" },
      { key: "symbols", old: ["BTC/USDT"], new: ["BTC/USDT", "ETH/USDT"] },
    ]);
  });

  it("test_diff_configs_identical_is_empty_and_decimal_text_compared_exactly", () => {
    expect(diffConfigs(V1, structuredClone(V1))).toEqual([]);
    expect(diffConfigs({ risk: { a: "1.0" } }, { risk: { a: "1" } })).toEqual([
      { key: "risk.a", old: "1.0", new: "1" },
    ]);
  });

  it("test_format_config_value_strings_verbatim_rest_json", () => {
    expect(formatConfigValue("0.00010")).toBe("0.00010");
    expect(formatConfigValue(null)).toBe("–");
    expect(formatConfigValue(["a", 1])).toBe('["a",1]');
    expect(formatConfigValue(false)).toBe("false");
  });
});
