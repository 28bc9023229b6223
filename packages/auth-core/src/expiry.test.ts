import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  normalizeExpiry,
  type ExpiryEncoding,
  type ExpiryInput,
  type ExpiryResult,
  type ExpiryRule,
} from "./expiry.js";

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** 2026-05-01T00:00:00Z */
const NOW = Date.UTC(2026, 4, 1);
const HOUR = 3_600_000;
const DEFAULT_MS = HOUR;
const MAX_MS = 24 * HOUR;
/** Asset's real-world `expires_in` that actually carries an absolute epoch-seconds time. */
const ASSET_EXPIRES = 1_777_657_168; // 2026-05-01T17:39:28Z

function base64url(text: string): string {
  const binary = Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join("");
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function jwt(payload: Record<string, unknown>): string {
  return `${base64url('{"alg":"RS256","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}.sig`;
}

function input(
  rules: readonly ExpiryRule[],
  response: unknown,
  credentials: Record<string, unknown> = {},
): ExpiryInput {
  return {
    rules,
    response,
    credentials,
    now: NOW,
    defaultLifetimeMs: DEFAULT_MS,
    maxLifetimeMs: MAX_MS,
  };
}

const rule = (from: string, as: ExpiryEncoding): ExpiryRule => ({ from, as });

/** Compact view of a result for the table: which rule decided, and when. */
type Summary =
  { expiresAt: number; rule: number | "default"; clamped: boolean } | "expired-on-arrival";

function summarize(result: ExpiryResult): Summary {
  if (!result.ok) return result.reason;
  const source = result.source === "default" ? "default" : result.source.rule;
  return { expiresAt: result.expiresAt, rule: source, clamped: result.clamped };
}

const at = (expiresAt: number, ruleIndex = 0): Summary => ({
  expiresAt,
  rule: ruleIndex,
  clamped: false,
});
const DEFAULT: Summary = { expiresAt: NOW + DEFAULT_MS, rule: "default", clamped: false };
const CLAMPED: Summary = { expiresAt: NOW + MAX_MS, rule: 0, clamped: true };
const EXPIRED: Summary = "expired-on-arrival";

// ---------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------

const single = (as: ExpiryEncoding) => [rule("/v", as)];

const cases: ReadonlyArray<
  [label: string, rules: readonly ExpiryRule[], response: unknown, expected: Summary]
> = [
  // relative seconds
  ["seconds: number", single("seconds"), { v: 3600 }, at(NOW + HOUR)],
  ["seconds: numeric string", single("seconds"), { v: "3600" }, at(NOW + HOUR)],
  ["seconds: numeric string with whitespace", single("seconds"), { v: " 3600 " }, at(NOW + HOUR)],
  ["seconds: exponent string", single("seconds"), { v: "3.6e3" }, at(NOW + HOUR)],
  ["seconds: fractional rounds down", single("seconds"), { v: 1.9999 }, at(NOW + 1999)],
  ["seconds: sub-millisecond positive → expired", single("seconds"), { v: 0.0004 }, EXPIRED],
  ["seconds: zero → expired", single("seconds"), { v: 0 }, EXPIRED],
  ["seconds: '0' → expired", single("seconds"), { v: "0" }, EXPIRED],
  ["seconds: negative → expired", single("seconds"), { v: -60 }, EXPIRED],
  ["seconds: absurdly far → clamped", single("seconds"), { v: 1e12 }, CLAMPED],
  ["seconds: exactly max lifetime", single("seconds"), { v: MAX_MS / 1000 }, at(NOW + MAX_MS)],
  // absolute epoch seconds / ms
  [
    "epoch-seconds: number",
    single("epoch-seconds"),
    { v: ASSET_EXPIRES },
    at(ASSET_EXPIRES * 1000),
  ],
  [
    "epoch-seconds: string",
    single("epoch-seconds"),
    { v: `${ASSET_EXPIRES}` },
    at(ASSET_EXPIRES * 1000),
  ],
  [
    "epoch-seconds: fractional rounds down",
    single("epoch-seconds"),
    { v: ASSET_EXPIRES + 0.9999 },
    at(ASSET_EXPIRES * 1000 + 999),
  ],
  [
    "epoch-seconds: past → expired",
    single("epoch-seconds"),
    { v: ASSET_EXPIRES - 86_400 },
    EXPIRED,
  ],
  ["epoch-seconds: exactly now → expired", single("epoch-seconds"), { v: NOW / 1000 }, EXPIRED],
  ["epoch-seconds: 1e308 → clamped", single("epoch-seconds"), { v: 1e308 }, CLAMPED],
  ["epoch-ms: number", single("epoch-ms"), { v: NOW + 5000 }, at(NOW + 5000)],
  ["epoch-ms: fractional rounds down", single("epoch-ms"), { v: NOW + 5000.9 }, at(NOW + 5000)],
  ["epoch-ms: now + 1", single("epoch-ms"), { v: NOW + 1 }, at(NOW + 1)],
  ["epoch-ms: exactly now → expired", single("epoch-ms"), { v: NOW }, EXPIRED],
  ["epoch-ms: year 2300 → clamped", single("epoch-ms"), { v: Date.UTC(2300, 0) }, CLAMPED],
  // unit / relativity detection
  ["epoch-auto: seconds", single("epoch-auto"), { v: ASSET_EXPIRES }, at(ASSET_EXPIRES * 1000)],
  ["epoch-auto: milliseconds", single("epoch-auto"), { v: NOW + HOUR }, at(NOW + HOUR)],
  ["epoch-auto: string milliseconds", single("epoch-auto"), { v: `${NOW + HOUR}` }, at(NOW + HOUR)],
  ["auto: relative seconds", single("auto"), { v: 3600 }, at(NOW + HOUR)],
  ["auto: relative just below 1e9 → clamped", single("auto"), { v: 999_999_999 }, CLAMPED],
  [
    "auto: absolute seconds (Asset)",
    single("auto"),
    { v: ASSET_EXPIRES },
    at(ASSET_EXPIRES * 1000),
  ],
  [
    "auto: absolute seconds string",
    single("auto"),
    { v: `${ASSET_EXPIRES}` },
    at(ASSET_EXPIRES * 1000),
  ],
  [
    "auto: absolute milliseconds",
    single("auto"),
    { v: ASSET_EXPIRES * 1000 + 7 },
    at(ASSET_EXPIRES * 1000 + 7),
  ],
  ["auto: past absolute seconds → expired", single("auto"), { v: 1e9 }, EXPIRED],
  ["auto: negative → expired", single("auto"), { v: -1 }, EXPIRED],
  // ISO 8601
  ["iso: Z", single("iso"), { v: "2026-05-01T12:00:00Z" }, at(NOW + 12 * HOUR)],
  ["iso: lowercase t and z", single("iso"), { v: "2026-05-01t12:00:00z" }, at(NOW + 12 * HOUR)],
  ["iso: positive offset", single("iso"), { v: "2026-05-01T14:00:00+02:00" }, at(NOW + 12 * HOUR)],
  [
    "iso: negative half-hour offset",
    single("iso"),
    { v: "2026-05-01T07:30:00-04:30" },
    at(NOW + 12 * HOUR),
  ],
  ["iso: compact offset", single("iso"), { v: "2026-05-01T14:00:00+0200" }, at(NOW + 12 * HOUR)],
  [
    "iso: fraction truncated",
    single("iso"),
    { v: "2026-05-01T12:00:00.123999Z" },
    at(NOW + 12 * HOUR + 123),
  ],
  [
    "iso: one fraction digit",
    single("iso"),
    { v: "2026-05-01T12:00:00.5Z" },
    at(NOW + 12 * HOUR + 500),
  ],
  ["iso: no seconds", single("iso"), { v: "2026-05-01T12:00Z" }, at(NOW + 12 * HOUR)],
  ["iso: space separator", single("iso"), { v: "2026-05-01 12:00:00Z" }, at(NOW + 12 * HOUR)],
  [
    "iso: leap second read as :59.999",
    single("iso"),
    { v: "2026-05-01T11:59:60Z" },
    at(NOW + 12 * HOUR - 1),
  ],
  ["iso: past → expired", single("iso"), { v: "2026-04-30T23:59:59Z" }, EXPIRED],
  ["iso: far future → clamped", single("iso"), { v: "2099-01-01T00:00:00Z" }, CLAMPED],
  ["iso: no zone designator → default", single("iso"), { v: "2026-05-01T12:00:00" }, DEFAULT],
  ["iso: date only → default", single("iso"), { v: "2026-05-01" }, DEFAULT],
  ["iso: month 13 → default", single("iso"), { v: "2026-13-01T00:00:00Z" }, DEFAULT],
  ["iso: Feb 29 non-leap → default", single("iso"), { v: "2027-02-29T00:00:00Z" }, DEFAULT],
  ["iso: hour 24 → default", single("iso"), { v: "2026-05-01T24:00:00Z" }, DEFAULT],
  ["iso: offset hour 24 → default", single("iso"), { v: "2026-05-01T12:00:00+24:00" }, DEFAULT],
  ["iso: RFC 2822 → default", single("iso"), { v: "Fri, 01 May 2026 12:00:00 GMT" }, DEFAULT],
  ["iso: number → default", single("iso"), { v: ASSET_EXPIRES }, DEFAULT],
  // JWT
  [
    "jwt-exp: exp claim",
    single("jwt-exp"),
    { v: jwt({ exp: ASSET_EXPIRES }) },
    at(ASSET_EXPIRES * 1000),
  ],
  [
    "jwt-exp: fractional exp rounds down",
    single("jwt-exp"),
    { v: jwt({ exp: ASSET_EXPIRES + 0.25 }) },
    at(ASSET_EXPIRES * 1000 + 250),
  ],
  [
    "jwt-exp: exp passed → expired",
    single("jwt-exp"),
    { v: jwt({ exp: ASSET_EXPIRES - 86_400 }) },
    EXPIRED,
  ],
  ["jwt-exp: no exp → default", single("jwt-exp"), { v: jwt({ sub: "x" }) }, DEFAULT],
  [
    "jwt-exp: string exp → default",
    single("jwt-exp"),
    { v: jwt({ exp: `${ASSET_EXPIRES}` }) },
    DEFAULT,
  ],
  ["jwt-exp: non-JWT → default", single("jwt-exp"), { v: "opaque-token-123" }, DEFAULT],
  ["jwt-exp: number → default", single("jwt-exp"), { v: ASSET_EXPIRES }, DEFAULT],
  // absent / unparseable values
  [
    "missing everything → default",
    [rule("/expires_in", "seconds"), rule("/expires_at", "epoch-seconds")],
    {},
    DEFAULT,
  ],
  ["no rules → default", [], { expires_in: 60 }, DEFAULT],
  ["response not an object → default", single("seconds"), "plain text body", DEFAULT],
  ["null → default", single("seconds"), { v: null }, DEFAULT],
  ["empty string → default", single("seconds"), { v: "" }, DEFAULT],
  ["boolean true → default", single("seconds"), { v: true }, DEFAULT],
  ["boolean false → default", single("epoch-ms"), { v: false }, DEFAULT],
  ["object → default", single("seconds"), { v: { seconds: 60 } }, DEFAULT],
  ["array → default", single("seconds"), { v: [60] }, DEFAULT],
  ["non-numeric string → default", single("seconds"), { v: "soon" }, DEFAULT],
  ["numeric prefix → default", single("seconds"), { v: "3600s" }, DEFAULT],
  ["hex string → default", single("seconds"), { v: "0x10" }, DEFAULT],
  ["'Infinity' string → default", single("seconds"), { v: "Infinity" }, DEFAULT],
  ["NaN → default", single("seconds"), { v: Number.NaN }, DEFAULT],
  ["Infinity → default", single("epoch-ms"), { v: Number.POSITIVE_INFINITY }, DEFAULT],
  // rule order and sources
  [
    "first absent → second",
    [rule("/expires_in", "seconds"), rule("/expires_at", "epoch-seconds")],
    { expires_at: ASSET_EXPIRES },
    at(ASSET_EXPIRES * 1000, 1),
  ],
  [
    "first unparseable → second",
    [rule("/expires_in", "seconds"), rule("/expires_at", "epoch-seconds")],
    { expires_in: "n/a", expires_at: ASSET_EXPIRES },
    at(ASSET_EXPIRES * 1000, 1),
  ],
  [
    "first null → second",
    [rule("/expires_in", "seconds"), rule("/expires_at", "epoch-seconds")],
    { expires_in: null, expires_at: ASSET_EXPIRES },
    at(ASSET_EXPIRES * 1000, 1),
  ],
  [
    "both present → first (relative) wins",
    [rule("/expires_in", "seconds"), rule("/expires_at", "epoch-seconds")],
    { expires_in: 60, expires_at: ASSET_EXPIRES },
    at(NOW + 60_000),
  ],
  [
    "first expired → expired, no fall-through",
    [rule("/expires_in", "seconds"), rule("/expires_at", "epoch-seconds")],
    { expires_in: 0, expires_at: ASSET_EXPIRES },
    EXPIRED,
  ],
  [
    "nested pointer",
    [rule("/data/token/expires_in", "seconds")],
    { data: { token: { expires_in: 120 } } },
    at(NOW + 120_000),
  ],
  [
    "array pointer",
    [rule("/tokens/1/exp", "epoch-seconds")],
    { tokens: [{}, { exp: ASSET_EXPIRES }] },
    at(ASSET_EXPIRES * 1000),
  ],
  ["escaped pointer", [rule("/ttl~1seconds", "seconds")], { "ttl/seconds": 30 }, at(NOW + 30_000)],
  ["whole-body pointer", [rule("", "seconds")], 45, at(NOW + 45_000)],
  [
    "JWT access token in body",
    [rule("/expires_in", "seconds"), rule("/access_token", "jwt-exp")],
    { access_token: jwt({ exp: ASSET_EXPIRES }) },
    at(ASSET_EXPIRES * 1000, 1),
  ],
];

describe("normalizeExpiry (table)", () => {
  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("%s", (_label, rules, response, expected) => {
    expect(summarize(normalizeExpiry(input(rules, response)))).toEqual(expected);
  });
});

describe("normalizeExpiry (credentials and result shape)", () => {
  const rules = [rule("/expires_in", "seconds"), rule("credentials.expiresIn", "seconds")];

  it("reads credentials.<name>", () => {
    expect(normalizeExpiry(input(rules, {}, { expiresIn: 900 }))).toEqual({
      ok: true,
      expiresAt: NOW + 900_000,
      source: { rule: 1, from: "credentials.expiresIn", as: "seconds" },
      clamped: false,
    });
  });

  it("prefers an earlier response rule over credentials", () => {
    const result = normalizeExpiry(input(rules, { expires_in: "60" }, { expiresIn: 900 }));
    expect(result).toMatchObject({ ok: true, expiresAt: NOW + 60_000, source: { rule: 0 } });
  });

  it("reads a credential name containing dots verbatim", () => {
    const result = normalizeExpiry(input([rule("credentials.a.b", "seconds")], {}, { "a.b": 5 }));
    expect(result).toMatchObject({ ok: true, expiresAt: NOW + 5000 });
  });

  it("ignores inherited credential properties", () => {
    const result = normalizeExpiry(input([rule("credentials.valueOf", "seconds")], {}, {}));
    expect(result).toMatchObject({ ok: true, source: "default" });
  });

  it("describes the deciding rule on expired-on-arrival", () => {
    expect(normalizeExpiry(input(rules, {}, { expiresIn: -5 }))).toEqual({
      ok: false,
      reason: "expired-on-arrival",
      from: "credentials.expiresIn",
      as: "seconds",
    });
  });

  it("clamps the default to the max lifetime", () => {
    const result = normalizeExpiry({ ...input([], {}), defaultLifetimeMs: 2 * MAX_MS });
    expect(result).toEqual({
      ok: true,
      expiresAt: NOW + MAX_MS,
      source: "default",
      clamped: true,
    });
  });

  it.each([
    ["unknown pointer syntax", rule("expires_in", "seconds")],
    ["credentials without a name", rule("credentials.", "seconds")],
    ["unknown encoding", { from: "/v", as: "minutes" } as unknown as ExpiryRule],
  ])("throws TypeError for a malformed rule: %s", (_label, bad) => {
    expect(() => normalizeExpiry(input([bad], { v: 1 }))).toThrow(TypeError);
  });

  it.each([
    ["now NaN", { now: Number.NaN }],
    ["default 0", { defaultLifetimeMs: 0 }],
    ["default Infinity", { defaultLifetimeMs: Number.POSITIVE_INFINITY }],
    ["max negative", { maxLifetimeMs: -1 }],
  ])("throws RangeError for bad bounds: %s", (_label, override) => {
    expect(() => normalizeExpiry({ ...input([], {}), ...override })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** A value in some encoding, with the exact instant (epoch ms, unrounded) the vendor means by it. */
interface VendorCase {
  as: ExpiryEncoding;
  value: unknown;
  vendorInstant: (now: number) => number;
}

const MAX_DATE_MS = Date.UTC(2200, 0);
const maybeString = (n: number): fc.Arbitrary<unknown> => fc.constantFrom<unknown>(n, String(n));
const finite = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

function numericCase(
  as: ExpiryEncoding,
  values: fc.Arbitrary<number>,
  instant: (n: number, now: number) => number,
): fc.Arbitrary<VendorCase> {
  return values.chain((n) =>
    maybeString(n).map((value) => ({ as, value, vendorInstant: (now: number) => instant(n, now) })),
  );
}

const isoCase: fc.Arbitrary<VendorCase> = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1970, 0, 2), max: MAX_DATE_MS }),
    offsetMinutes: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
    extraDigits: fc.stringMatching(/^[0-9]{0,4}$/),
  })
  .map(({ ms, offsetMinutes, extraDigits }) => {
    const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1); // drop Z
    const abs = Math.abs(offsetMinutes);
    const sign = offsetMinutes < 0 ? "-" : "+";
    const hh = String(Math.floor(abs / 60)).padStart(2, "0");
    const mm = String(abs % 60).padStart(2, "0");
    const zone = offsetMinutes === 0 && extraDigits.length % 2 === 0 ? "Z" : `${sign}${hh}:${mm}`;
    // Extra fraction digits make the vendor's instant slightly later than `ms`, never earlier.
    const extra = extraDigits === "" ? 0 : Number(`0.${extraDigits}`);
    return { as: "iso", value: `${local}${extraDigits}${zone}`, vendorInstant: () => ms + extra };
  });

