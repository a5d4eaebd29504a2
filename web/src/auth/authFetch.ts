/**
 * The auth layer: one fetch middleware that every API call goes through.
 *
 * * Adds `Authorization: Bearer <access token>` to every call except the public auth
 *   routes (login, MFA login, refresh, register).
 * * Refresh token rotation: before a call whose access token expires within
 *   `refreshMarginMs`, and after a 401, it exchanges the refresh token for a new pair
 *   (POST /api/v1/auth/refresh) and retries the call once. The server retires each
 *   refresh token on use and ends the whole session if a retired one comes back, so
 *   refreshes are single-flight: callers that need one while one runs wait for it, and
 *   a 401 answered to a token that has since been replaced is retried with the new token
 *   without refreshing again.
 * * When the refresh is refused (401), the session is over: the tokens are cleared and
 *   `onSessionEnded` runs (the app shows the login page). The caller gets the 401.
 */
import type { FetchLike } from "../api/client";
import type { TokenStore } from "./tokenStore";

export const REFRESH_PATH = "/api/v1/auth/refresh";
const PUBLIC_PATHS = new Set([
  "/api/v1/auth/login",
  "/api/v1/auth/login/mfa",
  "/api/v1/auth/register",
  REFRESH_PATH,
]);

export interface AuthFetchOptions {
  fetch: FetchLike;
  tokens: TokenStore;
  /** Epoch milliseconds; injected so tests control expiry. */
  now: () => number;
  /** Renew the access token this long before it expires (default 30 s). */
  refreshMarginMs?: number;
  onSessionEnded?: () => void;
}

export interface AuthFetch extends FetchLike {
  /** Renew the access token now (single-flight); false when the session is over. */
  refresh(origin: string): Promise<boolean>;
}

type RefreshOutcome = "renewed" | "refused" | "failed";

export function createAuthFetch(options: AuthFetchOptions): AuthFetch {
  const { tokens, now } = options;
  const margin = options.refreshMarginMs ?? 30_000;
  let inflight: Promise<RefreshOutcome> | null = null;

  async function exchange(origin: string, refreshToken: string): Promise<RefreshOutcome> {
    let response: Response;
    try {
      response = await options.fetch(
        new Request(new URL(REFRESH_PATH, origin), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ refresh_token: refreshToken }),
        }),
      );
    } catch {
      return "failed"; // network down: keep the session, the caller sees its own error
    }
    if (response.ok) {
      tokens.setPair((await response.json()) as Parameters<TokenStore["setPair"]>[0]);
      return "renewed";
    }
    if (response.status === 401 || response.status === 403) {
      tokens.clear();
      options.onSessionEnded?.();
      return "refused";
    }
    return "failed"; // 429 or 5xx: the refresh token was not used up; try again later
  }

  function refreshOnce(origin: string): Promise<RefreshOutcome> {
    const refreshToken = tokens.refresh;
    if (refreshToken === null) return Promise.resolve("refused");
    if (inflight === null) {
      inflight = exchange(origin, refreshToken).finally(() => {
        inflight = null;
      });
    }
    return inflight;
  }

  function withToken(request: Request, token: string | null): Request {
    const copy = new Request(request);
    if (token !== null) copy.headers.set("authorization", `Bearer ${token}`);
    return copy;
  }

  const authFetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (PUBLIC_PATHS.has(url.pathname)) return options.fetch(request);
    // Keep an unread copy: the body of the first attempt is consumed by sending it.
    const retryCopy = request.clone();
    const expiring = tokens.access === null || tokens.accessExpiresAt - now() <= margin;
    if (expiring && tokens.hasSession) await refreshOnce(url.origin);
    const sentWith = tokens.access;
    const response = await options.fetch(withToken(request, sentWith));
    if (response.status !== 401 || !tokens.hasSession) return response;
    if (tokens.access === sentWith) {
      const outcome = await refreshOnce(url.origin);
      if (outcome !== "renewed") return response;
    }
    return options.fetch(withToken(retryCopy, tokens.access));
  };

  return Object.assign(authFetch, {
    refresh: async (origin: string) => (await refreshOnce(origin)) === "renewed",
  });
}
