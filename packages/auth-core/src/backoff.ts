/** First retry waits up to this long (full jitter: anywhere from 0 to it). */
export const RETRY_BASE_DELAY_MS = 250;
/** No single wait between attempts is longer than this. */
export const RETRY_MAX_DELAY_MS = 10_000;

/** The longest wait after `failures` failures in a row: `min(max, base · 2^(n-1))`. */
export function backoffCeiling(failures: number): number {
  return Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** Math.max(0, failures - 1));
}

/**
 * Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog,
 * 2015): a uniformly random wait in `[0, backoffCeiling(failures)]`. Full jitter spreads the
 * retries of many clients that failed at the same moment, so they do not return in lockstep.
 */
export function backoffDelay(failures: number, random: () => number): number {
  return Math.floor(random() * backoffCeiling(failures));
}
