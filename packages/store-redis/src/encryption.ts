import { ConfigurationError } from "@tokenyard/auth-core";

/**
 * A key for encryption at rest: 32 raw bytes, or a Web Crypto AES-GCM 256-bit `CryptoKey` that is
 * extractable (its raw bytes are exported once, only to compute its {@link PreparedKey.kid}).
 */
export type EncryptionKey = CryptoKey | Uint8Array;

/** A validated key; raw bytes are the store's own copy in a plain `ArrayBuffer`. */
export type OwnedKey = CryptoKey | Uint8Array<ArrayBuffer>;

/**
 * A key ready for use and its short public id. Raw bytes become a non-extractable `CryptoKey`;
 * an app's `CryptoKey` is used as given (it is extractable: the kid needs its bytes once).
 */
export interface PreparedKey {
  readonly key: CryptoKey;
  /**
   * First 8 hex digits of the SHA-256 of the raw key. It lets a reader pick the right key at once
   * after a rotation; 32 bits of a hash of a 256-bit random key reveal nothing usable about it.
   */
  readonly kid: string;
}

const OPTION = "encryptionKeys";

/**
 * Checks what can be checked synchronously, so that `createRedisStore` throws at construction
 * like every other tokenyard factory. Messages name the position, never any key material.
 */
export function validateEncryptionKeys(keys: unknown): readonly OwnedKey[] | undefined {
  if (keys === undefined) return undefined;
  if (!Array.isArray(keys)) {
    throw new ConfigurationError(OPTION, "must be an array of keys (the first one encrypts)");
  }
  if (keys.length === 0) {
    throw new ConfigurationError(OPTION, "must hold at least one key; omit it to store plaintext");
  }
  keys.forEach((key: unknown, index) => {
    const where = `${OPTION}[${index}]`;
    if (key instanceof Uint8Array) {
      if (key.byteLength !== 32) {
        throw new ConfigurationError(
          where,
          `must be 32 bytes for AES-256-GCM (got ${key.byteLength})`,
        );
      }
      return;
    }
    if (isCryptoKey(key)) {
      const algorithm = key.algorithm as Partial<AesKeyAlgorithm>;
      if (algorithm.name !== "AES-GCM" || algorithm.length !== 256) {
        throw new ConfigurationError(where, "must be an AES-GCM CryptoKey of length 256");
      }
      if (!key.usages.includes("encrypt") || !key.usages.includes("decrypt")) {
        throw new ConfigurationError(where, 'must allow the usages "encrypt" and "decrypt"');
      }
      if (!key.extractable) {
        throw new ConfigurationError(
          where,
          "must be extractable: its raw bytes are hashed once to compute the key id stored with each value",
        );
      }
      return;
    }
    throw new ConfigurationError(where, "must be a Uint8Array of 32 bytes or an AES-GCM CryptoKey");
  });
  // Copy raw keys now: keys are imported lazily, and the app may reuse or wipe its buffer meanwhile.
  return (keys as EncryptionKey[]).map((key) =>
    key instanceof Uint8Array ? new Uint8Array(key) : key,
  );
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey === "function" && value instanceof CryptoKey;
}

/**
 * Imports raw keys as non-extractable `CryptoKey`s and computes every key id. Async because Web
 * Crypto is; the store runs it once, on first use.
 */
export async function prepareKeys(keys: readonly OwnedKey[]): Promise<readonly PreparedKey[]> {
  return Promise.all(
    keys.map(async (input) => {
      // Raw keys are already our own copies (see validateEncryptionKeys), so they can be wiped.
      const bytes =
        input instanceof Uint8Array
          ? input
          : new Uint8Array(await crypto.subtle.exportKey("raw", input));
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const kid = Buffer.from(digest.subarray(0, 4)).toString("hex");
      const key =
        input instanceof Uint8Array
          ? await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"])
          : input;
      // Best effort: no copy of the key bytes outlives this function (the app keeps its own).
      // Safe because prepareKeys runs once per store, on the copies made at construction.
      bytes.fill(0);
      return { key, kid };
    }),
  );
}

/** What an encrypted entry holds besides the format version. */
export interface Sealed {
  readonly alg: "A256GCM";
  readonly kid: string;
  readonly iv: string;
  readonly data: string;
}

/**
 * AES-256-GCM with a random 96-bit IV (the size GCM is designed for; random IVs are safe far beyond
 * the number of writes a token store sees). `aad` is the entry's key, so a value copied to another
 * key fails authentication instead of handing one credential set's token to another.
 */
export async function seal(key: PreparedKey, plaintext: string, aad: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key.key,
    new TextEncoder().encode(plaintext),
  );
  return {
    alg: "A256GCM",
    kid: key.kid,
    iv: Buffer.from(iv).toString("base64"),
    data: Buffer.from(data).toString("base64"),
  };
}

/**
 * Decrypts with the key whose id matches, else with each key in turn: the id is a hint outside the
 * authenticated data, so a missing or altered id costs a few more attempts, never a wrong result.
 * `undefined` when no key authenticates the value: a wrong key, a tampered value or a value moved
 * between keys.
 */
export async function unseal(
  keys: readonly PreparedKey[],
  sealed: Sealed,
  aad: string,
): Promise<string | undefined> {
  const iv = Buffer.from(sealed.iv, "base64");
  const data = Buffer.from(sealed.data, "base64");
  // A 12-byte IV and at least a 16-byte tag, or it cannot be ours.
  if (iv.byteLength !== 12 || data.byteLength < 16) return undefined;
  const matching = keys.filter((key) => key.kid === sealed.kid);
  const candidates = matching.length > 0 ? matching : keys;
  const additionalData = new TextEncoder().encode(aad);
  for (const { key } of candidates) {
    try {
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData }, key, data);
      return new TextDecoder().decode(plain);
    } catch {
      // OperationError: authentication failed with this key; try the next one.
    }
  }
  return undefined;
}
