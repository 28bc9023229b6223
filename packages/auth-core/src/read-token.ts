import { hideSecretsFromInspect, type AccessToken } from "./access-token.js";
import type { AuthBinding } from "./binding.js";
import { TokenResponseError, type TokenErrorContext } from "./errors.js";
import { normalizeExpiry, type ExpiryInput } from "./expiry.js";
import { readPointer } from "./json-pointer.js";

/**
 * Lifetime assumed when a vendor's response says nothing about expiry and its spec declares no
 * `defaultLifetime`. Never "forever": five minutes is shorter than any lifetime the known
 * vendors issue (15 min to 1 h), so at worst we ask a little more often than needed.
 */
export const DEFAULT_LIFETIME_SECONDS = 300;

/**
 * Longest lifetime we believe. Farther expiries are clamped, so a unit mistake on the vendor's
 * side (ms read as s) cannot pin a dead token in the cache for decades.
 */
export const MAX_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

/** A string the vendor actually filled in, or `undefined`. */
const text = (value: unknown): string | undefined =>
  typeof value == "string" && value ? value : undefined;

/** Reads a token out of a 2xx body as the binding says; `previous` fills what a refresh omits. */
export function readAccessToken<Raw>(
  binding: AuthBinding,
  body: unknown,
  details: {
    readonly credentials: Readonly<Record<string, unknown>>;
    readonly now: number;
    readonly context: TokenErrorContext & { readonly status: number };
    readonly previous?: AccessToken<unknown> | undefined;
  },
): AccessToken<Raw> {
  const { accessToken: pointer, tokenType, expiry: rules, refreshToken: refresh } = binding.token;
  const { context, now, credentials } = details;
  const expiry = (rules: ExpiryInput["rules"], defaultLifetimeMs: number) =>
    normalizeExpiry({
      rules,
      response: body,
      credentials,
      now,
      defaultLifetimeMs,
      maxLifetimeMs: MAX_LIFETIME_MS,
    });
  const fail = (message: string) =>
    new TokenResponseError(`${context.vendor} ${context.operation}: ${message}`, context);

  const accessToken = text(readPointer(body, pointer));
  if (!accessToken) throw fail(`the response has no access token at ${pointer}`);
  const expires = expiry(
    rules,
    (binding.token.defaultLifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS) * 1000,
  );
  if (!expires.ok)
    throw fail(`the token had already expired on arrival (${expires.from} as ${expires.as})`);

  const token: { -readonly [K in keyof AccessToken<Raw>]: AccessToken<Raw>[K] } = {
    accessToken,
    tokenType:
      typeof tokenType == "string"
        ? tokenType
        : (text(readPointer(body, tokenType.from)) ?? tokenType.fallback),
    expiresAt: expires.expiresAt,
    obtainedAt: now,
    raw: body as Raw,
  };
  let { refreshToken, refreshTokenExpiresAt } = details.previous ?? {};
  const issued = refresh && text(readPointer(body, refresh.from));
  // No expiry found: treat the refresh token as good for a year and let the vendor say no. One
  // that has expired already is ignored.
  const issuedExpiry =
    issued && refresh?.expiry
      ? expiry([{ from: refresh.from, as: refresh.expiry }], MAX_LIFETIME_MS)
      : undefined;
  if (issued && issuedExpiry?.ok !== false) {
    refreshToken = issued;
    refreshTokenExpiresAt = issuedExpiry?.expiresAt;
  }
  if (refreshToken !== undefined) token.refreshToken = refreshToken;
  if (refreshTokenExpiresAt !== undefined) token.refreshTokenExpiresAt = refreshTokenExpiresAt;
  return hideSecretsFromInspect(token);
}
