/**
 * How long a vendor asked us to wait, in ms: `Retry-After` as seconds or an HTTP date
 * (RFC 9110 §10.2.3), else `x-ratelimit-reset` as unix seconds (Asset's rate-limit header).
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    // Every HTTP-date form starts with a day name. V8's Date.parse reads "-5" or "1.5" as dates
    // in 2001, which would turn a malformed header into "retry now".
    const date = /^[A-Za-z]/.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset))
    return Math.max(0, Math.ceil(Number(reset) * 1000 - now));
  return undefined;
}
