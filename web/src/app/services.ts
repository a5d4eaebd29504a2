/**
 * The process-wide parts of the dashboard, built once at start-up and handed to React
 * through context (app/ServicesContext.tsx): the token store, the auth fetch middleware,
 * the typed API client, the WebSocket stream client and the TanStack Query cache.
 */
import { QueryClient } from "@tanstack/react-query";
import { type ApiClient, createApiClient } from "../api/client";
import { ApiError } from "../api/apiError";
import { type AuthFetch, createAuthFetch } from "../auth/authFetch";
import { type KeyValueStorage, MemoryStorage, TokenStore } from "../auth/tokenStore";
import { browserSocket } from "../stream/browserSocket";
import { StreamClient } from "../stream/streamClient";

export interface AppServices {
  tokens: TokenStore;
  authFetch: AuthFetch;
  api: ApiClient;
  stream: StreamClient;
  queryClient: QueryClient;
}

function sessionStorageOrMemory(): KeyValueStorage {
  try {
    window.sessionStorage.setItem("xor.probe", "1");
    window.sessionStorage.removeItem("xor.probe");
    return window.sessionStorage;
  } catch {
    return new MemoryStorage(); // private mode: the session lasts until the tab reloads
  }
}

export function createAppServices(): AppServices {
  const tokens = new TokenStore(sessionStorageOrMemory());
  const origin = window.location.origin;
  const authFetch = createAuthFetch({
    fetch: (request) => window.fetch(request),
    tokens,
    now: () => Date.now(),
  });
  const api = createApiClient(authFetch, origin);
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const stream = new StreamClient({
    url: `${scheme}://${window.location.host}/api/v1/stream`,
    createSocket: browserSocket,
    getToken: () => tokens.access,
    renewToken: () => authFetch.refresh(origin),
  });
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Retry network trouble, not refusals: a 4xx will not change by asking again.
        retry: (failures, error) =>
          failures < 2 && !(error instanceof ApiError && error.status < 500 && error.status !== 429),
      },
    },
  });
  let lastAccess = tokens.access;
  tokens.subscribe(() => {
    if (!tokens.hasSession) {
      stream.stop();
      queryClient.clear();
    } else if (tokens.access !== lastAccess) {
      stream.reauthenticate();
    }
    lastAccess = tokens.access;
  });
  return { tokens, authFetch, api, stream, queryClient };
}
