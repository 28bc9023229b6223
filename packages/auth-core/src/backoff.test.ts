import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS, backoffDelay } from "./backoff.js";

const one = () => 1;
const zero = () => 0;

describe("backoffDelay", () => {
  it("starts at 250 ms and is capped at 10 s", () => {
    expect(RETRY_BASE_DELAY_MS).toBe(250);
    expect(RETRY_MAX_DELAY_MS).toBe(10_000);
  });

  it("with random → 1 the ceiling doubles per failure: 250, 500, 1 s, … capped at 10 s", () => {
    const schedule = Array.from({ length: 10 }, (_, i) => backoffDelay(i + 1, one));
    expect(schedule).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
  });

  it("with random → 0 there is no wait at all", () => {
    for (let failures = 1; failures <= 12; failures += 1) {
      expect(backoffDelay(failures, zero)).toBe(0);
    }
  });

  it("full jitter: random scales the whole ceiling, rounded down to whole ms", () => {
    expect(backoffDelay(1, () => 0.5)).toBe(125);
    expect(backoffDelay(3, () => 0.25)).toBe(250);
    expect(backoffDelay(1, () => 0.999)).toBe(249);
    expect(backoffDelay(20, () => 0.5)).toBe(5000);
  });

  it("treats 0 or negative failures like the first", () => {
    expect(backoffDelay(0, one)).toBe(250);
    expect(backoffDelay(-3, one)).toBe(250);
  });

  it("does not overflow for huge failure counts", () => {
    expect(backoffDelay(10_000, one)).toBe(10_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, one)).toBe(10_000);
  });

  it("asks random once per delay", () => {
    let calls = 0;
    backoffDelay(3, () => {
      calls += 1;
      return 0.3;
    });
    expect(calls).toBe(1);
  });

  it("property: a whole number in [0, min(cap, base·2^(n-1))], monotone in random", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, r1, r2) => {
          const ceiling = Math.min(10_000, 250 * 2 ** (failures - 1));
          const d1 = backoffDelay(failures, () => r1);
          const d2 = backoffDelay(failures, () => r2);
          expect(Number.isInteger(d1)).toBe(true);
          expect(d1).toBeGreaterThanOrEqual(0);
          expect(d1).toBeLessThan(ceiling);
          if (r1 <= r2) expect(d1).toBeLessThanOrEqual(d2);
        },
      ),
    );
  });
});
