/**
 * Fake KlearStack: multipart-only login (`get_access_token`) issuing real HS256 JWTs, and refresh
 * (`getaccesstokenfromrefreshtoken`) that needs both a live access token and a live refresh token.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import {
  base64url,
  checkLifetime,
  epochSeconds,
  parseContentType,
  parseMultipart,
  randomHex,
  startFakeServer,
  withDefaults,
  type FakeVendor,
  type FakeVendorOptions,
  type IncomingRequest,
  type Reply,
} from "./server.js";

/** Credentials KlearStack accepts (wire names `username`, `password`, `company_name`). */
export interface KlearStackCredentials {
  username: string;
  password: string;
  companyName: string;
}

/** Options for {@link startKlearStack}. `lifetimeSeconds` is the access-token lifetime (default 900). */
export interface KlearStackOptions extends FakeVendorOptions<KlearStackCredentials> {
  /** Refresh-token lifetime in seconds; default 86400 (the docs say "at least a day"). */
  refreshLifetimeSeconds?: number;
  /** The `user_id` claim; default 26 (the documented example's). */
  userId?: number;
  /** HMAC key for the JWTs; default 32 random bytes. */
  jwtSecret?: string;
}

/** The claims in every token this fake issues. */
export interface KlearStackClaims {
  token_type: "access" | "refresh";
  exp: number;
  iat: number;
  jti: string;
  user_id: number;
}

/** A running fake KlearStack server. */
export interface FakeKlearStack extends FakeVendor<KlearStackCredentials> {
  /** The HMAC key its JWTs are signed with, so tests can verify or forge tokens. */
  jwtSecret: string;
  /** The `user_id` claim it puts in tokens. */
  userId: number;
  /** Refresh tokens issued, in order. */
  issuedRefreshTokens: string[];
}

const LOGIN_PATH = "/access/klearstack/get_access_token";
const REFRESH_PATH = "/access/klearstack/getaccesstokenfromrefreshtoken";
const RELEASE_VERSION = "7.8.9";
const LOGIN_FIELDS = ["username", "password", "company_name"] as const;
const REFRESH_FIELDS = ["refresh_token", "company_name"] as const;

// The vendor documents only this 500 text/plain for a bad login body; we reuse it for the refresh
// body so a client sees the same failure mode on both.
function missingParameter(field: string): Reply {
  return {
    status: 500,
    body: `One or Many Required parameters from ${field} must be missing, E.g error "${field}"`,
  };
}

function klearError(status: number, error: string): Reply {
  return { status, body: { error } };
}

