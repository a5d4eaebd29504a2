import { describe, expect, it } from "vitest";
import { groupSecret, summariseOtpauth } from "./otpauth";

describe("otpauth", () => {
  it("test_summarise_otpauth_reads_issuer_and_account", () => {
    expect(
      summariseOtpauth("otpauth://totp/XOR:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=XOR"),
    ).toEqual({ issuer: "XOR", account: "alice@example.com" });
    expect(summariseOtpauth("otpauth://totp/Desk:bob?secret=AAAA")).toEqual({
      issuer: "Desk",
      account: "bob",
    });
  });

  it("test_summarise_otpauth_not_a_uri_gives_empty_fields", () => {
    expect(summariseOtpauth("not a uri")).toEqual({ issuer: "", account: "" });
    expect(summariseOtpauth("https://example.com/totp/x")).toEqual({ issuer: "", account: "" });
  });

  it("test_group_secret_groups_of_four", () => {
    expect(groupSecret("JBSWY3DPEHPK3PXP")).toBe("JBSW Y3DP EHPK 3PXP");
    expect(groupSecret("ABCDEF")).toBe("ABCD EF");
    expect(groupSecret("")).toBe("");
  });
});
