/**
 * Expiry normalisation: turns however a vendor encodes "this token expires at…" into one integer
 * epoch-millisecond instant.
 *
 * Each vendor's OpenAPI spec carries a declarative, ordered list of {@link ExpiryRule}s. The rules
 * are tried in order and the first one whose value is present and parseable decides. Order is
 * the only precedence mechanism: spec authors list the relative field (`/expires_in`) before an
 * absolute one (`/expires_at`) to express "relative beats absolute when both exist", because a
 * relative lifetime is immune to clock skew between the vendor and us.
 *
 * Guarantees (all covered by property tests):
 * - the result is an integer number of epoch milliseconds, rounded DOWN, so it is never later
 *   than the instant the vendor's value denotes;
 * - it is never "forever": always finite and at most `now + maxLifetimeMs`;
 * - when the vendor says nothing usable we fall back to `now + defaultLifetimeMs` (also capped);
 * - a value that denotes an instant at or before `now` is reported as `expired-on-arrival`
 *   instead of being skipped, because the vendor explicitly told us the token is unusable.
 */

import { decodeJwtClaims } from "./jwt.js";
import { readPointer } from "./json-pointer.js";

/**
 * How a vendor encodes a token's expiry.
 *
 * - `"seconds"`: relative lifetime in seconds from now (number or numeric string like `"3600"`).
 * - `"epoch-seconds"`: absolute unix time in seconds.
 * - `"epoch-ms"`: absolute unix time in milliseconds.
 * - `"epoch-auto"`: absolute, unit unknown: `>= 1e12` is milliseconds, otherwise seconds.
 * - `"auto"`: absolute or relative unknown (e.g. a field named like a lifetime that carries an
 *   absolute time): `>= 1e12` is epoch ms, `>= 1e9` is epoch seconds, otherwise relative seconds.
 * - `"iso"`: ISO 8601 / RFC 3339 date-time string with a `Z` or `±hh:mm` designator.
 * - `"jwt-exp"`: the value is a JWT; its numeric `exp` claim (epoch seconds) is used.
 */
export type ExpiryEncoding =
  "seconds" | "epoch-seconds" | "epoch-ms" | "epoch-auto" | "auto" | "iso" | "jwt-exp";

/**
 * One place to look for a token's expiry, and how to read it.
 *
 * `from` is either an RFC 6901 JSON pointer into the parsed token response (`"/expires_in"`,
 * `"/data/token/exp"`, `""` for the whole body) or `"credentials.<name>"` for a value the caller
 * sent (e.g. a requested lifetime, `"credentials.expiresIn"`).
 */
export interface ExpiryRule {
  /** JSON pointer into the response, or `credentials.<name>`. */
  readonly from: string;
  /** How the value found at `from` encodes the expiry. */
  readonly as: ExpiryEncoding;
}

/** Everything {@link normalizeExpiry} needs; it reads no clock and performs no I/O itself. */
export interface ExpiryInput {
  /** Ordered rules; the first present-and-parseable one wins. */
  rules: readonly ExpiryRule[];
  /** Parsed JSON body of the token response. */
  response: unknown;
  /** Values the caller sent with the token request, addressable as `credentials.<name>`. */
  credentials: Readonly<Record<string, unknown>>;
  /** Current time in epoch milliseconds (normally `Date.now()`). */
  now: number;
  /** Lifetime assumed when no rule yields a value. Must be finite and > 0. */
  defaultLifetimeMs: number;
  /** Upper bound on any lifetime; later expiries are clamped. Must be finite and > 0. */
  maxLifetimeMs: number;
}

/**
 * Outcome of {@link normalizeExpiry}.
 *
 * On success `expiresAt` is integer epoch ms, `source` names the deciding rule (its 0-based index
 * in `rules`, plus its `from` and `as`) or `"default"`, and `clamped` tells whether the value was
 * capped to `now + maxLifetimeMs`. On failure the vendor's own value says the token has already
 * expired; the caller should turn that into an error rather than cache the token.
 */