const jwtCase: fc.Arbitrary<VendorCase> = finite(-1e10, 1e10).map((exp) => ({
  as: "jwt-exp",
  value: jwt({ exp }),
  vendorInstant: () => exp * 1000,
}));

/** Reference semantics of each encoding, written independently of the implementation. */
const vendorCase: fc.Arbitrary<VendorCase> = fc.oneof(
  numericCase("seconds", finite(-1e9, 1e9), (n, now) => now + n * 1000),
  numericCase("seconds", fc.integer({ min: -100, max: 200_000 }), (n, now) => now + n * 1000),
  numericCase("epoch-seconds", finite(0, 1e10), (n) => n * 1000),
  numericCase("epoch-ms", finite(0, 1e13), (n) => n),
  numericCase("epoch-auto", finite(0, 1e10), (n) => n * 1000),
  numericCase("epoch-auto", finite(1e12, 1e13), (n) => n),
  numericCase("auto", finite(-1e6, 1e9 - 1), (n, now) => now + n * 1000),
  numericCase("auto", finite(1e9, 1e12 - 1), (n) => n * 1000),
  numericCase("auto", finite(1e12, 1e13), (n) => n),
  isoCase,
  jwtCase,
);

const clock = fc.record({
  now: fc.integer({ min: 1e12, max: 5e12 }),
  defaultLifetimeMs: fc.integer({ min: 1, max: 1e9 }),
  maxLifetimeMs: fc.integer({ min: 1, max: 1e11 }),
});

