import type { AccessToken } from "@tokenyard/auth-core";
import { seal, unseal, type PreparedKey, type Sealed } from "./encryption.js";

/**
 * The format version written into every value. A reader that meets another version treats the
 * entry as a miss (and the provider fetches and overwrites it), so a fleet that runs two versions
 * of this package side by side during a deploy keeps working instead of crashing on a new shape.
 */
export const FORMAT_VERSION = 1;

/** A plaintext entry as stored in Redis. */
interface PlainEntry {
  readonly v: typeof FORMAT_VERSION;
  readonly token: AccessToken;
}

/** An encrypted entry as stored in Redis: the token's JSON, sealed. */
interface SealedEntry extends Sealed {
  readonly v: typeof FORMAT_VERSION;
}

/** Serialises a token; encrypted with the first key when there are keys. */
export async function encodeEntry(
  token: AccessToken,
  key: string,
  keys: readonly PreparedKey[] | undefined,
): Promise<string> {
  if (keys === undefined) {
    const entry: PlainEntry = { v: FORMAT_VERSION, token };
    return JSON.stringify(entry);
  }
  const entry: SealedEntry = {
    v: FORMAT_VERSION,
    ...(await seal(keys[0]!, JSON.stringify(token), key)),
  };
  return JSON.stringify(entry);
}

/**
 * Reads a stored value back. Anything it does not fully understand is `undefined`, never an
 * error: a miss only costs a token request, while a throw here would turn a stray value (another
 * version, another app's key, a rotated-out encryption key) into an outage.
 *
 * With encryption on, only encrypted values are accepted: a plaintext value could have been
 * planted by anyone who can write to Redis, and the keys exist to rule that out.
 */
export async function decodeEntry(
  value: string,
  key: string,
  keys: readonly PreparedKey[] | undefined,
): Promise<AccessToken | undefined> {
  let entry: unknown;
  try {
    entry = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!isRecord(entry) || entry["v"] !== FORMAT_VERSION) return undefined;
  if (keys === undefined) {
    return "token" in entry ? asToken(entry["token"]) : undefined;
  }
  const { alg, kid, iv, data } = entry;
  if (alg !== "A256GCM" || typeof kid !== "string" || typeof iv !== "string") return undefined;
  if (typeof data !== "string") return undefined;
  const plain = await unseal(keys, { alg, kid, iv, data }, key);
  if (plain === undefined) return undefined;
  try {
    return asToken(JSON.parse(plain));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The fields the provider relies on, checked so that a malformed entry is a miss, not a crash. */
function asToken(value: unknown): AccessToken | undefined {
  if (!isRecord(value)) return undefined;
  const { accessToken, tokenType, expiresAt, obtainedAt, refreshToken, refreshTokenExpiresAt } =
    value;
  if (typeof accessToken !== "string" || typeof tokenType !== "string") return undefined;
  if (!Number.isFinite(expiresAt) || !Number.isFinite(obtainedAt)) return undefined;
  if (refreshToken !== undefined && typeof refreshToken !== "string") return undefined;
  if (refreshTokenExpiresAt !== undefined && !Number.isFinite(refreshTokenExpiresAt)) {
    return undefined;
  }
  return value as unknown as AccessToken;
}
