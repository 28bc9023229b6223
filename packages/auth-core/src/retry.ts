import { backoffDelay } from "./backoff.js";
import { TokenRequestError } from "./errors.js";

/**
 * A vendor's `Retry-After` longer than this is not waited for: the error goes to the caller,
 * with `retryAfterMs` set, rather than holding every waiting caller for minutes.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/** How {@link withRetries} waits and reports. */
export interface RetryPolicy {
  /** Extra attempts after the first. */
  readonly retries: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onRetry: (retry: {
    attempt: number;
    delayMs: number;
    status: number | undefined;
  }) => void;
}

/**
 * Runs `attempt(1)`, then again on failures worth retrying: network errors and timeouts, 408,
 * 429 and 5xx. Other 4xx (bad credentials) and unusable 2xx bodies fail at once. Waits honour
 * `Retry-After` / `x-ratelimit-reset`, else back off exponentially with full jitter.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n > policy.retries || !isRetryable(error)) throw error;
      const delayMs = retryDelay(error, n, policy.random);
      if (delayMs === undefined) throw error;
      policy.onRetry({ attempt: n, delayMs, status: error.status });
      await policy.sleep(delayMs);
    }
  }
}

/** Worth another attempt: the vendor could not answer, or said "later". */
export function isRetryable(error: unknown): error is TokenRequestError {
  if (!(error instanceof TokenRequestError)) return false;
  const { status } = error;
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

function retryDelay(
  error: TokenRequestError,
  failures: number,
  random: () => number,
): number | undefined {
  if (error.retryAfterMs === undefined) return backoffDelay(failures, random);
  return error.retryAfterMs <= MAX_RETRY_AFTER_MS ? error.retryAfterMs : undefined;
}
