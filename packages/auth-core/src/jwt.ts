/**
 * JWT payload decoding for expiry detection only.
 *
 * Nothing here verifies a signature: the claims are used to learn when a token the vendor just
 * issued to us expires, never to make a trust decision. Uses only web-standard APIs (`atob`,
 * `TextDecoder`), so it runs in browsers, Deno, Bun, edge workers and Node alike.
 */

import { isRecord } from "./is-record.js";

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
  const [header = "", payload = "", signature = "!", extra] =
    typeof token == "string" ? token.split(".") : [];
  return extra === undefined && BASE64URL.test(signature) && decode(header)
    ? decode(payload)
    : undefined;
}

/** base64url (RFC 4648 §5), with the optional `=` padding some encoders emit. */
const BASE64URL = /^[\w-]*={0,2}$/;

/** One base64url segment holding a UTF-8 JSON object, or `undefined`. */
function decode(segment: string): Record<string, unknown> | undefined {
  try {
    if (!segment || !BASE64URL.test(segment)) return undefined;
    // atob throws on an impossible length (4n+1).
    const binary = atob(segment.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
    const value: unknown = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(
        Uint8Array.from(binary, (c) => c.charCodeAt(0)),
      ),
    );
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
