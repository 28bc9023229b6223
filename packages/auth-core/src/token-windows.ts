import type { AccessToken } from "./access-token.js";

/**
 * How early a token is refreshed in the background, at most. Five minutes is what Azure's
 * bearer-token policy and MSAL use; it leaves room for several failed attempts with backoff
 * before the token is actually needed.
 */
export const MAX_DEFAULT_REFRESH_WINDOW_MS = 5 * 60_000;
/**
 * Short-lived tokens refresh after two thirds of their life at the latest (`lifetime / 3`), so a
 * 15-minute KlearStack token is refreshed at 10 minutes, as KlearStack's docs ask.
 */
export const DEFAULT_REFRESH_WINDOW_FRACTION = 1 / 3;
/**
 * A token this close to its expiry is never handed out: it could expire in flight or on a
 * server whose clock is ahead. 30 s covers typical clock skew and request latency.
 */
export const MAX_DEFAULT_EXPIRY_SKEW_MS = 30_000;
/** Short-lived tokens keep 90 % of their life usable (`lifetime / 10`). */
export const DEFAULT_EXPIRY_SKEW_FRACTION = 1 / 10;
/**
 * No refresh starts in the first tenth of a token's life, whatever `refreshWindowMs` says: a
 * window as long as the lifetime would make every new token due at once, and every call would
 * start another request.
 */
export const EARLIEST_REFRESH_FRACTION = 1 / 10;

/** The two moments in a token's life that the provider acts on, epoch ms. */
export interface TokenWindows {
  /** From here on, callers still get the token at once, and one background refresh starts. */
  readonly refreshAt: number;
  /** From here on, the token is never handed out: callers wait for a new one. */
  readonly usableUntil: number;
}

/** The windows of a token under the provider's options (`undefined` means the default). */
export function tokenWindows(
  token: Pick<AccessToken, "expiresAt" | "obtainedAt">,
  options: {
    readonly refreshWindowMs: number | undefined;
    readonly expirySkewMs: number | undefined;
  },
): TokenWindows {
  const lifetime = Math.max(0, token.expiresAt - token.obtainedAt);
  const skew =
    options.expirySkewMs ??
    Math.min(MAX_DEFAULT_EXPIRY_SKEW_MS, lifetime * DEFAULT_EXPIRY_SKEW_FRACTION);
  const window =
    options.refreshWindowMs ??
    Math.min(MAX_DEFAULT_REFRESH_WINDOW_MS, lifetime * DEFAULT_REFRESH_WINDOW_FRACTION);
  const usableUntil = token.expiresAt - skew;
  const earliest = token.obtainedAt + lifetime * EARLIEST_REFRESH_FRACTION;
  // A refresh window shorter than the skew would never be seen: refresh when the token stops
  // being usable.
  return {
    refreshAt: Math.min(Math.max(token.expiresAt - window, earliest), usableUntil),
    usableUntil,
  };
}
