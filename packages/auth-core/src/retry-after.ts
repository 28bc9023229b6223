/**
 * How long a vendor asked us to wait, in ms: `Retry-After` as seconds or an HTTP date
 * (RFC 9110 §10.2.3), else `x-ratelimit-reset` as unix seconds (Asset's rate-limit header).
 *
 * `x-ratelimit-reset` is the end of the current quota window and Asset sends it on every answer,
 * so it is a wait only when the quota is the problem: a 429, or `x-ratelimit-remaining: 0`. A
 * 503 with quota left backs off normally instead of idling until the window ends.
 */
export function retryAfterMs(headers: Headers, now: number, status?: number): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    // Every HTTP-date form starts with a day name. V8's Date.parse reads "-5" or "1.5" as dates
    // in 2001, which would turn a malformed header into "retry now".
    const date = /^[A-Za-z]/.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const quotaExhausted = status === 429 || headers.get("x-ratelimit-remaining")?.trim() === "0";
  const reset = quotaExhausted ? headers.get("x-ratelimit-reset")?.trim() : undefined;
  if (reset && /^\d+(\.\d+)?$/.test(reset))
    return Math.max(0, Math.ceil(Number(reset) * 1000 - now));
  return undefined;
}
