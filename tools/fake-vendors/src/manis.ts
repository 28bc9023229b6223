/**
 * Fake Manis: `POST /api/v1/auth/token` authenticated by the `x-merchant-id` and `x-secret`
 * headers, with no body at all.
 */
import {
  checkLifetime,
  epochSeconds,
  randomHex,
  startFakeServer,
  withDefaults,
  type FakeVendor,
  type FakeVendorOptions,
  type IncomingRequest,
  type Reply,
} from "./server.js";

/** Credentials Manis accepts (headers `x-merchant-id`, `x-secret`). */
export interface ManisCredentials {
  merchantId: string;
  secret: string;
}

/**
 * Shape of 4xx bodies. The seed spec's schemas say `{message, timestamp}` (`"message"`); its prose
 * lists problem-details-like fields `{timestamp, title, type, status, soaCode, detail}` (`"problem"`).
 */
export type ManisErrorShape = "message" | "problem";

/** Options for {@link startManis}. `lifetimeSeconds` defaults to 3600 (the real one is unknown). */
export interface ManisOptions extends FakeVendorOptions<ManisCredentials> {
  /** Defaults to `"message"`. */
  errorShape?: ManisErrorShape;
  /** Unit of the response's `expiresAt` epoch timestamp (undocumented upstream); default `"ms"`. */
  expiresAtUnit?: "ms" | "s";
}

const TOKEN_PATH = "/api/v1/auth/token";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
};

/** Start a fake Manis token endpoint on 127.0.0.1. Its `baseUrl` is its origin. */
export async function startManis(
  options: ManisOptions = {},
): Promise<FakeVendor<ManisCredentials>> {
  const credentials = withDefaults<ManisCredentials>(
    { merchantId: `merchant-${randomHex(8)}`, secret: randomHex(24) },
    options.credentials,
  );
  const now = options.now ?? Date.now;
  const lifetime = checkLifetime("lifetimeSeconds", options.lifetimeSeconds, 3600);
  const errorShape = options.errorShape ?? "message";
  const unit = options.expiresAtUnit ?? "ms";
  const issuedTokens: string[] = [];

  const manisError = (status: number, message: string): Reply => {
    // The documented timestamp format is yyyy-MM-dd'T'HH:mm:ss.SSS'Z', i.e. toISOString().
    const timestamp = new Date(now()).toISOString();
    if (errorShape === "message") return { status, body: { message, timestamp } };
    return {
      status,
      body: {
        timestamp,
        title: TITLES[status] ?? "Error",
        type: "about:blank",
        status,
        // soaCode's format is undocumented; this only needs to be a plausible string.
        soaCode: `AUTH-${status}`,
        detail: message,
      },
    };
  };

  const issueToken = (request: IncomingRequest): Reply => {
    if (request.rawBody.length > 0) {
      return manisError(400, "The token request takes no body; send only the two headers");
    }
    const merchantId = request.headers["x-merchant-id"];
    const secret = request.headers["x-secret"];
    const missing = [...(merchantId ? [] : ["x-merchant-id"]), ...(secret ? [] : ["x-secret"])];
    if (missing.length > 0) {
      return manisError(400, `Missing required header(s): ${missing.join(", ")}`);
    }
    if (merchantId !== credentials.merchantId || secret !== credentials.secret) {
      return manisError(401, "Invalid merchant id or secret");
    }
    const nowMs = Math.floor(now());
    const token = `mnt_${randomHex(24)}`;
    issuedTokens.push(token);
    const expiresAt = unit === "ms" ? nowMs + lifetime * 1000 : epochSeconds(nowMs) + lifetime;
    return { status: 200, body: { token, tokenType: "Bearer", expiresAt } };
  };

  const server = await startFakeServer({
    routes: [{ method: "POST", pathname: TOKEN_PATH, kind: "token", handle: issueToken }],
    formatError: manisError,
  });
  return { ...server, baseUrl: server.origin, credentials, issuedTokens };
}
