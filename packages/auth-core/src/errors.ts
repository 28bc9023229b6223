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
 * The vendor refused or failed the token request, or could not be reached. `status` is absent
 * for network failures and timeouts; then `cause` holds the underlying error.
 */
export class TokenRequestError<Body = unknown> extends Error implements TokenErrorContext {
  override readonly name = "TokenRequestError";
  readonly vendor: string;
  readonly operation: string;
  readonly attempts: number;
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

  constructor(
    message: string,
    details: TokenErrorContext & {
      status?: number | undefined;
      body?: Body;
      retryAfterMs?: number | undefined;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.vendor = details.vendor;
    this.operation = details.operation;
    this.attempts = details.attempts;
    if (details.status !== undefined) this.status = details.status;
    if (details.body !== undefined) this.body = details.body;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** A 2xx answer whose body holds no usable token (not JSON, no token, already expired). */
export class TokenResponseError extends Error implements TokenErrorContext {
  override readonly name = "TokenResponseError";
  readonly vendor: string;
  readonly operation: string;
  readonly attempts: number;
  readonly status: number;

  constructor(message: string, details: TokenErrorContext & { status: number }) {
    super(message);
    this.vendor = details.vendor;
    this.operation = details.operation;
    this.attempts = details.attempts;
    this.status = details.status;
  }
}
