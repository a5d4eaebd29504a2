/**
 * The accounts the browser tests log in with, made over the API as a person would: the
 * admin (created by `xor users create`) enrols TOTP MFA with the test's own authenticator
 * (totp.ts) and keeps the recovery codes; the admin then creates a trader without MFA.
 */
import { TotpDevice } from "./totp";

export interface SeededAccounts {
  admin: {
    email: string;
    password: string;
    device: TotpDevice;
    recoveryCodes: string[];
    /** A session opened before MFA was on: it has no MFA verification, like one older than
     * five minutes, so sensitive actions in it need the step-up dialog. */
    staleSession: { refreshToken: string; refreshExpiresAtMs: number };
  };
  trader: { email: string; password: string };
}

async function call<T>(baseUrl: string, path: string, body: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  const answer = await fetch(`${baseUrl}/api/v1${path}`, {
    method: "POST",
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`POST ${path} answered ${answer.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function seedAccounts(
  baseUrl: string,
  admin: { email: string; password: string },
): Promise<SeededAccounts> {
  const login = await call<{
    tokens: { access_token: string; refresh_token: string; refresh_expires_at: string } | null;
  }>(baseUrl, "/auth/login", admin);
  if (login.tokens === null) throw new Error("the new admin unexpectedly has MFA already");
  const access = login.tokens.access_token;
  const enrolment = await call<{ secret: string }>(baseUrl, "/auth/mfa/enrol", undefined, access);
  const device = new TotpDevice(enrolment.secret);
  const activation = await call<{ recovery_codes: string[]; access_token: string }>(
    baseUrl,
    "/auth/mfa/verify",
    { code: device.nextCode() },
    access,
  );
  const trader = { email: "trader@example.com", password: "Staple-lantern-e2e-77" };
  await call(baseUrl, "/users", { ...trader, role: "trader" }, activation.access_token);
  const staleSession = {
    refreshToken: login.tokens.refresh_token,
    refreshExpiresAtMs: Date.parse(login.tokens.refresh_expires_at),
  };
  return { admin: { ...admin, device, recoveryCodes: activation.recovery_codes, staleSession }, trader };
}
