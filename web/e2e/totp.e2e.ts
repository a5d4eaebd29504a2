import { describe, expect, it } from "vitest";
import { base32Decode, TotpDevice, totpAt } from "./totp";

describe("TOTP of the test authenticator", () => {
  it("test_totp_at_matches_rfc_6238_sha1_vector", () => {
    // RFC 6238 appendix B, secret "12345678901234567890", T = 59 s (step 1): 94287082 (8 digits).
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    expect(base32Decode(secret).toString("ascii")).toBe("12345678901234567890");
    expect(totpAt(secret, 1)).toBe("287082");
    expect(totpAt(secret, 37037036)).toBe("081804"); // T = 1111111109 s: 07081804
  });

  it("test_totp_device_never_reuses_a_step_and_stops_after_three", () => {
    const device = new TotpDevice("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    const now = 1111111109_000;
    const codes = [device.nextCode(now), device.nextCode(now), device.nextCode(now)];
    expect(new Set(codes).size).toBe(3);
    expect(codes[1]).toBe("081804");
    expect(() => device.nextCode(now)).toThrow(/three codes/);
    expect(device.nextCode(now + 60_000)).toBe(totpAt(device.secret, 37037038));
  });
});
