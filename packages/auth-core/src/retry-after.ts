/**
 * How long a vendor asked us to wait, in ms: `Retry-After` as seconds or an HTTP date
 * (RFC 9110 §10.2.3), else `x-ratelimit-reset` as unix seconds (Asset's rate-limit header).
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset))
    return Math.max(0, Math.ceil(Number(reset) * 1000 - now));
  return undefined;
}
