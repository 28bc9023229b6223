/** A token as handed to the app. Plain data: stores may serialise it. */
export interface AccessToken<Raw = unknown> {
  readonly accessToken: string;
  /** As the vendor names it (`Bearer`); see `getAuthorizationHeader()` for the header form. */
  readonly tokenType: string;
  /** When the vendor says the token stops working, epoch ms (after normalisation). */
  readonly expiresAt: number;
  /** When we received it, epoch ms, by the provider's clock. */
  readonly obtainedAt: number;
  readonly refreshToken?: string;
  readonly refreshTokenExpiresAt?: number;
  /** The vendor's response body, typed by its spec. */
  readonly raw: Raw;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Makes `console.log(token)` and `util.inspect(token)` show the token's shape and times but not
 * its secrets. The property is non-enumerable, so `JSON.stringify` and stores are unaffected.
 */
export function hideSecretsFromInspect<T extends AccessToken<unknown>>(token: T): T {
  if (Object.hasOwn(token, INSPECT)) return token;
  // A store may hand back a frozen or deserialised object: hide its secrets on a copy.
  if (!Object.isExtensible(token)) return hideSecretsFromInspect({ ...token });
  Object.defineProperty(token, INSPECT, {
    enumerable: false,
    value: function inspectAccessToken(this: AccessToken<unknown>) {
      return {
        accessToken: "[redacted]",
        tokenType: this.tokenType,
        expiresAt: new Date(this.expiresAt).toISOString(),
        obtainedAt: new Date(this.obtainedAt).toISOString(),
        ...(this.refreshToken === undefined ? {} : { refreshToken: "[redacted]" }),
        raw: "[redacted]",
      };
    },
  });
  return token;
}

/**
 * `Authorization` header value. RFC 6750 spells the scheme `Bearer`; vendors write `bearer` or
 * `BEARER` in their responses, and some servers compare case-sensitively, so any casing of it is
 * sent as `Bearer`. Other schemes are sent as the vendor names them.
 */
export function authorizationHeader(token: Pick<AccessToken, "tokenType" | "accessToken">): string {
  const scheme = token.tokenType.toLowerCase() === "bearer" ? "Bearer" : token.tokenType;
  return `${scheme} ${token.accessToken}`;
}
