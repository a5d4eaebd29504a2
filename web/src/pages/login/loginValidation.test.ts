import { describe, expect, it } from "vitest";
import { normaliseMfaCode, validateLogin, validateMfaCode } from "./loginValidation";

describe("login validation", () => {
  it("test_validate_login_good_input_has_no_errors", () => {
    expect(validateLogin(" you@example.com ", "correct horse battery")).toEqual({});
  });

  it("test_validate_login_bad_email_and_empty_password_named", () => {
    expect(validateLogin("you-at-example", "")).toEqual({
      email: "login.error.email",
      password: "login.error.password",
    });
    expect(validateLogin("a@b", "x".repeat(257))).toEqual({ password: "login.error.password" });
  });

  it("test_validate_mfa_code_accepts_totp_and_recovery_codes", () => {
    expect(validateMfaCode("123 456")).toEqual({});
    expect(validateMfaCode("ABCD-efgh-1234-mnop")).toEqual({});
    expect(normaliseMfaCode(" 123 456 ")).toBe("123456");
    expect(normaliseMfaCode("ABCD-EFGH-IJKL-MNOP")).toBe("abcd-efgh-ijkl-mnop");
  });

  it("test_validate_mfa_code_rejects_short_or_malformed", () => {
    expect(validateMfaCode("12345")).toEqual({ code: "login.error.code" });
    expect(validateMfaCode("abcd-efgh")).toEqual({ code: "login.error.code" });
  });
});
