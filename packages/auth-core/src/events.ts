/**
 * What a provider reports to `onEvent`. Every event names the vendor and the cache key (a hash:
 * it reveals no credential), never a token or a secret.
 */
export type TokenEvent =
  | (EventBase & { readonly type: "hit"; readonly expiresAt: number })
  | (EventBase & {
      readonly type: "miss";
      readonly reason: "empty" | "expired" | "forced" | "rejected";
    })
  | (EventBase & {
      readonly type: "refresh";
      readonly operation: string;
      readonly durationMs: number;
      readonly attempts: number;
      readonly expiresAt: number;
    })
  | (EventBase & {
      readonly type: "refresh-error";
      readonly operation: string;
      readonly durationMs: number;
      readonly attempts: number;
      readonly status?: number;
      readonly error: string;
    })
  | (EventBase & {
      /** The token store failed or timed out; the provider went on without it. */
      readonly type: "store-error";
      readonly operation: "get" | "set" | "delete" | "lock" | "unlock";
      readonly error: string;
    })
  | (EventBase & {
      readonly type: "retry";
      readonly operation: string;
      readonly attempt: number;
      readonly delayMs: number;
      readonly status?: number;
    })
  | (EventBase & { readonly type: "replay"; readonly status: 401 });

interface EventBase {
  readonly vendor: string;
  readonly key: string;
  /** Epoch ms by the provider's clock. */
  readonly at: number;
}

/** Counters since the provider was created. */
export interface TokenStats {
  readonly hits: number;
  readonly misses: number;
  /** Token operation calls that reached the network (each may be several attempts). */
  readonly requests: number;
  readonly failures: number;
  readonly replays: number;
  /** Store calls that failed or timed out (the provider went on from memory and the vendor). */
  readonly storeErrors: number;
}
