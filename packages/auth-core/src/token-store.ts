import type { AccessToken } from "./access-token.js";

type MaybePromise<T> = T | Promise<T>;

/**
 * Where tokens are kept between calls. The default is a bounded in-memory LRU per provider;
 * `@tokenyard/store-redis` shares tokens between processes.
 */
export interface TokenStore {
  get(key: string): MaybePromise<AccessToken | undefined>;
  /** `ttlMs`: how long the entry is worth keeping (until the token's expiry). */
  set(key: string, token: AccessToken, ttlMs: number): MaybePromise<void>;
  delete(key: string): MaybePromise<void>;
  /**
   * Optional cross-process lock so that one process fetches while others wait. Resolves to a
   * release function, or `undefined` when another holder has it.
   */
  lock?(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used goes first. Default 1000. */
  readonly maxEntries?: number | undefined;
  /** Clock for entry expiry, epoch ms. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
}

/** A bounded in-memory LRU {@link TokenStore}; entries also leave when their TTL ends. */
export function createMemoryStore(options: MemoryStoreOptions = {}): TokenStore {
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  // Map iteration order is insertion order: re-inserting on read makes the first key the LRU.
  const entries = new Map<string, { token: AccessToken; until: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (now() >= entry.until) {
        entries.delete(key);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.token;
    },
    set(key, token, ttlMs) {
      entries.delete(key);
      entries.set(key, { token, until: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    delete(key) {
      entries.delete(key);
    },
  };
}
