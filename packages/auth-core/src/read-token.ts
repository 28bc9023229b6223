import { hideSecretsFromInspect, type AccessToken } from "./access-token.js";
import type { AuthBinding } from "./binding.js";
import { TokenResponseError, type TokenErrorContext } from "./errors.js";
import { normalizeExpiry } from "./expiry.js";
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
  const { token } = binding;
  const { context, now } = details;
  const fail = (message: string): never => {
    throw new TokenResponseError(`${context.vendor} ${context.operation}: ${message}`, context);
  };

  const accessToken = readPointer(body, token.accessToken);
  if (typeof accessToken !== "string" || accessToken === "") {
    fail(`the response has no access token at ${token.accessToken}`);
  }
  const tokenType = readTokenType(binding, body);
  const expiry = normalizeExpiry({
    rules: token.expiry,
    response: body,
    credentials: details.credentials,
    now,
    defaultLifetimeMs: (token.defaultLifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS) * 1000,
    maxLifetimeMs: MAX_LIFETIME_MS,
  });
  if (!expiry.ok) fail(`the token had already expired on arrival (${expiry.from} as ${expiry.as})`);

  const refresh = readRefreshToken(binding, body, now) ?? details.previous;
  return hideSecretsFromInspect({
    accessToken: accessToken as string,
    tokenType,
    expiresAt: (expiry as { expiresAt: number }).expiresAt,
    obtainedAt: now,
    ...(refresh?.refreshToken === undefined ? {} : { refreshToken: refresh.refreshToken }),
    ...(refresh?.refreshTokenExpiresAt === undefined
      ? {}
      : { refreshTokenExpiresAt: refresh.refreshTokenExpiresAt }),
    raw: body as Raw,
  });
}

function readTokenType(binding: AuthBinding, body: unknown): string {
  const declared = binding.token.tokenType;
  if (typeof declared === "string") return declared;
  const found = readPointer(body, declared.from);
  return typeof found === "string" && found !== "" ? found : declared.fallback;
}

function readRefreshToken(
  binding: AuthBinding,
  body: unknown,
  now: number,
): Pick<AccessToken, "refreshToken" | "refreshTokenExpiresAt"> | undefined {
  const declared = binding.token.refreshToken;
  if (!declared) return undefined;
  const refreshToken = readPointer(body, declared.from);
  if (typeof refreshToken !== "string" || refreshToken === "") return undefined;
  if (!declared.expiry) return { refreshToken };
  const expiry = normalizeExpiry({
    rules: [{ from: declared.from, as: declared.expiry }],
    response: body,
    credentials: {},
    now,
    // No expiry found: treat the refresh token as good for a year and let the vendor say no.
    defaultLifetimeMs: MAX_LIFETIME_MS,
    maxLifetimeMs: MAX_LIFETIME_MS,
  });
  return expiry.ok ? { refreshToken, refreshTokenExpiresAt: expiry.expiresAt } : undefined;
}
