import { describe, expect, it } from "vitest";
import { retryAfterMs } from "./retry-after.js";

const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);

describe("retryAfterMs", () => {
  it("reads Retry-After in seconds", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "7" }), NOW)).toBe(7000);
    expect(retryAfterMs(new Headers({ "retry-after": " 120 " }), NOW)).toBe(120_000);
    expect(retryAfterMs(new Headers({ "retry-after": "0" }), NOW)).toBe(0);
  });

  it("reads Retry-After as an HTTP date against the injected clock", () => {
    const at = new Date(NOW + 30_000).toUTCString();
    expect(retryAfterMs(new Headers({ "retry-after": at }), NOW)).toBe(30_000);
  });

  it("reads the obsolete HTTP-date forms too", () => {
    const at = NOW + 90_000;
    const asctime = "Fri May  1 12:01:30 2026";
    const rfc850 = "Friday, 01-May-26 12:01:30 GMT";
    expect(retryAfterMs(new Headers({ "retry-after": rfc850 }), NOW)).toBe(at - NOW);
    expect(Date.parse(asctime)).not.toBeNaN();
    expect(retryAfterMs(new Headers({ "retry-after": asctime }), NOW)).toBe(
      Date.parse(asctime) - NOW,
    );
  });

  it("never returns a negative wait for a date in the past", () => {
    const at = new Date(NOW - 60_000).toUTCString();
    expect(retryAfterMs(new Headers({ "retry-after": at }), NOW)).toBe(0);
  });

  it("reads x-ratelimit-reset (on a 429) as unix seconds, fractional included", () => {
    expect(
      retryAfterMs(new Headers({ "x-ratelimit-reset": String(NOW / 1000 + 12) }), NOW, 429),
    ).toBe(12_000);
    expect(
      retryAfterMs(new Headers({ "x-ratelimit-reset": String(NOW / 1000 + 1.5) }), NOW, 429),
    ).toBe(1500);
    expect(
      retryAfterMs(new Headers({ "x-ratelimit-reset": String(NOW / 1000 - 5) }), NOW, 429),
    ).toBe(0);
  });

  it("prefers Retry-After over x-ratelimit-reset", () => {
    const headers = new Headers({
      "retry-after": "3",
      "x-ratelimit-reset": String(NOW / 1000 + 60),
    });
    expect(retryAfterMs(headers, NOW, 429)).toBe(3000);
  });

  it("falls back to x-ratelimit-reset when Retry-After is unreadable", () => {
    const headers = new Headers({
      "retry-after": "soon",
      "x-ratelimit-reset": String(NOW / 1000 + 4),
    });
    expect(retryAfterMs(headers, NOW, 429)).toBe(4000);
  });

  it("is undefined without a usable header", () => {
    expect(retryAfterMs(new Headers(), NOW)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }), NOW)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "-5" }), NOW)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "1.5" }), NOW)).toBeUndefined();
    expect(retryAfterMs(new Headers({ "x-ratelimit-reset": "tomorrow" }), NOW)).toBeUndefined();
  });

  it("reads x-ratelimit-reset only when the quota is the problem", () => {
    const reset = String(NOW / 1000 + 40);
    // Asset sends the window's end on every answer: a 503 with quota left is no reason to idle.
    expect(retryAfterMs(new Headers({ "x-ratelimit-reset": reset }), NOW, 503)).toBeUndefined();
    expect(
      retryAfterMs(
        new Headers({ "x-ratelimit-reset": reset, "x-ratelimit-remaining": "12" }),
        NOW,
        503,
      ),
    ).toBeUndefined();
    expect(
      retryAfterMs(
        new Headers({ "x-ratelimit-reset": reset, "x-ratelimit-remaining": "0" }),
        NOW,
        503,
      ),
    ).toBe(40_000);
    expect(retryAfterMs(new Headers({ "x-ratelimit-reset": reset }), NOW, 429)).toBe(40_000);
  });
});
