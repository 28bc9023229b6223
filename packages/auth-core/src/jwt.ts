/**
 * JWT payload decoding for expiry detection only.
 *
 * Nothing here verifies a signature: the claims are used to learn when a token the vendor just
 * issued to us expires, never to make a trust decision. Uses only web-standard APIs (`atob`,
 * `TextDecoder`), so it runs in browsers, Deno, Bun, edge workers and Node alike.
 */

/** base64url alphabet (RFC 4648 §5), optionally followed by `=` padding some encoders emit. */
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes the payload claims of a JWS-compact JWT **without verifying it**.
 *
 * Accepts exactly three dot-separated base64url segments (padding optional) whose header and
 * payload are UTF-8 JSON objects; the signature segment may be empty (unsecured JWT) but must be
 * base64url. Anything else (wrong type, wrong segment count, bad alphabet, invalid UTF-8, invalid
 * JSON, a payload that is an array or primitive) yields `undefined`.
 *
 * Never throws, and never echoes the token: the only thing ever returned is the decoded claims.
 *
 * @param token - A candidate JWT; any value is accepted.
 * @returns The payload claims object, or `undefined` when `token` is not a well-formed JWT.
 */
export function decodeJwtClaims(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== "string") return undefined;
  const segments = token.split(".");
  if (segments.length !== 3) return undefined;
  const [header, payload, signature] = segments as [string, string, string];
  if (!BASE64URL.test(signature) || decodeJsonObject(header) === undefined) return undefined;
  return decodeJsonObject(payload);
}

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64Url(segment);
  if (bytes === undefined) return undefined;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function decodeBase64Url(segment: string): Uint8Array | undefined {
  if (segment === "" || !BASE64URL.test(segment)) return undefined;
  const unpadded = segment.replace(/=+$/, "");
  // A single leftover character cannot encode a whole byte.
  if (unpadded.length % 4 === 1) return undefined;
  const base64 = unpadded.replaceAll("-", "+").replaceAll("_", "/");
  try {
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
