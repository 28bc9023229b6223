import type { AccessToken } from "./access-token.js";
import type { TokenStore } from "./token-store.js";

/** Which store call failed, for the `store-error` event. */
export type StoreOperation = "get" | "set" | "delete" | "lock" | "unlock";

/** A lock as the provider sees it: held (with its release), busy elsewhere, or unavailable. */
export type LockResult =
  | { readonly state: "held"; release(): Promise<void> }
  | { readonly state: "busy" }
  | { readonly state: "unavailable" };

/** The store calls the provider makes: never throw, never hang. */
export interface GuardedStore {
  get(key: string): Promise<AccessToken | undefined>;
  set(key: string, token: AccessToken, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  readonly canLock: boolean;
  lock(key: string, ttlMs: number): Promise<LockResult>;
}

/**
 * Wraps a store so that a store that is down or slow (a remote Redis) costs the provider at most
 * `timeoutMs` per call and never an error: a failed read is a miss, a failed write is skipped,
 * a failed lock means "fetch without it". The provider keeps serving from memory and the vendor,
 * reports `store-error`, and uses the store again as soon as it answers.
 */
export function guardStore(
  store: TokenStore,
  timeoutMs: number,
  onError: (operation: StoreOperation, error: unknown, token?: AccessToken) => void,
): GuardedStore {
  async function bounded<T>(operation: StoreOperation, call: () => T | Promise<T>): Promise<T> {
    const answer = call();
    // The in-memory default answers synchronously: no timer to arm for it (a cold stampede makes
    // one store read per caller).
    if (!(answer instanceof Promise)) return answer;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const giveUp = (): void =>
        reject(new Error(`the token store did not answer ${operation} within ${timeoutMs} ms`));
      // After this process stalls (a burst of synchronous work, a GC pause, a starved CPU),
      // due timers run before the sockets are read: one more turn of the event loop lets an
      // answer that arrived in time settle first, so only the store's own slowness counts.
      timer = setTimeout(() => (timer = setTimeout(giveUp, 0)), timeoutMs);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** `token`: the one being written, which a store's error message might repeat. */
  async function guarded<T>(
    operation: StoreOperation,
    call: () => T | Promise<T>,
    fallback: T,
    token?: AccessToken,
  ): Promise<T> {
    try {
      return await bounded(operation, call);
    } catch (error) {
      onError(operation, error, token);
      return fallback;
    }
  }

  return {
    get: (key) => guarded("get", () => store.get(key), undefined),
    set: (key, token, ttlMs) =>
      guarded("set", () => store.set(key, token, ttlMs), undefined, token),
    delete: (key) => guarded("delete", () => store.delete(key), undefined),
    canLock: typeof store.lock === "function",
    async lock(key, ttlMs) {
      try {
        const release = await bounded("lock", () => store.lock!(key, ttlMs));
        if (!release) return { state: "busy" };
        return { state: "held", release: () => guarded("unlock", release, undefined) };
      } catch (error) {
        onError("lock", error);
        return { state: "unavailable" };
      }
    },
  };
}