/** Start a fake KlearStack on 127.0.0.1. Its `baseUrl` is its origin. */
export async function startKlearStack(options: KlearStackOptions = {}): Promise<FakeKlearStack> {
  const credentials = withDefaults<KlearStackCredentials>(
    {
      username: `user-${randomHex(6)}@example.test`,
      password: `pw-${randomHex(16)}`,
      companyName: `company-${randomHex(6)}`,
    },
    options.credentials,
  );
  const now = options.now ?? Date.now;
  const accessLifetime = checkLifetime("lifetimeSeconds", options.lifetimeSeconds, 900);
  const refreshLifetime = checkLifetime(
    "refreshLifetimeSeconds",
    options.refreshLifetimeSeconds,
    86400,
  );
  const userId = options.userId ?? 26;
  const jwtSecret = options.jwtSecret ?? randomHex(32);
  const issuedTokens: string[] = [];
  const issuedRefreshTokens: string[] = [];

  const sign = (tokenType: KlearStackClaims["token_type"], lifetime: number): string => {
    const iat = epochSeconds(now());
    const claims: KlearStackClaims = {
      token_type: tokenType,
      exp: iat + lifetime,
      iat,
      jti: randomHex(16),
      user_id: userId,
    };
    return signJwt(claims, jwtSecret);
  };

  /** The form fields, or the vendor-style error for a body that is not usable multipart. */
  const readForm = async (
    request: IncomingRequest,
    expected: readonly string[],
  ): Promise<Map<string, string> | Reply> => {
    const media = parseContentType(request.contentType);
    if (media?.mediaType !== "multipart/form-data" || request.contentType === null) {
      // What the vendor does with a url-encoded or JSON body: a bare 500.
      return {
        status: 500,
        body: `Expected multipart/form-data, got ${request.contentType ?? "no Content-Type"}`,
      };
    }
    if (!media.params["boundary"]) {
      return {
        status: 400,
        body: "Multipart form parse error - Invalid boundary in multipart: None",
      };
    }
    const entries = await parseMultipart(request.contentType, request.rawBody);
    if (entries === null) return { status: 400, body: "Multipart form parse error" };
    const fields = new Map<string, string>();
    for (const entry of entries) {
      if (!expected.includes(entry.name)) {
        return { status: 400, body: `Unexpected form field "${entry.name}"` };
      }
      if (entry.isFile)
        return { status: 400, body: `Form field "${entry.name}" must not be a file` };
      if (fields.has(entry.name)) {
        return { status: 400, body: `Form field "${entry.name}" sent more than once` };
      }
      fields.set(entry.name, entry.value);
    }
    for (const name of expected) {
      if (!fields.get(name)) return missingParameter(name);
    }
    return fields;
  };

  /** Claims of a token this server signed, of the given type and not expired; else why not. */
  const verify = (
    token: string,
    tokenType: KlearStackClaims["token_type"],
  ): KlearStackClaims | string => {
    const claims = verifyJwt(token, jwtSecret);
    if (claims === null) return `${tokenType} token is malformed or its signature is invalid`;
    if (claims.token_type !== tokenType) return `expected a ${tokenType} token`;
    if (epochSeconds(now()) >= claims.exp) return `${tokenType} token has expired`;
    return claims;
  };

  const login = async (request: IncomingRequest): Promise<Reply> => {
    const fields = await readForm(request, LOGIN_FIELDS);
    if (!(fields instanceof Map)) return fields;
    if (
      fields.get("username") !== credentials.username ||
      fields.get("password") !== credentials.password ||
      fields.get("company_name") !== credentials.companyName
    ) {
      return klearError(401, "Incorrect username or password.");
    }
    const accessToken = sign("access", accessLifetime);
    const refreshToken = sign("refresh", refreshLifetime);
    issuedTokens.push(accessToken);
    issuedRefreshTokens.push(refreshToken);
    return {
      status: 200,
      body: {
        refresh_token: refreshToken,
        access_token: accessToken,
        release_version: RELEASE_VERSION,
      },
    };
  };

  const refresh = async (request: IncomingRequest): Promise<Reply> => {
    const fields = await readForm(request, REFRESH_FIELDS);
    if (!(fields instanceof Map)) return fields;
    const authorization = request.headers["authorization"];
    const bearer = authorization === undefined ? null : /^Bearer (\S+)$/.exec(authorization);
    if (bearer?.[1] === undefined) {
      return klearError(401, "Authorization header must be 'Bearer <access token>'");
    }
    const access = verify(bearer[1], "access");
    if (typeof access === "string") return klearError(401, access);
    const refreshClaims = verify(fields.get("refresh_token") ?? "", "refresh");
    if (typeof refreshClaims === "string") return klearError(401, refreshClaims);
    if (refreshClaims.user_id !== access.user_id) {
      return klearError(401, "refresh token and access token belong to different users");
    }
    if (fields.get("company_name") !== credentials.companyName) {
      return klearError(401, "company_name does not match the token's company");
    }
    const accessToken = sign("access", accessLifetime);
    issuedTokens.push(accessToken);
    return { status: 200, body: { access_token: accessToken, release_version: RELEASE_VERSION } };
  };

  const server = await startFakeServer({
    routes: [
      { method: "POST", pathname: LOGIN_PATH, kind: "token", handle: login },
      { method: "POST", pathname: REFRESH_PATH, kind: "refresh", handle: refresh },
    ],
    formatError: (status, message) => klearError(status, message),
  });
  return {
    ...server,
    baseUrl: server.origin,
    credentials,
    issuedTokens,
    issuedRefreshTokens,
    jwtSecret,
    userId,
  };
}

const JWT_HEADER = base64url(JSON.stringify({ typ: "JWT", alg: "HS256" }));

/** Sign `claims` as an HS256 JWT with header `{"typ":"JWT","alg":"HS256"}`. */
export function signJwt(claims: object, secret: string): string {
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${JWT_HEADER}.${payload}`).digest();
  return `${JWT_HEADER}.${payload}.${base64url(signature)}`;
}

/** Claims of an HS256 JWT signed with `secret`, or `null` if malformed or wrongly signed. */
function verifyJwt(token: string, secret: string): KlearStackClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header = "", payload = "", signature = ""] = parts;
  // Compare the encoded text, not decoded bytes: base64url decoding ignores trailing bits, so two
  // different strings can decode to the same signature and a tampered token would slip through.
  const expected = Buffer.from(
    createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url"),
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const decodedHeader: unknown = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    if ((decodedHeader as { alg?: unknown } | null)?.alg !== "HS256") return null;
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof claims !== "object" || claims === null) return null;
    const { token_type, exp, iat, jti, user_id } = claims as Record<string, unknown>;
    if (token_type !== "access" && token_type !== "refresh") return null;
    if (typeof exp !== "number" || typeof iat !== "number" || typeof jti !== "string") return null;
    if (typeof user_id !== "number") return null;
    return { token_type, exp, iat, jti, user_id };
  } catch {
    return null;
  }
}
