import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff";

describe("backoffDelayMs", () => {
  it("test_backoff_first_attempt_lies_between_half_and_full_base", () => {
    expect(backoffDelayMs(0, () => 0)).toBe(250);
    expect(backoffDelayMs(0, () => 1)).toBe(500);
  });

  it("test_backoff_doubles_per_attempt", () => {
    expect([0, 1, 2, 3, 4].map((n) => backoffDelayMs(n, () => 1))).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it("test_backoff_caps_at_max_even_after_many_attempts", () => {
    expect(backoffDelayMs(6, () => 1)).toBe(30_000);
    expect(backoffDelayMs(10_000, () => 0.5)).toBe(22_500);
  });

  it("test_backoff_jitter_spreads_clients", () => {
    const delays = [0, 0.25, 0.5, 0.75].map((r) => backoffDelayMs(3, () => r));
    expect(delays).toEqual([2000, 2500, 3000, 3500]);
  });
});
