/**
 * Reconnect delays of the stream: exponential with "equal jitter". The ceiling doubles per
 * failed attempt from `baseMs` up to `maxMs`; the delay is half the ceiling plus a random
 * share of the other half, so clients dropped together (a server restart) do not all come
 * back in the same instant, and none retries sooner than half the ceiling.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const STREAM_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** Milliseconds to wait before reconnect attempt `attempt` (0 = the first retry). */
export function backoffDelayMs(
  attempt: number,
  random: () => number = Math.random,
  policy: BackoffPolicy = STREAM_BACKOFF,
): number {
  const exponent = Math.min(Math.max(attempt, 0), 30); // 2**30 already exceeds any ceiling
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}