export type ExpiryResult =
  | {
      ok: true;
      expiresAt: number;
      source: { rule: number; from: string; as: ExpiryEncoding } | "default";
      clamped: boolean;
    }
  | { ok: false; reason: "expired-on-arrival"; from: string; as: ExpiryEncoding };

/**
 * 1e12 ms is 2001-09-09T01:46:40Z. Every real token issued today has an epoch-ms expiry above it,
 * while epoch *seconds* stay below it until the year 33658, so the two units never collide.
 */
const EPOCH_MS_THRESHOLD = 1e12;

/**
 * 1e9 s is also 2001-09-09T01:46:40Z (in seconds), so any current absolute epoch-seconds value is
 * above it, while any relative lifetime below ~31.7 years (1e9 s) is below it. Real token
 * lifetimes are minutes to months, so the ranges are distinguishable.
 */
const EPOCH_SECONDS_THRESHOLD = 1e9;

const CREDENTIALS_PREFIX = "credentials.";
const ENCODINGS: ReadonlySet<string> = new Set<ExpiryEncoding>([
  "seconds",
  "epoch-seconds",
  "epoch-ms",
  "epoch-auto",
  "auto",
  "iso",
  "jwt-exp",
]);

/**
 * Computes when a freshly issued token expires, as integer epoch milliseconds.
 *
 * Rules are tried in order. A value that is absent (`undefined`, `null`, `""`) or unparseable
 * (non-numeric string, `NaN`, `Infinity`, boolean, object, a non-JWT for `jwt-exp`, a JWT
 * without a numeric `exp`, an ISO string without a zone designator or with invalid fields)
 * skips to the next rule. Numeric strings are accepted by every numeric encoding.
 *
 * The first usable value decides:
 * - instant `<= now` → `{ ok: false, reason: "expired-on-arrival" }` (later rules are NOT tried);
 * - instant `> now + maxLifetimeMs` → clamped to `now + maxLifetimeMs`, `clamped: true`;
 * - otherwise that instant, rounded DOWN to a whole millisecond (never later than the vendor says).
 *
 * With no usable value the result is `now + defaultLifetimeMs` (capped by `maxLifetimeMs`),
 * with `source: "default"`.
 *
 * @param input - Rules, response, credentials, clock and lifetime bounds.
 * @returns The normalised expiry or an `expired-on-arrival` failure.
 * @throws {TypeError} when a rule is malformed (`from` neither a JSON pointer nor
 *   `credentials.<name>`, or an unknown `as`): that is a spec bug, not a vendor response problem.
 * @throws {RangeError} when `now` is not finite or a lifetime bound is not finite and positive.
 */
export function normalizeExpiry(input: ExpiryInput): ExpiryResult {
  const { rules, response, credentials, now, defaultLifetimeMs, maxLifetimeMs } = input;
  assertClockAndBounds(now, defaultLifetimeMs, maxLifetimeMs);
  const latest = Math.floor(now + maxLifetimeMs);

  for (const [index, rule] of rules.entries()) {
    assertRule(rule);
    const value = resolveFrom(rule.from, response, credentials);
    if (value === undefined || value === null || value === "") continue;
    const instant = decodeExpiry(value, rule.as, now);
    if (instant === undefined) continue;

    const expiresAt = Math.floor(instant);
    if (expiresAt <= now) {
      return { ok: false, reason: "expired-on-arrival", from: rule.from, as: rule.as };
    }
    const source = { rule: index, from: rule.from, as: rule.as };
    return expiresAt > latest
      ? { ok: true, expiresAt: latest, source, clamped: true }
      : { ok: true, expiresAt, source, clamped: false };
  }

  const fallback = Math.floor(now + defaultLifetimeMs);
  return fallback > latest
    ? { ok: true, expiresAt: latest, source: "default", clamped: true }
    : { ok: true, expiresAt: fallback, source: "default", clamped: false };
}

/**
 * Converts one raw value to the (possibly fractional or infinite) epoch-ms instant it denotes,
 * or `undefined` when it cannot be read with `encoding`.
 */
