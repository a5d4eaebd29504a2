import { describe, expect, it } from "vitest";
import { signedClass, utcTime } from "./cellFormat";

describe("cell format", () => {
  it("test_signed_class_by_sign_of_the_decimal_string", () => {
    expect(signedClass("12.50")).toBe("num pnl-up");
    expect(signedClass("-0.0001")).toBe("num pnl-down");
    expect(signedClass("0.000")).toBe("num");
    expect(signedClass(null)).toBe("num muted");
  });

  it("test_utc_time_iso_to_readable_utc_bad_kept", () => {
    expect(utcTime("2025-06-01T12:30:05.123+02:00")).toBe("2025-06-01 10:30:05");
    expect(utcTime("yesterday")).toBe("yesterday");
    expect(utcTime(null)).toBe("–");
  });
});
