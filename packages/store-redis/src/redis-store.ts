import { ConfigurationError, type AccessToken, type TokenStore } from "@tokenyard/auth-core";
import { Redis, type RedisOptions } from "ioredis";
import { decodeEntry, encodeEntry } from "./codec.js";
import { withCommandTimeout } from "./command-timeout.js";
import { RedisStoreError, type RedisStoreOperation } from "./errors.js";
import {
  prepareKeys,
  validateEncryptionKeys,
  type EncryptionKey,
  type PreparedKey,
} from "./encryption.js";

/** Options of {@link createRedisStore}. Give at most one of `client` and `url`/`redis`. */
export interface RedisStoreOptions {
  /**
   * An ioredis client the app already has. It is used as is, so its own settings decide how
   * commands behave when Redis is down or slow (see the README), and {@link RedisStore.close}
   * leaves it open: the app owns it.
   */
  readonly client?: Redis | undefined;
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS). */
  readonly url?: string | undefined;
  /**
   * ioredis options for the client this store creates. They override the store's fail-fast
   * defaults (`enableOfflineQueue: false`, `maxRetriesPerRequest: 0`, a capped `retryStrategy`).
   */
  readonly redis?: RedisOptions | undefined;
  /** Prepended to every Redis key this store writes. Default `"tokenyard:"`. */
  readonly keyPrefix?: string | undefined;
  /**
   * Encrypts values at rest with AES-256-GCM. The first key encrypts; every key decrypts, so a
   * rotation is: add the new key first, deploy, and drop the old one once its entries have expired.
   */
  readonly encryptionKeys?: readonly EncryptionKey[] | undefined;
  /**
   * How long a Redis command of this store may take before it rejects, in ms, on any client.
   * Default 250: a shared cache that answers slower than that is worth less than asking the
   * in-memory cache or the vendor.
   */
  readonly commandTimeoutMs?: number | undefined;
}

/** A {@link TokenStore} on Redis, with the client it uses and a way to close it. */
export interface RedisStore extends TokenStore {
  get(key: string): Promise<AccessToken | undefined>;
  set(key: string, token: AccessToken, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
  /** The ioredis client in use: the app's own, or the one this store created. */
  readonly client: Redis;
  /** Closes the client this store created; does nothing to an app-supplied client. */
  close(): Promise<void>;
}

/** Default for {@link RedisStoreOptions.keyPrefix}. */
export const DEFAULT_KEY_PREFIX = "tokenyard:";
/** Default for {@link RedisStoreOptions.commandTimeoutMs}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 250;
/** Longest pause between reconnection attempts of a client this store created, in ms. */
export const MAX_RECONNECT_DELAY_MS = 2000;

// Deletes the lock only if it still holds our owner value. GET then DEL in one script is atomic in
// Redis, so a lock that expired and was taken by another process is never deleted by us.
const RELEASE_SCRIPT =
  'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end';

/**
 * Creates a Redis-backed {@link TokenStore} that shares tokens between processes and machines,
 * with a cross-process `lock` so that one of them fetches while the others wait.
 *
 * Throws `ConfigurationError` (from `@tokenyard/auth-core`) synchronously for bad options.
 * Redis failures (down, slow, refused) reject the operation with a {@link RedisStoreError}: the
 * provider decides what to do.
 * A value it cannot read (other format version, garbage, no key decrypts it) is a miss.
 */
export function createRedisStore(options: RedisStoreOptions = {}): RedisStore {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError("options", "must be an object");
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== "string") {
    throw new ConfigurationError("keyPrefix", "must be a string");
  }
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs <= 0) {
    throw new ConfigurationError("commandTimeoutMs", "must be a positive integer (milliseconds)");
  }
  const encryptionKeys = validateEncryptionKeys(options.encryptionKeys);
  const { client, owned } = resolveClient(options);

  // Keys are imported on first use: Web Crypto is async, and construction stays synchronous.
  let prepared: Promise<readonly PreparedKey[]> | undefined;
  const keys = async (): Promise<readonly PreparedKey[] | undefined> =>
    encryptionKeys === undefined ? undefined : (prepared ??= prepareKeys(encryptionKeys));

  // With the offline queue off, a command sent before the first connection is up fails at once.
  // Waiting (at most one command timeout) for that first connection keeps a freshly started fleet
  // from missing the shared cache and asking the vendor all at once, which is what it is for.
  // Once connected, nothing waits: during an outage every command fails fast.
  let connectedOnce = client.status === "ready";
  if (!connectedOnce) client.once("ready", () => (connectedOnce = true));
  // One shared wait, however many callers arrive together (a fleet's first burst), so that
  // the client does not collect a pair of listeners per call.
  let waiting: Promise<void> | undefined;
  const firstConnection = (): Promise<void> | undefined => {
    if (connectedOnce || (client.status !== "connecting" && client.status !== "connect")) return;
    return (waiting ??= new Promise<void>((resolve) => {
      // "close": the attempt failed (Redis is down), so there is nothing left to wait for.
      const done = (): void => {
        clearTimeout(timer);
        client.off("ready", done);
        client.off("close", done);
        waiting = undefined;
        resolve();
      };
      const timer = setTimeout(done, commandTimeoutMs);
      client.once("ready", done);
      client.once("close", done);
    }));
  };

  const redisKey = (key: string): string => keyPrefix + checkKey(key);

  /** Runs one command after the first connection (see above), wrapping its failure. */
  const run = async <T>(operation: RedisStoreOperation, command: () => Promise<T>): Promise<T> => {
    try {
      await firstConnection();
      return await withCommandTimeout(command(), commandTimeoutMs);
    } catch (error) {
      throw new RedisStoreError(operation, error);
    }
  };
  let closed: Promise<void> | undefined;

  return {
    client,

    async get(key) {
      const name = redisKey(key);
      const value = await run("get", () => client.get(name));
      if (value === null) return undefined;
      return decodeEntry(value, key, await keys());
    },

    async set(key, token, ttlMs) {
      const name = redisKey(key);
      // An entry with nothing left to live is a delete: PX needs a positive integer, and an
      // expired token must not linger for the next reader.
      if (!(ttlMs > 0)) {
        await run("set", () => client.del(name));
        return;
      }
      const px = checkTtl("ttlMs", ttlMs);
      const value = await encodeEntry(token, key, await keys());
      await run("set", () => client.set(name, value, "PX", px));
    },

    async delete(key) {
      const name = redisKey(key);
      await run("delete", () => client.del(name));
    },

    async lock(key, ttlMs) {
      const name = `${keyPrefix}lock:${checkKey(key)}`;
      const px = checkTtl("ttlMs", ttlMs);
      // 128 random bits: no other process, here or elsewhere, can hold the same owner value.
      const owner = randomHex(16);
      const acquired = await run("lock", () => client.set(name, owner, "PX", px, "NX"));
      if (acquired !== "OK") return undefined;
      // EVAL, not defineCommand: defineCommand would add a method to an app-supplied client, and
      // a release happens once per token fetch, so caching the script by SHA saves nothing.
      return async () => {
        await run("release", () => client.eval(RELEASE_SCRIPT, 1, name, owner));
      };
    },

    close() {
      if (!owned) return Promise.resolve();
      return (closed ??= closeClient(client, commandTimeoutMs));
    },
  };
}

