/** Which store operation failed. `release` is the function returned by `lock`. */
export type RedisStoreOperation = "get" | "set" | "delete" | "lock" | "release";

/**
 * A Redis command of the store failed: Redis is down, slow (past `commandTimeoutMs`), or refused
 * it (out of memory, read-only replica, no auth). The provider treats it as "no shared cache for
 * now". Undecodable values are never errors; they are misses.
 *
 * Why a wrapper rather than ioredis's own error: ioredis attaches the failed command's arguments
 * to its reply errors (`error.command.args`), and for SET one argument is the stored value, a
 * token when encryption is off. `cause` here is a copy with only the name and message.
 */
export class RedisStoreError extends Error {
  override readonly name = "RedisStoreError";
  /** The store operation that failed. */
  readonly operation: RedisStoreOperation;

  constructor(operation: RedisStoreOperation, cause: unknown) {
    const safe = sanitize(cause);
    super(`Redis store ${operation} failed: ${safe.message}`, { cause: safe });
    this.operation = operation;
  }
}

function sanitize(cause: unknown): Error {
  if (!(cause instanceof Error)) return new Error(String(cause));
  const copy = new Error(cause.message);
  copy.name = cause.name;
  return copy;
}