function decodeExpiry(value: unknown, encoding: ExpiryEncoding, now: number): number | undefined {
  switch (encoding) {
    case "iso":
      return parseIsoDateTime(value);
    case "jwt-exp": {
      const exp = decodeJwtClaims(value)?.["exp"];
      return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined;
    }
  }
  const n = parseNumber(value);
  if (n === undefined) return undefined;
  switch (encoding) {
    case "seconds":
      return now + n * 1000;
    case "epoch-seconds":
      return n * 1000;
    case "epoch-ms":
      return n;
    case "epoch-auto":
      return n >= EPOCH_MS_THRESHOLD ? n : n * 1000;
    case "auto":
      if (n >= EPOCH_MS_THRESHOLD) return n;
      return n >= EPOCH_SECONDS_THRESHOLD ? n * 1000 : now + n * 1000;
  }
}

/** Plain decimal numbers only: no hex, no `Infinity`, no empty/whitespace-only strings. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite number, or a string holding a finite decimal number (vendors send `"3600"`). */
function parseNumber(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && DECIMAL.test(value.trim())
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * RFC 3339 profile of ISO 8601: `YYYY-MM-DD`, `T` (or `t`/space), `hh:mm[:ss[.fff…]]`, then `Z`
 * or `±hh:mm` / `±hhmm`. A designator is mandatory: a local time would depend on the host's zone.
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Parses an ISO date-time to epoch ms, validating every field (no `Date.parse` leniency). */
function parseIsoDateTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = ISO_DATE_TIME.exec(value.trim());
  if (match === null) return undefined;
  const field = (index: number): number => Number(match[index] ?? 0); // optional groups → 0
  const [year, month, day, hour, minute, second] = [
    field(1),
    field(2),
    field(3),
    field(4),
    field(5),
    field(6),
  ];
  const [fraction = "", zulu, sign] = [match[7], match[8], match[9]];
  const [offsetHours, offsetMinutes] = [field(10), field(11)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60 || offsetHours > 23 || offsetMinutes > 59) {
    return undefined;
  }

  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0–99 literal
  // A leap second (:60) is read as :59.999…, the latest instant not after it.
  const millis = second === 60 ? 999 : Number(fraction.slice(0, 3).padEnd(3, "0"));
  date.setUTCHours(hour, minute, Math.min(second, 59), millis); // extra digits truncated (down)
  const offsetMs = zulu === undefined ? (offsetHours * 60 + offsetMinutes) * 60_000 : 0;
  return date.getTime() - (sign === "-" ? -offsetMs : offsetMs);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return new Date(Date.UTC(2001, month, 0)).getUTCDate(); // day 0 = last day of `month`
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Looks a rule's `from` up in the response (JSON pointer) or in the caller's credentials. */
function resolveFrom(
  from: string,
  response: unknown,
  credentials: Readonly<Record<string, unknown>>,
): unknown {
  if (from.startsWith(CREDENTIALS_PREFIX)) {
    const name = from.slice(CREDENTIALS_PREFIX.length);
    return Object.hasOwn(credentials, name) ? credentials[name] : undefined;
  }
  return readPointer(response, from);
}

function assertRule(rule: ExpiryRule): void {
  const validFrom =
    rule.from === "" ||
    rule.from.startsWith("/") ||
    (rule.from.startsWith(CREDENTIALS_PREFIX) && rule.from.length > CREDENTIALS_PREFIX.length);
  if (!validFrom) {
    throw new TypeError(
      `Invalid expiry rule "from": ${JSON.stringify(rule.from)} (expected a JSON pointer or "credentials.<name>")`,
    );
  }
  if (!ENCODINGS.has(rule.as)) {
    throw new TypeError(`Invalid expiry rule "as": ${JSON.stringify(rule.as)}`);
  }
}

function assertClockAndBounds(now: number, defaultLifetimeMs: number, maxLifetimeMs: number) {
  if (!Number.isFinite(now)) throw new RangeError("normalizeExpiry: `now` must be finite");
  for (const [name, value] of [
    ["defaultLifetimeMs", defaultLifetimeMs],
    ["maxLifetimeMs", maxLifetimeMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`normalizeExpiry: \`${name}\` must be finite and > 0`);
    }
  }
}
