import createClient from "openapi-fetch";
import type { OperationBinding, WireField } from "./binding.js";
import { TokenRequestError, TokenResponseError } from "./errors.js";
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
  request: TokenRequest,
): Promise<TokenReply> {
  const { operation } = request;
  const context = {
    vendor: request.vendor,
    operation: operation.operationId,
    attempts: request.attempt ?? 1,
  };
  const body: Record<string, unknown> = {};
  const headers: Record<string, string> = { ...request.headers };
  const query: Record<string, unknown> = {};
  for (const field of operation.fields) {
    const value = fieldValue(field, request.values);
    if (value === undefined) continue;
    if (field.in === "body") body[field.wire] = value;
    else if (field.in === "header") headers[field.wire] = String(value);
    else query[field.wire] = value;
  }
  const encoded = operation.body ? encodeBody(operation.body, body, headers) : undefined;

  // AbortSignal.timeout(0) fires only on a later timer tick, after a fast vendor may already have
  // answered: 0 must mean "no time at all", so the signal starts aborted.
  const timeout =
    request.timeoutMs > 0
      ? AbortSignal.timeout(request.timeoutMs)
      : AbortSignal.abort(new DOMException("The operation timed out.", "TimeoutError"));
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  let result: { data?: unknown; error?: unknown; response: Response };
  try {
    result = await client.request(operation.method, operation.path, {
      ...(encoded ? encoded : {}),
      headers,
      params: { query },
      parseAs: "text",
      signal,
    });
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason;
    const timedOut = timeout.aborted;
    throw new TokenRequestError(
      timedOut
        ? `${request.vendor} ${operation.operationId} timed out after ${request.timeoutMs} ms`
        : `${request.vendor} ${operation.operationId} could not reach the vendor: ${redactSecrets(String((error as Error)?.message ?? error), request.secrets)}`,
      { ...context, cause: redactCause(error, request.secrets) },
    );
  }

  const { response } = result;
  if (!response.ok) {
    const errorBody = redactSecrets(result.error, request.secrets);
    throw new TokenRequestError(
      `${request.vendor} ${operation.operationId} failed: HTTP ${response.status}${describeVendorMessage(errorBody)}`,
      {
        ...context,
        status: response.status,
        body: errorBody,
        retryAfterMs: retryAfterMs(response.headers, request.now(), response.status),
      },
    );
  }
  const text = typeof result.data === "string" ? result.data : "";
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new TokenResponseError(
      `${request.vendor} ${operation.operationId} answered HTTP ${response.status} with a body that is not JSON (${text.length} bytes)`,
      { ...context, status: response.status },
    );
  }
}

/**
 * The error itself, unless its message or stack names a secret: fetch echoes an invalid header
 * value (`Headers.append: "…" is an invalid header value`), so a credential could ride on `cause`.
 */
function redactCause(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const text = `${error.message}\n${error.stack ?? ""}`;
  if (redactSecrets(text, secrets) === text) return error;
  const safe = new Error(redactSecrets(error.message, secrets));
  safe.name = error.name;
  return safe;
}

function fieldValue(field: WireField, values: FieldValues): unknown {
  const { from } = field;
  if (typeof from === "object") return from.const;
  if (from === "refreshToken") return values.refreshToken;
  if (from === "accessToken") return values.accessToken;
  return values.credentials[from.slice("credentials.".length)];
}

function encodeBody(
  kind: NonNullable<OperationBinding["body"]>,
  body: Record<string, unknown>,
  headers: Record<string, string>,
): { body: unknown; bodySerializer?: (body: unknown) => unknown } {
  if (kind === "json") return { body };
  if (kind === "form") {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    // Arrays go as repeated fields (OpenAPI's form style with explode, RFC 8707's `resource`).
    return { body, bodySerializer: () => toEntries(body, new URLSearchParams()).toString() };
  }
  // No Content-Type: fetch writes multipart/form-data with its boundary.
  return { body, bodySerializer: () => toEntries(body, new FormData()) };
}

function toEntries<T extends URLSearchParams | FormData>(
  body: Record<string, unknown>,
  target: T,
): T {
  for (const [name, value] of Object.entries(body)) {
    for (const item of Array.isArray(value) ? value : [value]) target.append(name, String(item));
  }
  return target;
}

/** `: invalid_client (The client secret is wrong)`: the vendor's own words, when it gave some. */
function describeVendorMessage(body: unknown): string {
  const message = vendorMessage(body);
  return message ? `: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}` : "";
}

function vendorMessage(body: unknown): string | undefined {
  if (typeof body === "string") return body.trim() || undefined;
  if (body === null || typeof body !== "object") return undefined;
  const record = body as Record<string, unknown>;
  // OAuth (error, error_description), Asset ({error, data}), Manis ({message} or problem details),
  // FastAPI ({detail: string | [{msg}]}).
  const parts = [
    record.error,
    record.error_description,
    record.message,
    record.title,
    record.detail,
  ]
    .flatMap((part) =>
      typeof part === "string"
        ? [part]
        : Array.isArray(part)
          ? part.map((item) =>
              item && typeof item === "object"
                ? describeDetail(item as Record<string, unknown>)
                : String(item),
            )
          : [],
    )
    .filter(Boolean);
  return parts.length ? [...new Set(parts)].join(" ") : undefined;
}

function describeDetail(item: Record<string, unknown>): string {
  const location = Array.isArray(item.loc) ? item.loc.join(".") : "";
  return [location, typeof item.msg === "string" ? item.msg : ""].filter(Boolean).join(": ");
}
