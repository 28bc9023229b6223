/**
 * The three errors every tokenyard package throws. They are classes of auth-core, so
 * `instanceof` works whichever vendor package threw them. None of them ever holds a credential
 * or a token: messages are built from names, statuses and redacted vendor bodies only.
 */

/** Bad options, found before any request is made (thrown synchronously by `create<Vendor>Auth`). */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
  /** The option at fault, e.g. `credentials.clientSecret` or `baseUrl`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

/** What every token error knows about where it happened. */
export interface TokenErrorContext {
  /** The vendor's brand name (`Asset`). */
  readonly vendor: string;
  /** The operationId that was called (`getAccessToken`). */
  readonly operation: string;
  /** How many HTTP attempts were made. */
  readonly attempts: number;
}

/**
 * What the two token errors share: the context, plus whichever details were given (a detail that
 * is `undefined` is not set at all, so `"status" in error` tells a network failure apart).
 */
abstract class TokenError<Details> extends Error implements TokenErrorContext {
  declare readonly vendor: string;
  declare readonly operation: string;
  declare readonly attempts: number;

  constructor(
    message: string,
    { cause, ...details }: TokenErrorContext & Details & { cause?: unknown },
  ) {
    super(message, cause === undefined ? undefined : { cause });
    for (const [name, value] of Object.entries(details)) {
      if (value !== undefined) Object.assign(this, { [name]: value });
    }
  }
}

/**
 * The vendor refused or failed the token request, or could not be reached. `status` is absent
 * for network failures and timeouts; then `cause` holds the underlying error.
 */
export class TokenRequestError<Body = unknown> extends TokenError<{
  status?: number | undefined;
  body?: Body;
  retryAfterMs?: number | undefined;
}> {
  override readonly name = "TokenRequestError";
  /** HTTP status of the vendor's answer; absent when there was none. */
  declare readonly status?: number;
  /**
   * The vendor's error body, parsed as JSON when it is JSON, with any secret redacted. Vendor
   * packages name its documented type (`<Vendor>TokenRequestError`); vendors do not always keep
   * to their docs, so check its shape before relying on it.
   */
  declare readonly body?: Body;
  /** How long the vendor asked us to wait (`Retry-After` or `x-ratelimit-reset`), in ms. */
  declare readonly retryAfterMs?: number;
}

/** A 2xx answer whose body holds no usable token (not JSON, no token, already expired). */
export class TokenResponseError extends TokenError<{ status: number }> {
  override readonly name = "TokenResponseError";
  declare readonly status: number;
}
