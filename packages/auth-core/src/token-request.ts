import createClient from "openapi-fetch";
import { credentialOf, type OperationBinding, type WireField } from "./binding.js";
import { TokenRequestError, TokenResponseError } from "./errors.js";
import { isRecord } from "./is-record.js";
import { redactSecrets } from "./redact.js";
import { retryAfterMs } from "./retry-after.js";

/** Values the fields of an operation may draw on. */
export interface FieldValues {
  readonly credentials: Readonly<Record<string, unknown>>;
  readonly refreshToken?: string | undefined;
  readonly accessToken?: string | undefined;
}

export interface TokenRequest {
  readonly vendor: string;
  readonly operation: OperationBinding;
  readonly values: FieldValues;
  /** Extra headers, e.g. the current bearer token for a refresh. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs: number;
  /** 1 for the first try; reported on errors as `attempts`. */
  readonly attempt?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Strings to scrub from anything that ends up on an error. */
  readonly secrets: readonly string[];
  readonly now: () => number;
}

export interface TokenReply {
  readonly status: number;
  readonly body: unknown;
}

/** openapi-fetch's client seen without path types: the binding supplies method and path. */
interface UntypedClient {
  request(
    method: string,
    path: string,
    init: object,
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
}

/** A client for token operations; one per provider. */
export function createTokenClient(baseUrl: string, fetch: typeof globalThis.fetch): UntypedClient {
  return createClient({
    baseUrl,
    fetch: (request: Request) => fetch(request),
  }) as unknown as UntypedClient;
}

/**
 * One attempt at a token operation through openapi-fetch, with the body encoded as the spec
 * says. Resolves with the parsed 2xx body; rejects with a {@link TokenRequestError} (vendor
 * refused, network, timeout) or a {@link TokenResponseError} (2xx that is not JSON).
 */
export async function sendTokenRequest(
  client: UntypedClient,
  {
    vendor,
    operation,
    values,
    timeoutMs,
    attempt = 1,
    signal,
    secrets,
    now,
    headers: extra,
  }: TokenRequest,
): Promise<TokenReply> {
  const context = { vendor, operation: operation.operationId, attempts: attempt };
  const named = `${vendor} ${operation.operationId}`;
  const parts = { body: {}, header: { ...extra }, query: {} } as Record<
    WireField["in"],
    Record<string, unknown>
  >;
  for (const { from, wire, in: place } of operation.fields) {
    const credential = credentialOf(from);
    const value =
      typeof from == "object"
        ? from.const
        : credential !== undefined
          ? values.credentials[credential]
          : values[from as "refreshToken"];
    if (value !== undefined) parts[place][wire] = place == "header" ? String(value) : value;
  }
  const { body, header: headers } = parts;
  // Arrays go as repeated fields (OpenAPI's form style with explode, RFC 8707's `resource`).
  const entries = <T extends URLSearchParams | FormData>(target: T): T => {
    for (const [name, value] of Object.entries(body))
      for (const item of [value].flat()) target.append(name, String(item));
    return target;
  };
  if (operation.body == "form") headers["Content-Type"] = "application/x-www-form-urlencoded";

  // AbortSignal.timeout(0) fires only on a later timer tick, after a fast vendor may already have
  // answered: 0 must mean "no time at all", so the signal starts aborted.
  const timeout =
    timeoutMs > 0
      ? AbortSignal.timeout(timeoutMs)
      : AbortSignal.abort(new DOMException("timed out", "TimeoutError"));
  let result: { data?: unknown; error?: unknown; response: Response };
  try {
    result = await client.request(operation.method, operation.path, {
      ...(operation.body && {
        body,
        // multipart has no Content-Type of ours: fetch writes it with its boundary.
        bodySerializer:
          operation.body == "json"
            ? undefined
            : () =>
                operation.body == "form"
                  ? entries(new URLSearchParams()).toString()
                  : entries(new FormData()),
      }),
      headers,
      params: { query: parts.query },
      parseAs: "text",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new TokenRequestError(
      timeout.aborted
        ? `${named} timed out after ${timeoutMs} ms`
        : `${named} could not reach the vendor: ${redactSecrets(String((error as Error)?.message ?? error), secrets)}`,
      { ...context, cause: redactCause(error, secrets) },
    );
  }

  const { response, data, error } = result;
  const status = response.status;
  if (!response.ok) {
    const errorBody = redactSecrets(error, secrets);
    const words = vendorMessage(errorBody);
    throw new TokenRequestError(
      `${named} failed: HTTP ${status}${words && `: ${words.length > 300 ? `${words.slice(0, 300)}…` : words}`}`,
      {
        ...context,
        status,
        body: errorBody,
        retryAfterMs: retryAfterMs(response.headers, now(), status),
      },
    );
  }
  const text = typeof data == "string" ? data : "";
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch {
    throw new TokenResponseError(
      `${named} answered HTTP ${status} with a body that is not JSON (${text.length} bytes)`,
      {
        ...context,
        status,
      },
    );
  }
}

/**
 * The error itself, unless its message or stack names a secret: fetch echoes an invalid header
 * value (`Headers.append: "…" is an invalid header value`), so a credential could ride on `cause`.
 */
function redactCause(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const text = `${error.message}\n${error.stack}`;
  if (redactSecrets(text, secrets) === text) return error;
  const safe = new Error(redactSecrets(error.message, secrets));
  safe.name = error.name;
  return safe;
}

/**
 * `invalid_client The client secret is wrong`: the vendor's own words, when it gave some. OAuth
 * (error, error_description), Asset ({error, data}), Manis ({message} or problem details), FastAPI
 * ({detail: string | [{loc, msg}]}), or a text body.
 */
function vendorMessage(body: unknown): string {
  const parts = isRecord(body)
    ? [body.error, body.error_description, body.message, body.title, body.detail].flatMap((part) =>
        typeof part == "string"
          ? [part]
          : Array.isArray(part)
            ? part.map((item) =>
                isRecord(item)
                  ? [
                      Array.isArray(item.loc) && item.loc.join("."),
                      typeof item.msg == "string" && item.msg,
                    ]
                      .filter(Boolean)
                      .join(": ")
                  : String(item),
              )
            : [],
      )
    : [typeof body == "string" ? body.trim() : ""];
  return [...new Set(parts.filter(Boolean))].join(" ");
}