function resolveClient(options: RedisStoreOptions): { client: Redis; owned: boolean } {
  const { client, url, redis } = options;
  if (client !== undefined) {
    if (url !== undefined || redis !== undefined) {
      throw new ConfigurationError(
        "client",
        "cannot be combined with url or redis: give your client, or the options to create one",
      );
    }
    if (!isRedisClient(client)) {
      throw new ConfigurationError("client", "must be an ioredis Redis client");
    }
    return { client, owned: false };
  }
  if (url !== undefined) {
    // The URL may carry a password: messages say what is wrong with it, never what it is.
    if (typeof url !== "string") throw new ConfigurationError("url", "must be a string");
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new ConfigurationError("url", "is not a valid URL");
    }
    if (protocol !== "redis:" && protocol !== "rediss:") {
      throw new ConfigurationError("url", "must start with redis:// or rediss://");
    }
  }
  if (redis !== undefined && (typeof redis !== "object" || redis === null)) {
    throw new ConfigurationError("redis", "must be an object of ioredis options");
  }
  const settings: RedisOptions & { replyMapping: "legacy" } = {
    // Fail fast while disconnected instead of queueing commands until Redis returns: the
    // provider falls back to memory and the vendor, which beats waiting.
    enableOfflineQueue: false,
    // A command in flight when the connection drops is rejected, not replayed on reconnect.
    maxRetriesPerRequest: 0,
    // Keep reconnecting in the background, forever, but never more than 2 s apart, so that
    // sharing resumes soon after Redis returns.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), MAX_RECONNECT_DELAY_MS),
    ...redis,
    // The store reads plain string and integer replies; pin the mapping it was written for.
    replyMapping: "legacy",
  };
  const created = url === undefined ? new Redis(settings) : new Redis(url, settings);
  // ioredis prints unhandled connection errors to the console. Every failure already reaches
  // the caller as a rejected command, so the store's own client stays quiet; an app that wants
  // to watch the connection can listen on `store.client`.
  created.on("error", () => {});
  return { client: created, owned: true };
}

function isRedisClient(value: unknown): value is Redis {
  if (value instanceof Redis) return true;
  // Another copy of ioredis (a different install) fails instanceof but works the same.
  const candidate = value as Partial<Record<string, unknown>> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    ["get", "set", "del", "eval", "once", "off"].every((m) => typeof candidate[m] === "function")
  );
}

function checkKey(key: string): string {
  if (typeof key !== "string" || key === "") throw new TypeError("key must be a non-empty string");
  return key;
}

function checkTtl(name: string, ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`${name} must be a positive finite number of milliseconds`);
  }
  // PX takes whole milliseconds; rounding up never makes an entry or lock end early.
  return Math.ceil(ttlMs);
}

/** `bytes` random bytes from Web Crypto (global in Node >= 20), as lower-case hex. */
function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");
}

async function closeClient(client: Redis, waitMs: number): Promise<void> {
  if (client.status === "end") return;
  if (client.status === "reconnecting" || client.status === "close") {
    // Between reconnection attempts there is no socket, only a timer: cancelling it is all
    // there is to close (and ioredis emits no "end" then, so there is nothing to wait for).
    client.disconnect();
    return;
  }
  const ended = new Promise<void>((resolve) => client.once("end", resolve));
  try {
    // QUIT lets replies in flight arrive; when Redis is unreachable it fails and we just drop.
    await withCommandTimeout(client.quit(), waitMs);
  } catch {
    client.disconnect();
  }
  // Resolve once the socket is really gone, so that a shutdown hook that awaits close() leaves
  // no handle behind; but never hang on it: after waitMs, cut the connection and move on.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cutOff = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      client.disconnect();
      resolve();
    }, waitMs);
  });
  await Promise.race([ended, cutOff]);
  clearTimeout(timer);
}
