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

import { credentialOf } from "./binding.js";
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

type Decoder = (value: unknown, now: number) => number | undefined;

/** Wraps a decoder of plain numbers: vendors also send them as strings (`"3600"`). */
const numeric =
  (decode: (n: number, now: number) => number): Decoder =>
  (value, now) => {
    // Plain decimals only: no hex, no `Infinity`, no whitespace-only strings.
    const n =
      typeof value == "string" && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(value.trim())
        ? +value
        : value;
    return typeof n == "number" && Number.isFinite(n) ? decode(n, now) : undefined;
  };

/**
 * 1e12 ms and 1e9 s are both 2001-09-09: every current epoch-ms expiry is above 1e12 while epoch
 * seconds stay below it until the year 33658, and every current epoch-seconds value is above 1e9
 * while any lifetime shorter than ~31.7 years is below it.
 */
const epochAuto = (n: number): number => (n < 1e12 ? n * 1e3 : n);

/** Each encoding's decoder: the (possibly fractional) epoch-ms instant a value denotes. */
const DECODERS: Record<ExpiryEncoding, Decoder> = {
  seconds: numeric((n, now) => now + n * 1e3),
  "epoch-seconds": numeric((n) => n * 1e3),
  "epoch-ms": numeric((n) => n),
  "epoch-auto": numeric(epochAuto),
  auto: numeric((n, now) => (n < 1e9 ? now + n * 1e3 : epochAuto(n))),
  iso: parseIso,
  "jwt-exp": (value) => {
    const exp = decodeJwtClaims(value)?.["exp"];
    return Number.isFinite(exp) ? (exp as number) * 1e3 : undefined;
  },
};

/**
 * The epoch-ms instant `value` denotes in encoding `as`, or `undefined` when it is absent or
 * unparseable. Not yet rounded, clamped or checked against `now`.
 */
export function decodeExpiry(value: unknown, as: ExpiryEncoding, now: number): number | undefined {
  return value == null || value === "" ? undefined : DECODERS[as](value, now);
}

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
  if (!(
    Number.isFinite(now + defaultLifetimeMs + maxLifetimeMs) &&
    defaultLifetimeMs > 0 &&
    maxLifetimeMs > 0
  )) {
    throw new RangeError("normalizeExpiry: now, defaultLifetimeMs or maxLifetimeMs out of range");
  }
  const latest = Math.floor(now + maxLifetimeMs);
  // Fractions of a millisecond are cut (rounded DOWN): never later than the vendor says.
  const result = (expiresAt: number, source: (ExpiryResult & { ok: true })["source"]) => ({
    ok: true as const,
    expiresAt: Math.min(expiresAt, latest),
    source,
    clamped: expiresAt > latest,
  });

  for (const [rule, { from, as }] of rules.entries()) {
    const name = credentialOf(from);
    if (!(name || /^(\/|$)/.test(from)) || !Object.hasOwn(DECODERS, as)) {
      throw new TypeError(`Invalid expiry rule ${JSON.stringify({ from, as })}`);
    }
    const value = name
      ? Object.hasOwn(credentials, name)
        ? credentials[name]
        : null
      : readPointer(response, from);
    const instant = decodeExpiry(value, as, now);
    if (instant === undefined) continue;
    const expiresAt = Math.floor(instant);
    if (expiresAt <= now) return { ok: false, reason: "expired-on-arrival", from, as };
    return result(expiresAt, { rule, from, as });
  }
  return result(Math.floor(now + defaultLifetimeMs), "default");
}

/**
 * RFC 3339 profile of ISO 8601: `YYYY-MM-DD`, `T` (or `t`/space), `hh:mm[:ss[.fff…]]`, then `Z`
 * or `±hh:mm` / `±hhmm`. A designator is mandatory: a local time would depend on the host's zone.
 * Field ranges are checked here; the day against its month below (`Date.parse` accepts Feb 31).
 */
const ISO =
  /^(\d{4})-(0[1-9]|1[0-2])-(\d\d)[t ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d|60)(?:[.,](\d+))?)?(?:z|([+-])([01]\d|2[0-3]):?([0-5]\d))$/i;

function parseIso(value: unknown): number | undefined {
  const m = typeof value == "string" ? ISO.exec(value.trim()) : null;
  if (!m) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(+m[1]!, +m[2]! - 1, +m[3]!); // keeps years 0–99 literal
  if (date.getUTCDate() !== +m[3]!) return undefined; // Feb 30 rolled over into March
  // A leap second (:60) is read as :59.999, the latest instant not after it; extra fraction
  // digits are cut (rounded down).
  const second = +(m[6] ?? 0);
  const millis = second > 59 ? 999 : +((m[7] ?? "") + "00").slice(0, 3);
  const offset = m[8] ? +`${m[8]}1` * (+m[9]! * 60 + +m[10]!) * 6e4 : 0;
  return date.setUTCHours(+m[4]!, +m[5]!, Math.min(second, 59), millis) - offset;
}
