/**
 * Issuing tokens: real HS256 JWTs signed with the sandbox's own secret, and the success body
 * that carries one, shaped like the spec's example with the token, its type and its expiry
 * written where the binding says the client will look.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuthBinding } from "../binding.js";
import { decodeExpiry, type ExpiryEncoding } from "../expiry.js";
import { pointerTokens, readPointer } from "../json-pointer.js";

/** The claims of every token a sandbox issues. */
export interface SandboxClaims {
  readonly sub: string;
  /** Epoch seconds. */
  readonly iat: number;
  /** Epoch seconds, rounded down so it never outlives what the body says. */
  readonly exp: number;
  readonly jti: string;
  readonly token_type: "access" | "refresh";
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

/** Signs claims as a compact HS256 JWT. */
export function signJwt(claims: SandboxClaims, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", secret).update(`${HEADER}.${payload}`).digest("base64url");
  return `${HEADER}.${payload}.${signature}`;
}

/** The claims of a JWT this secret signed, or `null` for anything else. Never throws. */
export function verifyJwt(token: string, secret: string): SandboxClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  // Compare the encoded text: base64url decoding ignores trailing bits, so comparing decoded
  // bytes would accept a tampered signature string.
  const expected = Buffer.from(
    createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url"),
  );
  const given = Buffer.from(signature);
  if (header !== HEADER || given.length !== expected.length || !timingSafeEqual(given, expected))
    return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    const { sub, iat, exp, jti, token_type } = claims;
    if (typeof sub !== "string" || typeof iat !== "number" || typeof exp !== "number") return null;
    if (typeof jti !== "string" || (token_type !== "access" && token_type !== "refresh"))
      return null;
    return { sub, iat, exp, jti, token_type };
  } catch {
    return null;
  }
}

/** A freshly signed token and the instant (epoch ms) it expires. */
export interface IssuedToken {
  readonly token: string;
  readonly expiresAtMs: number;
}

/** Signs a token of `kind` living `lifetimeSeconds` from `nowMs`. */
export function issueJwt(
  kind: SandboxClaims["token_type"],
  subject: string,
  nowMs: number,
  lifetimeSeconds: number,
  secret: string,
): IssuedToken {
  const expiresAtMs = nowMs + lifetimeSeconds * 1000;
  const claims: SandboxClaims = {
    sub: subject,
    iat: Math.floor(nowMs / 1000),
    exp: Math.floor(expiresAtMs / 1000),
    jti: randomBytes(12).toString("hex"),
    token_type: kind,
  };
  return { token: signJwt(claims, secret), expiresAtMs };
}

/** How the ambiguous encodings are written; see `SandboxOptions`. */
export interface EncodingChoices {
  readonly epochUnit: "ms" | "s";
  readonly autoExpiry: "absolute" | "relative";
}

/**
 * An expiry in the given encoding, or `undefined` when nothing is written (`jwt-exp`: the token
 * itself carries it).
 */
export function encodeExpiry(
  as: ExpiryEncoding,
  nowMs: number,
  lifetimeSeconds: number,
  choices: EncodingChoices,
): string | number | undefined {
  const expiresAtMs = nowMs + lifetimeSeconds * 1000;
  const epochSeconds = Math.floor(expiresAtMs / 1000);
  switch (as) {
    case "seconds":
      return lifetimeSeconds;
    case "epoch-seconds":
      return epochSeconds;
    case "epoch-ms":
      return expiresAtMs;
    case "epoch-auto":
      return choices.epochUnit === "s" ? epochSeconds : expiresAtMs;
    case "auto":
      // Asset documents a lifetime-named field carrying an absolute epoch-seconds time.
      return choices.autoExpiry === "relative" ? lifetimeSeconds : epochSeconds;
    case "iso":
      return new Date(expiresAtMs).toISOString();
    case "jwt-exp":
      return undefined;
  }
}

/**
 * A lifetime in seconds from a value the client sent (e.g. Asset's `expires_in` form field),
 * read in the rule's encoding; `undefined` when it does not denote a future instant.
 */
export function requestedLifetime(
  value: unknown,
  as: ExpiryEncoding,
  nowMs: number,
): number | undefined {
  // The client's own decoding: the sandbox and the client never disagree on what was asked.
  const instant = decodeExpiry(value, as, nowMs);
  return instant !== undefined && instant > nowMs ? (instant - nowMs) / 1000 : undefined;
}

/** What goes into one success body. */
export interface TokenBodyInput {
  readonly auth: AuthBinding;
  readonly example: unknown;
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  readonly nowMs: number;
  readonly lifetimeSeconds: number;
  readonly choices: EncodingChoices;
  /**
   * Write type and expiry only where the example has the field. A refresh answer documents
   * fewer fields than a login; inventing the others would hide a client that depends on them.
   */
  readonly onlyDocumented: boolean;
  /** Pointers deleted from the finished body. */
  readonly omit: readonly string[];
}

/** A deep copy of the example with the token, its type and expiry at the binding's pointers. */
export function tokenBody(input: TokenBodyInput): unknown {
  const { auth, example, nowMs, lifetimeSeconds, choices, onlyDocumented } = input;
  let body: unknown = structuredClone(example) ?? {};
  const write = (pointer: string, value: unknown, always: boolean): void => {
    if (always || !onlyDocumented || readPointer(example, pointer) !== undefined)
      body = writePointer(body, pointer, value);
  };
  write(auth.token.accessToken, input.accessToken, true);
  if (typeof auth.token.tokenType === "object") write(auth.token.tokenType.from, "Bearer", false);
  for (const rule of auth.token.expiry) {
    if (!rule.from.startsWith("/")) continue;
    const value = encodeExpiry(rule.as, nowMs, lifetimeSeconds, choices);
    if (value !== undefined) write(rule.from, value, false);
  }
  if (input.refreshToken !== undefined && auth.token.refreshToken) {
    write(auth.token.refreshToken.from, input.refreshToken, true);
  }
  for (const pointer of input.omit) body = deletePointer(body, pointer);
  return body;
}

/** Sets the value at a pointer, creating objects on the way; `""` replaces the document. */
export function writePointer(document: unknown, pointer: string, value: unknown): unknown {
  if (pointer === "") return value;
  const tokens = pointerTokens(pointer);
  const root = isContainer(document) ? document : {};
  let current: Record<string, unknown> = root as Record<string, unknown>;
  tokens.forEach((token, index) => {
    if (index === tokens.length - 1) {
      // defineProperty, so a "__proto__" token makes an own member instead of a prototype swap.
      Object.defineProperty(current, token, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return;
    }
    let next = Object.hasOwn(current, token) ? current[token] : undefined;
    if (!isContainer(next)) {
      next = {};
      Object.defineProperty(current, token, {
        value: next,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    current = next as Record<string, unknown>;
  });
  return root;
}

/** Removes the member at a pointer, if present. */
export function deletePointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return undefined;
  const last = pointerTokens(pointer).pop()!;
  const parent = readPointer(document, pointer.slice(0, pointer.lastIndexOf("/")));
  if (Array.isArray(parent) && /^\d+$/.test(last)) parent.splice(Number(last), 1);
  else if (isContainer(parent) && Object.hasOwn(parent, last))
    delete (parent as Record<string, unknown>)[last];
  return document;
}

function isContainer(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
