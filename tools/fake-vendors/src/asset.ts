/**
 * Fake Asset: `POST /v0/auth/token` with an `application/x-www-form-urlencoded` OAuth
 * client-credentials body, validated the way the FastAPI backend would, only stricter.
 */
import {
  base64url,
  checkLifetime,
  epochSeconds,
  parseContentType,
  randomHex,
  startFakeServer,
  withDefaults,
  type FakeVendor,
  type FakeVendorOptions,
  type IncomingRequest,
  type Reply,
} from "./server.js";

/** Credentials Asset accepts (wire names `client_id`, `client_secret`). */
export interface AssetCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * How the response's `expires_in` is encoded. `"absolute"` (epoch seconds) is what the current docs
 * say; `"relative"` and `"absent"` are what older doc versions showed.
 */
export type AssetExpiresInEncoding = "absolute" | "relative" | "absent";

/**
 * Options for {@link startAsset}. `lifetimeSeconds` is the lifetime used when the request has no
 * `expires_in` field (default 3600, the documented default).
 */
export interface AssetOptions extends FakeVendorOptions<AssetCredentials> {
  /** Defaults to `"absolute"`. */
  expiresIn?: AssetExpiresInEncoding;
  /** Requests allowed per minute (by the injected clock) before answering 429; default 300. */
  rateLimitPerMinute?: number;
}

const TOKEN_PATH = "/v0/auth/token";
const SINGLE_FIELDS = [
  "grant_type",
  "client_id",
  "client_secret",
  "business_id",
  "scope",
  "expires_in",
] as const;
const KNOWN_FIELDS: readonly string[] = [...SINGLE_FIELDS, "resource"];

/** One FastAPI/pydantic validation error item. */
interface ValidationIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
  input?: string | string[];
}

function unprocessable(issues: ValidationIssue[]): Reply {
  return { status: 422, body: { detail: issues } };
}

// The spec's ErrorResponse, used for everything that is not a validation error.
function assetError(status: number, error: string): Reply {
  return { status, body: { error, data: null } };
}

