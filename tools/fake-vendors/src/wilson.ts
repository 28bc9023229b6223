/**
 * Fake Wilson (40Factory): `POST /apif/v2/auth/token` with a JSON body, plus the
 * `GET /apif/v2/auth/company` "who am I" call that proves a token is usable.
 */
import { randomUUID } from "node:crypto";
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

/** Credentials Wilson accepts (wire names `app_name`, `client_id`, `client_secret`). */
export interface WilsonCredentials {
  appName: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Which expiry fields the token response carries. The docs show both; the variants let tests prove
 * a client copes with either one alone. `"absolute-only"` also drops `ext_expires_in`, which is
 * relative too and would otherwise let a client pass without reading `expires_at`.
 */
export type WilsonExpiryEncoding = "both" | "relative-only" | "absolute-only";

/** Options for {@link startWilson}. `lifetimeSeconds` defaults to 3599 (the documented example). */
export interface WilsonOptions extends FakeVendorOptions<WilsonCredentials> {
  /** Defaults to `"both"`. */
  expiry?: WilsonExpiryEncoding;
  /** The record `GET /auth/company` returns; defaults to a made-up company named after `appName`. */
  company?: WilsonCompany;
}

/** The company record returned by `GET /apif/v2/auth/company`. */
export interface WilsonCompany {
  id: number;
  name: string;
}

/** A running fake Wilson server. */
export interface FakeWilson extends FakeVendor<WilsonCredentials> {
  /** What `GET /apif/v2/auth/company` answers for a valid token. */
  company: WilsonCompany;
}

const BASE_PATH = "/apif/v2";
const TOKEN_FIELDS = ["app_name", "client_id", "client_secret"] as const;

// Wilson's error bodies are undocumented; the token is an Entra ID token, so Entra's OAuth error
// shape is the best guess.
function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description } };
}

const ERROR_CODES: Record<number, string> = {
  400: "invalid_request",
  401: "invalid_client",
  404: "not_found",
  405: "method_not_allowed",
  413: "invalid_request",
  415: "invalid_request",
};

/** Start a fake Wilson token endpoint on 127.0.0.1. Its `baseUrl` is `origin + "/apif/v2"`. */
export async function startWilson(options: WilsonOptions = {}): Promise<FakeWilson> {
  const credentials = withDefaults<WilsonCredentials>(
    {
      appName: `company-${randomHex(12)}`,
      clientId: randomUUID(),
      clientSecret: `S-${randomHex(16)}~${randomHex(4)}`,
    },
    options.credentials,
  );
  const now = options.now ?? Date.now;
  const lifetime = checkLifetime("lifetimeSeconds", options.lifetimeSeconds, 3599);
  const expiry = options.expiry ?? "both";
  const company = options.company ?? { id: 1, name: `Fake company for ${credentials.appName}` };
  const issuedTokens: string[] = [];
  // Token → expiry in epoch seconds, so `/auth/company` can tell live tokens from expired ones.
  const expiries = new Map<string, number>();

  const issueToken = (request: IncomingRequest): Reply => {
    const media = parseContentType(request.contentType);
    if (media?.mediaType !== "application/json") {
      return oauthError(
        415,
        "invalid_request",
        `Content-Type must be application/json, got ${request.contentType ?? "none"}`,
      );
    }
    const charset = media.params["charset"];
    if (charset !== undefined && charset.toLowerCase() !== "utf-8") {
      return oauthError(415, "invalid_request", `unsupported charset ${charset}; use utf-8`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.rawBody.toString("utf8"));
    } catch {
      return oauthError(400, "invalid_request", "request body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      return oauthError(400, "invalid_request", "request body must be a JSON object");
    }
    const body = parsed as Record<string, unknown>;
    const unknown = Object.keys(body).filter(
      (k) => !(TOKEN_FIELDS as readonly string[]).includes(k),
    );
    if (unknown.length > 0) {
      return oauthError(400, "invalid_request", `unknown field(s): ${unknown.join(", ")}`);
    }
    for (const field of TOKEN_FIELDS) {
      const value = body[field];
      if (value === undefined) return oauthError(400, "invalid_request", `missing field ${field}`);
      if (typeof value !== "string" || value === "") {
        return oauthError(400, "invalid_request", `field ${field} must be a non-empty string`);
      }
    }
    if (
      body["app_name"] !== credentials.appName ||
      body["client_id"] !== credentials.clientId ||
      body["client_secret"] !== credentials.clientSecret
    ) {
      return oauthError(401, "invalid_client", "Invalid app_name, client_id or client_secret.");
    }

    const issuedAt = epochSeconds(now());
    const expiresAt = issuedAt + lifetime;
    const token = fakeEntraToken(credentials, issuedAt, expiresAt);
    issuedTokens.push(token);
    expiries.set(token, expiresAt);
    const response: Record<string, unknown> = { access_token: token };
    if (expiry !== "relative-only") response["expires_at"] = expiresAt;
    if (expiry !== "absolute-only") {
      response["expires_in"] = lifetime;
      response["ext_expires_in"] = lifetime;
    }
    response["token_type"] = "Bearer";
    return { status: 200, body: response };
  };

  const getCompany = (request: IncomingRequest): Reply => {
    const authorization = request.headers["authorization"];
    const match = authorization === undefined ? null : /^Bearer (\S+)$/.exec(authorization);
    const token = match?.[1];
    if (token === undefined) {
      return oauthError(401, "invalid_token", "expected Authorization: Bearer <access token>");
    }
    const expiresAt = expiries.get(token);
    if (expiresAt === undefined) {
      return oauthError(401, "invalid_token", "token was not issued by this server");
    }
    if (epochSeconds(now()) >= expiresAt) return oauthError(401, "invalid_token", "token expired");
    return { status: 200, body: company };
  };

  const server = await startFakeServer({
    routes: [
      { method: "POST", pathname: `${BASE_PATH}/auth/token`, kind: "token", handle: issueToken },
      { method: "GET", pathname: `${BASE_PATH}/auth/company`, kind: "other", handle: getCompany },
    ],
    formatError: (status, message) =>
      oauthError(status, ERROR_CODES[status] ?? "invalid_request", message),
  });
  return { ...server, baseUrl: server.origin + BASE_PATH, credentials, issuedTokens, company };
}

/**
 * A token shaped like Wilson's (an Entra ID JWT with a `nonce` header). The signature is random:
 * clients must not verify it, and nothing can.
 */
function fakeEntraToken(credentials: WilsonCredentials, iat: number, exp: number): string {
  const header = { typ: "JWT", nonce: randomHex(16), alg: "RS256", kid: randomHex(8) };
  const payload = { aud: credentials.clientId, app_name: credentials.appName, iat, nbf: iat, exp };
  return [
    base64url(JSON.stringify(header)),
    base64url(JSON.stringify(payload)),
    base64url(Buffer.from(randomHex(64), "hex")),
  ].join(".");
}
