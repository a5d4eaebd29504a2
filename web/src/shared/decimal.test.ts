import { describe, expect, it } from "vitest";
import { cumulativeDecimals, decimalSign, sumDecimals } from "./decimal";

describe("decimal strings", () => {
  it("test_sum_decimals_is_exact_where_floats_are_not", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
    expect(sumDecimals(["65000.10", "-0.00012345", "1"])).toBe("65001.09987655");
  });

  it("test_sum_decimals_signs_and_zero", () => {
    expect(sumDecimals([])).toBe("0");
    expect(sumDecimals(["-1.5", "1.5"])).toBe("0");
    expect(sumDecimals(["-0.25", "0.05"])).toBe("-0.2");
  });

  it("test_cumulative_decimals_running_totals", () => {
    expect(cumulativeDecimals(["10", "-2.5", "0.75"])).toEqual(["10", "7.5", "8.25"]);
  });

  it("test_decimal_sign_and_bad_input_raises", () => {
    expect([decimalSign("-0.01"), decimalSign("0.000"), decimalSign("3")]).toEqual([-1, 0, 1]);
    expect(() => sumDecimals(["1e5"])).toThrow('not a decimal number: "1e5"');
  });
});
