/** Messages between a test and its {@link ./provider-worker.ts} children. */
import type { TokenStats } from "@tokenyard/auth-core";

export interface WorkerInit {
  readonly redisUrl: string;
  readonly baseUrl: string;
  readonly credentials: { appName: string; clientId: string; clientSecret: string };
  /** The injected clock's first value, epoch ms. */
  readonly now: number;
  readonly keyPrefix?: string;
  readonly commandTimeoutMs?: number;
  /** Provider's per-attempt timeout; the lock's TTL is this plus 1 s. */
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** A 32-byte AES key, base64. */
  readonly encryptionKey?: string;
}

export type WorkerRequest = { readonly id: number } & (
  | { readonly cmd: "init"; readonly init: WorkerInit }
  | { readonly cmd: "now"; readonly now: number }
  | { readonly cmd: "get"; readonly count: number }
  | { readonly cmd: "report" }
  | { readonly cmd: "close" }
);

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** The answer to `get`: how many callers got each access token, and the errors of the others. */
export interface GetResult {
  readonly tokens: Record<string, number>;
  /** Each token's `expiresAt`. */
  readonly expiresAt: Record<string, number>;
  readonly errors: string[];
  readonly elapsedMs: number;
}

export interface Report {
  readonly stats: TokenStats | undefined;
  readonly storeErrors: string[];
}