describe("normalizeExpiry (properties)", () => {
  it("is never later than the vendor's value, for every encoding", () => {
    fc.assert(
      fc.property(vendorCase, clock, ({ as, value, vendorInstant }, bounds) => {
        const result = normalizeExpiry({
          rules: [rule("/v", as)],
          response: { v: value },
          credentials: {},
          ...bounds,
        });
        expect(result.ok === false || result.source !== "default").toBe(true);
        if (result.ok) expect(result.expiresAt).toBeLessThanOrEqual(vendorInstant(bounds.now));
      }),
    );
  });

  it("is expired-on-arrival exactly when the computed (rounded-down) time is <= now", () => {
    fc.assert(
      fc.property(vendorCase, clock, ({ as, value, vendorInstant }, bounds) => {
        const result = normalizeExpiry({
          rules: [rule("/v", as)],
          response: { v: value },
          credentials: {},
          ...bounds,
        });
        const computed = Math.floor(vendorInstant(bounds.now));
        expect(result.ok).toBe(computed > bounds.now);
        if (result.ok) {
          expect(result.expiresAt).toBe(Math.min(computed, bounds.now + bounds.maxLifetimeMs));
          expect(result.clamped).toBe(computed > bounds.now + bounds.maxLifetimeMs);
        }
      }),
    );
  });

  const anyRule = fc.record({
    from: fc.constantFrom("/a", "/b", "/nested/c", "", "credentials.x", "/missing"),
    as: fc.constantFrom<ExpiryEncoding>(
      "seconds",
      "epoch-seconds",
      "epoch-ms",
      "epoch-auto",
      "auto",
      "iso",
      "jwt-exp",
    ),
  });
  const anyValue = fc.oneof(
    fc.anything(),
    fc.double(),
    fc.double().map(String),
    vendorCase.map((c) => c.value),
  );

  it("is never 'forever': always a finite integer in (now, now + maxLifetimeMs]", () => {
    fc.assert(
      fc.property(
        fc.array(anyRule, { maxLength: 4 }),
        fc.record(
          { a: anyValue, b: anyValue, nested: fc.record({ c: anyValue }) },
          { requiredKeys: [] },
        ),
        anyValue,
        clock,
        (rules, response, x, bounds) => {
          const result = normalizeExpiry({ rules, response, credentials: { x }, ...bounds });
          if (!result.ok) return;
          expect(Number.isInteger(result.expiresAt)).toBe(true);
          expect(result.expiresAt).toBeGreaterThan(bounds.now);
          expect(result.expiresAt).toBeLessThanOrEqual(bounds.now + bounds.maxLifetimeMs);
        },
      ),
    );
  });

  it("lets the relative rule (listed first) decide when relative and absolute are both present", () => {
    const rules = [rule("/expires_in", "seconds"), rule("/expires_at", "epoch-seconds")];
    fc.assert(
      fc.property(
        finite(-1e6, 1e9).chain(maybeString),
        finite(0, 1e10).chain(maybeString),
        clock,
        (expiresIn, expiresAt, bounds) => {
          const both = normalizeExpiry({
            rules,
            response: { expires_in: expiresIn, expires_at: expiresAt },
            credentials: {},
            ...bounds,
          });
          const relativeOnly = normalizeExpiry({
            rules: rules.slice(0, 1),
            response: { expires_in: expiresIn },
            credentials: {},
            ...bounds,
          });
          expect(both).toEqual(relativeOnly);
          if (both.ok) expect(both.source).toMatchObject({ rule: 0, from: "/expires_in" });
          else expect(both.from).toBe("/expires_in");
        },
      ),
    );
  });

  it("falls back to now + defaultLifetimeMs (capped) when nothing is usable", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(undefined),
          fc.constant(null),
          fc.constant(""),
          fc.boolean(),
          fc.object(),
        ),
        clock,
        (value, bounds) => {
          const result = normalizeExpiry({
            rules: [
              rule("/v", "seconds"),
              rule("/v", "epoch-auto"),
              rule("/v", "iso"),
              rule("/v", "jwt-exp"),
            ],
            response: { v: value },
            credentials: {},
            ...bounds,
          });
          const capped = Math.min(bounds.defaultLifetimeMs, bounds.maxLifetimeMs);
          expect(result).toEqual({
            ok: true,
            expiresAt: bounds.now + capped,
            source: "default",
            clamped: bounds.defaultLifetimeMs > bounds.maxLifetimeMs,
          });
        },
      ),
    );
  });
});
