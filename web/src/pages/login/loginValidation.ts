/**
 * Checks run before a login form is sent, mirroring the API's input rules (LoginInput,
 * LoginMfaInput in docs/openapi.json) so an obviously bad entry never costs a request
 * (logins have a strict per-account budget). Each answer is the message key to show.
 */
import type { MessageKey } from "../../i18n/en";

export type FieldErrors<F extends string> = Partial<Record<F, MessageKey>>;

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const TOTP = /^\d{6}$/;
const RECOVERY = /^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/i;

export function validateLogin(email: string, password: string): FieldErrors<"email" | "password"> {
  const errors: FieldErrors<"email" | "password"> = {};
  const trimmed = email.trim();
  if (trimmed.length < 3 || trimmed.length > 254 || !EMAIL.test(trimmed)) errors.email = "login.error.email";
  if (password.length < 1 || password.length > 256) errors.password = "login.error.password";
  return errors;
}

/** A TOTP code (6 digits, spaces allowed as typed from the app) or a recovery code. */
export function normaliseMfaCode(code: string): string {
  const compact = code.trim();
  return /^[\d\s]+$/.test(compact) ? compact.replace(/\s+/g, "") : compact.toLowerCase();
}

export function validateMfaCode(code: string): FieldErrors<"code"> {
  const normalised = normaliseMfaCode(code);
  return TOTP.test(normalised) || RECOVERY.test(normalised) ? {} : { code: "login.error.code" };
}
