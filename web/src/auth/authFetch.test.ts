import { describe, expect, it } from "vitest";
import { createAuthFetch, REFRESH_PATH } from "./authFetch";
import { MemoryStorage, TokenStore } from "./tokenStore";

const ORIGIN = "http://xor.test";
const T0 = Date.parse("2025-06-01T12:00:00Z");

function pair(access: string, refresh: string, accessExpiresAtMs = T0 + 15 * 60_000) {
  return {
    access_token: access,
    access_expires_at: new Date(accessExpiresAtMs).toISOString(),
    refresh_token: refresh,
    refresh_expires_at: new Date(T0 + 86_400_000).toISOString(),
    token_type: "bearer",
  };
}

interface Seen {
  path: string;
  authorization: string | null;
  body: string;
}

/** A scripted server: `answer` decides each response; every request is recorded. */
function fakeServer(answer: (seen: Seen, n: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const entry = {
      path: new URL(request.url).pathname,
      authorization: request.headers.get("authorization"),
      body: await request.text(),
    };
    seen.push(entry);
    return answer(entry, seen.length);
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function setup(answer: Parameters<typeof fakeServer>[0], clock = { now: T0 }) {
  const tokens = new TokenStore(new MemoryStorage());
  tokens.setPair(pair("a1", "r1"));
  const server = fakeServer(answer);
  let ended = 0;
  const authFetch = createAuthFetch({
    fetch: server.fetch,
    tokens,
    now: () => clock.now,
    onSessionEnded: () => {
      ended += 1;
    },
  });
  return { tokens, server, authFetch, ended: () => ended };
}

describe("createAuthFetch", () => {
  it("test_auth_fetch_valid_token_adds_bearer_header", async () => {
    const { server, authFetch } = setup(() => json(200, { ok: true }));
    const response = await authFetch(new Request(`${ORIGIN}/api/v1/bots`));
    expect(response.status).toBe(200);
    expect(server.seen).toEqual([{ path: "/api/v1/bots", authorization: "Bearer a1", body: "" }]);
  });

  it("test_auth_fetch_public_login_route_sends_no_token", async () => {
    const { server, authFetch } = setup(() => json(200, { mfa_required: false }));
    await authFetch(new Request(`${ORIGIN}/api/v1/auth/login`, { method: "POST", body: "{}" }));
    expect(server.seen[0]?.authorization).toBeNull();
  });

  it("test_auth_fetch_401_refreshes_once_and_retries_with_body", async () => {
    const { server, authFetch, tokens } = setup(({ path, authorization }) => {
      if (path === REFRESH_PATH) return json(200, pair("a2", "r2"));
      return authorization === "Bearer a2" ? json(201, { id: "b1" }) : json(401, {});
    });
    const response = await authFetch(
      new Request(`${ORIGIN}/api/v1/bots`, { method: "POST", body: '{"name":"x"}' }),
    );
    expect(response.status).toBe(201);
    expect(server.seen).toEqual([
      { path: "/api/v1/bots", authorization: "Bearer a1", body: '{"name":"x"}' },
      { path: REFRESH_PATH, authorization: null, body: '{"refresh_token":"r1"}' },
      { path: "/api/v1/bots", authorization: "Bearer a2", body: '{"name":"x"}' },
    ]);
    expect(tokens.refresh).toBe("r2");
  });

  it("test_auth_fetch_concurrent_401s_share_one_refresh", async () => {
    let refreshes = 0;
    const { server, authFetch } = setup(async ({ path, authorization }) => {
      if (path === REFRESH_PATH) {
        refreshes += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return json(200, pair("a2", "r2"));
      }
      return authorization === "Bearer a2" ? json(200, {}) : json(401, {});
    });
    const statuses = await Promise.all(
      ["/api/v1/bots", "/api/v1/positions", "/api/v1/auth/me"].map(async (path) => {
        return (await authFetch(new Request(`${ORIGIN}${path}`))).status;
      }),
    );
    expect(statuses).toEqual([200, 200, 200]);
    expect(refreshes).toBe(1);
    // The retired refresh token r1 was presented exactly once.
    expect(server.seen.filter((s) => s.body.includes('"r1"'))).toHaveLength(1);
  });

  it("test_auth_fetch_401_after_another_refresh_retries_without_refreshing", async () => {
    const setupResult = setup(({ path, authorization }) => {
      if (path === REFRESH_PATH) throw new Error("must not refresh again");
      if (authorization === "Bearer a1") {
        // Another call renewed the pair while this one was in flight.
        setupResult.tokens.setPair(pair("a2", "r2"));
        return json(401, {});
      }
      return json(200, {});
    });
    const response = await setupResult.authFetch(new Request(`${ORIGIN}/api/v1/bots`));
    expect(response.status).toBe(200);
    expect(setupResult.server.seen.map((s) => s.authorization)).toEqual(["Bearer a1", "Bearer a2"]);
  });

  it("test_auth_fetch_expiring_token_refreshes_before_sending", async () => {
    const clock = { now: T0 + 15 * 60_000 - 10_000 }; // 10 s left, margin is 30 s
    const { server, authFetch } = setup(({ path }) => {
      return path === REFRESH_PATH ? json(200, pair("a2", "r2")) : json(200, {});
    }, clock);
    await authFetch(new Request(`${ORIGIN}/api/v1/bots`));
    expect(server.seen.map((s) => `${s.path} ${s.authorization}`)).toEqual([
      `${REFRESH_PATH} null`,
      "/api/v1/bots Bearer a2",
    ]);
  });

  it("test_auth_fetch_refused_refresh_clears_tokens_and_ends_session", async () => {
    const { authFetch, tokens, ended, server } = setup(({ path }) => {
      return path === REFRESH_PATH
        ? json(401, { code: "unauthenticated", message: "the session ended" })
        : json(401, { code: "unauthenticated", message: "the access token expired" });
    });
    const response = await authFetch(new Request(`${ORIGIN}/api/v1/bots`));
    expect(response.status).toBe(401);
    expect(tokens.access).toBeNull();
    expect(tokens.refresh).toBeNull();
    expect(ended()).toBe(1);
    expect(server.seen).toHaveLength(2);
  });

  it("test_auth_fetch_refresh_rate_limited_keeps_session", async () => {
    const { authFetch, tokens, ended } = setup(({ path }) => {
      return path === REFRESH_PATH ? json(429, { code: "rate_limited", message: "x" }) : json(401, {});
    });
    const response = await authFetch(new Request(`${ORIGIN}/api/v1/bots`));
    expect(response.status).toBe(401);
    expect(tokens.refresh).toBe("r1");
    expect(ended()).toBe(0);
  });
});
