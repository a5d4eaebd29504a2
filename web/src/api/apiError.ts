/**
 * The API's error body (`ErrorBody`: code, one-sentence message, hint, request id) as an
 * Error the UI can show as is: forms display `message` and `hint` exactly as the server
 * wrote them.
 */
import type { Schemas } from "./client";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string;
  readonly requestId: string;
  readonly details: ReadonlyArray<Record<string, string>>;

  constructor(status: number, body: Schemas["ErrorBody"]) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.hint = body.hint ?? "";
    this.requestId = body.request_id ?? "";
    this.details = body.details ?? [];
  }
}

function isErrorBody(value: unknown): value is Schemas["ErrorBody"] {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record["code"] === "string" && typeof record["message"] === "string";
}

/** The error of a failed call; a body that is not the API's shape still gets a sentence. */
export function toApiError(response: Response, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(response.status, body);
  return new ApiError(response.status, {
    code: "http_error",
    message: `the server answered ${response.status} ${response.statusText}`.trim(),
    hint: "try again; if it keeps failing, check that the XOR server is running",
    request_id: "",
  });
}

interface CallResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of an openapi-fetch call, or the ApiError it failed with. */
export async function unwrap<T>(call: Promise<CallResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw toApiError(response, error);
  return data as T;
}
