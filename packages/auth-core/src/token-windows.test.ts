import { describe, expect, it } from "vitest";
import { HOUR, MINUTE, SECOND, T0 } from "./test-server.test-helper.js";
import {
  DEFAULT_EXPIRY_SKEW_FRACTION,
  DEFAULT_REFRESH_WINDOW_FRACTION,
  MAX_DEFAULT_EXPIRY_SKEW_MS,
  MAX_DEFAULT_REFRESH_WINDOW_MS,
  tokenWindows,
} from "./token-windows.js";

const DEFAULTS = { refreshWindowMs: undefined, expirySkewMs: undefined };

/** The windows of a token obtained at T0 that lives `lifetimeMs`. */
function windowsOf(
  lifetimeMs: number,
  options: { refreshWindowMs?: number; expirySkewMs?: number } = {},
) {
  return tokenWindows({ obtainedAt: T0, expiresAt: T0 + lifetimeMs }, { ...DEFAULTS, ...options });
}

describe("tokenWindows: defaults", () => {
  it("are min(5 min, lifetime/3) and min(30 s, lifetime/10)", () => {
    expect(MAX_DEFAULT_REFRESH_WINDOW_MS).toBe(5 * MINUTE);
    expect(MAX_DEFAULT_EXPIRY_SKEW_MS).toBe(30 * SECOND);
    expect(DEFAULT_REFRESH_WINDOW_FRACTION).toBeCloseTo(1 / 3);
    expect(DEFAULT_EXPIRY_SKEW_FRACTION).toBeCloseTo(1 / 10);
  });

  it("1-hour token: refresh from 55 min, usable until 59:30", () => {
    expect(windowsOf(HOUR)).toEqual({
      refreshAt: T0 + 55 * MINUTE,
      usableUntil: T0 + HOUR - 30 * SECOND,
    });
  });

  it("15-minute token: refresh from 10 min (lifetime/3 = 5 min), usable until 14:30", () => {
    expect(windowsOf(15 * MINUTE)).toEqual({
      refreshAt: T0 + 10 * MINUTE,
      usableUntil: T0 + 15 * MINUTE - 30 * SECOND,
    });
  });

  it("60-second token: refresh from 40 s (lifetime/3), usable until 54 s (lifetime/10)", () => {
    expect(windowsOf(60 * SECOND)).toEqual({
      refreshAt: T0 + 40 * SECOND,
      usableUntil: T0 + 54 * SECOND,
    });
  });

  it("6-minute token: the window is capped by lifetime/3, the skew by 30 s", () => {
    // lifetime/3 = 2 min < 5 min; lifetime/10 = 36 s > 30 s.
    expect(windowsOf(6 * MINUTE)).toEqual({
      refreshAt: T0 + 4 * MINUTE,
      usableUntil: T0 + 6 * MINUTE - 30 * SECOND,
    });
  });

  it("a day-long token still refreshes only 5 min early and is usable until 30 s before", () => {
    expect(windowsOf(24 * HOUR)).toEqual({
      refreshAt: T0 + 24 * HOUR - 5 * MINUTE,
      usableUntil: T0 + 24 * HOUR - 30 * SECOND,
    });
  });

  it("0-lifetime token: both moments are its expiry (never served, no negative windows)", () => {
    expect(windowsOf(0)).toEqual({ refreshAt: T0, usableUntil: T0 });
  });

  it("a token whose expiry is before obtainedAt counts as 0 lifetime", () => {
    expect(windowsOf(-MINUTE)).toEqual({ refreshAt: T0 - MINUTE, usableUntil: T0 - MINUTE });
  });

  it("refreshAt is never after usableUntil, whatever the lifetime", () => {
    for (const lifetime of [1, 10, 999, SECOND, 7 * SECOND, MINUTE, 17 * MINUTE, HOUR, 90 * HOUR]) {
      const { refreshAt, usableUntil } = windowsOf(lifetime);
      expect(refreshAt).toBeLessThanOrEqual(usableUntil);
      expect(usableUntil).toBeLessThanOrEqual(T0 + lifetime);
      expect(refreshAt).toBeGreaterThanOrEqual(T0);
    }
  });
});

describe("tokenWindows: explicit values", () => {
  it("replace the defaults", () => {
    expect(windowsOf(HOUR, { refreshWindowMs: 20 * MINUTE, expirySkewMs: 2 * MINUTE })).toEqual({
      refreshAt: T0 + 40 * MINUTE,
      usableUntil: T0 + 58 * MINUTE,
    });
  });

  it("are not capped by the lifetime fractions", () => {
    expect(
      windowsOf(60 * SECOND, { refreshWindowMs: 50 * SECOND, expirySkewMs: 20 * SECOND }),
    ).toEqual({
      refreshAt: T0 + 10 * SECOND,
      usableUntil: T0 + 40 * SECOND,
    });
  });

  it("a window as long as the token's life still lets a tenth of it pass before the refresh", () => {
    for (const refreshWindowMs of [60 * SECOND, 5 * MINUTE, HOUR]) {
      expect(windowsOf(60 * SECOND, { refreshWindowMs }).refreshAt).toBe(T0 + 6 * SECOND);
    }
  });

  it("one explicit value leaves the other at its default", () => {
    expect(windowsOf(HOUR, { refreshWindowMs: 10 * MINUTE })).toEqual({
      refreshAt: T0 + 50 * MINUTE,
      usableUntil: T0 + HOUR - 30 * SECOND,
    });
    expect(windowsOf(HOUR, { expirySkewMs: 10 * SECOND })).toEqual({
      refreshAt: T0 + 55 * MINUTE,
      usableUntil: T0 + HOUR - 10 * SECOND,
    });
  });

  it("refreshWindowMs: 0 means no refresh ahead: refresh only when the token is unusable", () => {
    expect(windowsOf(HOUR, { refreshWindowMs: 0 })).toEqual({
      refreshAt: T0 + HOUR - 30 * SECOND,
      usableUntil: T0 + HOUR - 30 * SECOND,
    });
  });

  it("expirySkewMs: 0 means usable until expiresAt", () => {
    expect(windowsOf(HOUR, { expirySkewMs: 0 })).toEqual({
      refreshAt: T0 + 55 * MINUTE,
      usableUntil: T0 + HOUR,
    });
  });

  it("both 0: the token is served right up to its expiry and refreshed only then", () => {
    expect(windowsOf(HOUR, { refreshWindowMs: 0, expirySkewMs: 0 })).toEqual({
      refreshAt: T0 + HOUR,
      usableUntil: T0 + HOUR,
    });
  });

  it("a window shorter than the skew refreshes when the token becomes unusable", () => {
    expect(windowsOf(HOUR, { refreshWindowMs: 10 * SECOND, expirySkewMs: MINUTE })).toEqual({
      refreshAt: T0 + HOUR - MINUTE,
      usableUntil: T0 + HOUR - MINUTE,
    });
    // Against the default skew of 30 s too.
    expect(windowsOf(HOUR, { refreshWindowMs: 10 * SECOND })).toEqual({
      refreshAt: T0 + HOUR - 30 * SECOND,
      usableUntil: T0 + HOUR - 30 * SECOND,
    });
  });

  it("a window equal to the skew is the same moment", () => {
    expect(windowsOf(HOUR, { refreshWindowMs: MINUTE, expirySkewMs: MINUTE })).toEqual({
      refreshAt: T0 + HOUR - MINUTE,
      usableUntil: T0 + HOUR - MINUTE,
    });
  });
});
