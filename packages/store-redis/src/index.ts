/**
 * `@tokenyard/store-redis`: a Redis {@link TokenStore} for `@tokenyard/*-auth` providers, so that
 * every process and machine shares one token per credential set.
 *
 * @packageDocumentation
 */
export {
  createRedisStore,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_KEY_PREFIX,
  MAX_RECONNECT_DELAY_MS,
} from "./redis-store.js";
export type { RedisStore, RedisStoreOptions } from "./redis-store.js";
export { FORMAT_VERSION } from "./codec.js";
export { RedisStoreError } from "./errors.js";
export type { RedisStoreOperation } from "./errors.js";
export type { EncryptionKey } from "./encryption.js";
export type { TokenStore } from "@tokenyard/auth-core";