// RFC 6749 scope: scope-tokens of NQCHAR (minus the comma, which only a wrong join produces),
// separated by single spaces.
const SCOPE_PATTERN = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+( [\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+)*$/;
// "https://a,https://b": a comma followed by what looks like another URI scheme.
const COMMA_JOINED_URIS = /,\s*[a-z][a-z0-9+.-]*:/i;

/** Start a fake Asset token endpoint on 127.0.0.1. Its `baseUrl` is its origin. */
export async function startAsset(
  options: AssetOptions = {},
): Promise<FakeVendor<AssetCredentials>> {
  const credentials = withDefaults<AssetCredentials>(
    { clientId: `client_${randomHex(12)}`, clientSecret: `secret_${randomHex(20)}` },
    options.credentials,
  );
  const now = options.now ?? Date.now;
  const defaultLifetime = checkLifetime("lifetimeSeconds", options.lifetimeSeconds, 3600);
  const encoding = options.expiresIn ?? "absolute";
  const rateLimit = options.rateLimitPerMinute ?? 300;
  const issuedTokens: string[] = [];
  let windowStart = -1;
  let windowCount = 0;
  let origin = "";

  // Fixed one-minute windows on the injected clock; every request counts, like a per-tenant limit.
  const countRequest = (): void => {
    const start = Math.floor(epochSeconds(now()) / 60) * 60;
    if (start !== windowStart) {
      windowStart = start;
      windowCount = 0;
    }
    windowCount++;
  };
  const rateLimitHeaders = (): Record<string, string> => ({
    "x-ratelimit-limit": String(rateLimit),
    "x-ratelimit-remaining": String(Math.max(0, rateLimit - windowCount)),
    "x-ratelimit-reset": String(windowStart + 60),
  });

  const issueToken = (request: IncomingRequest): Reply => {
    const media = parseContentType(request.contentType);
    if (media?.mediaType !== "application/x-www-form-urlencoded") {
      return unprocessable([
        {
          loc: ["body"],
          msg: `Content-Type must be application/x-www-form-urlencoded, got ${request.contentType ?? "none"}`,
          type: "content_type",
        },
      ]);
    }
    const params = new URLSearchParams(request.rawBody.toString("utf8"));
    const values = new Map<string, string[]>();
    for (const [name, value] of params) values.set(name, [...(values.get(name) ?? []), value]);

    const issues: ValidationIssue[] = [];
    for (const [name, list] of values) {
      if (!KNOWN_FIELDS.includes(name)) {
        const hint = name === "resource[]" ? " (repeat `resource=` once per value instead)" : "";
        issues.push({
          loc: ["body", name],
          msg: `Extra inputs are not permitted${hint}`,
          type: "extra_forbidden",
          input: list.length === 1 ? (list[0] ?? "") : list,
        });
      } else if (name !== "resource" && list.length > 1) {
        issues.push({
          loc: ["body", name],
          msg: "Field must appear at most once",
          type: "duplicate",
          input: list,
        });
      }
    }
    const single = (name: (typeof SINGLE_FIELDS)[number]): string | undefined => {
      const value = values.get(name)?.[0];
      // An empty value is what a client sends for an unset optional; treat it as absent.
      return value === "" ? undefined : value;
    };
    for (const name of ["grant_type", "client_id", "client_secret"] as const) {
      if (single(name) === undefined) {
        issues.push({ loc: ["body", name], msg: "Field required", type: "missing" });
      }
    }
    const grantType = single("grant_type");
    if (grantType !== undefined && grantType !== "client_credentials") {
      issues.push({
        loc: ["body", "grant_type"],
        msg: "Input should be 'client_credentials'",
        type: "enum",
        input: grantType,
      });
    }
    const requestedLifetime = single("expires_in");
    let lifetime = defaultLifetime;
    if (requestedLifetime !== undefined) {
      const parsed = Number(requestedLifetime);
      if (!/^\d+$/.test(requestedLifetime) || !Number.isSafeInteger(parsed)) {
        issues.push({
          loc: ["body", "expires_in"],
          msg: "Input should be a valid integer, unable to parse string as an integer",
          type: "int_parsing",
          input: requestedLifetime,
        });
      } else if (parsed <= 0) {
        issues.push({
          loc: ["body", "expires_in"],
          msg: "Input should be greater than 0",
          type: "greater_than",
          input: requestedLifetime,
        });
      } else lifetime = parsed;
    }
    const scope = single("scope");
    if (scope !== undefined && !SCOPE_PATTERN.test(scope)) {
      issues.push({
        loc: ["body", "scope"],
        msg: "scope must be scope tokens separated by single spaces (no commas)",
        type: "value_error",
        input: scope,
      });
    }
    const resources = values.get("resource") ?? [];
    resources.forEach((resource, index) => {
      const problem = resourceProblem(resource);
      if (problem !== undefined) {
        issues.push({
          loc: ["body", "resource", index],
          msg: problem,
          type: "value_error",
          input: resource,
        });
      }
    });
    if (issues.length > 0) return unprocessable(issues);

    if (single("client_id") !== credentials.clientId) return assetError(401, "invalid_client");
    if (single("client_secret") !== credentials.clientSecret)
      return assetError(401, "invalid_client");

    const issuedAt = epochSeconds(now());
    const expiresAt = issuedAt + lifetime;
    const token = fakeAccessToken({
      sub: credentials.clientId,
      aud: resources.length === 0 ? origin : resources.length === 1 ? resources[0] : resources,
      scope: scope ?? null,
      business_id: single("business_id") ?? null,
      iat: issuedAt,
      exp: expiresAt,
    });
    issuedTokens.push(token);
    const body: Record<string, unknown> = { access_token: token, token_type: "Bearer" };
    if (encoding === "absolute") body["expires_in"] = expiresAt;
    if (encoding === "relative") body["expires_in"] = lifetime;
    return { status: 200, body };
  };

  const server = await startFakeServer({
    routes: [{ method: "POST", pathname: TOKEN_PATH, kind: "token", handle: issueToken }],
    formatError: (status, message) => assetError(status, message),
    commonHeaders: rateLimitHeaders,
    gate: () => {
      countRequest();
      return windowCount > rateLimit ? assetError(429, "rate_limit_exceeded") : undefined;
    },
  });
  origin = server.origin;
  return { ...server, baseUrl: server.origin, credentials, issuedTokens };
}

/** Why `value` is not an acceptable RFC 8707 resource indicator, or `undefined` if it is. */
function resourceProblem(value: string): string | undefined {
  if (COMMA_JOINED_URIS.test(value)) {
    return "resource looks like several comma-joined URIs; repeat `resource=` once per value";
  }
  if (/\s/.test(value)) return "resource must be a single absolute URI without whitespace";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "resource must be an absolute URI";
  }
  if (value.includes("#") || url.hash !== "") return "resource must not contain a fragment";
  return undefined;
}

/** A JWT-shaped token with a random signature: Asset's tokens are opaque to clients. */
function fakeAccessToken(claims: Record<string, unknown>): string {
  return [
    base64url(JSON.stringify({ alg: "RS256", typ: "JWT" })),
    base64url(JSON.stringify(claims)),
    base64url(Buffer.from(randomHex(64), "hex")),
  ].join(".");
}
