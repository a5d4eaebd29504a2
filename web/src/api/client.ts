/**
 * The typed API client: openapi-fetch over the types generated from docs/openapi.json
 * (`npm run generate:api`; `npm run check:api` fails when they drift). Every call of the
 * dashboard goes through a client made here, whose fetch is the auth layer's.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type FetchLike = (request: Request) => Promise<Response>;

/** A client for the API at `baseUrl` (empty: the page's own origin). */
export function createApiClient(fetchImpl: FetchLike, baseUrl = "") {
  return createClient<paths>({ baseUrl, fetch: fetchImpl });
}

export type ApiClient = ReturnType<typeof createApiClient>;
