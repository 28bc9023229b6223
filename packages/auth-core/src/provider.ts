import { authorizationHeader, hideSecretsFromInspect, type AccessToken } from "./access-token.js";
import type { AuthBinding } from "./binding.js";
import { cacheKey } from "./cache-key.js";
import { TokenRequestError, TokenResponseError } from "./errors.js";
import type { TokenEvent, TokenStats } from "./events.js";
import { createAuthFetch, createAuthMiddleware, type TokenSource } from "./middleware.js";
import { resolveOptions } from "./options.js";
import { readAccessToken } from "./read-token.js";
import { redactSecrets, secretsOf } from "./redact.js";
import { createTokenClient, sendTokenRequest, type FieldValues } from "./token-request.js";
import { createMemoryStore, type TokenStore } from "./token-store.js";
import type { Middleware } from "openapi-fetch";

/** Options of {@link TokenProvider.getToken}. */
export interface GetTokenOptions {
  /** Skip the cache and fetch a new token (shared with concurrent callers). */
  readonly forceRefresh?: boolean | undefined;
  /** Stops this caller waiting; the shared request goes on for the others. */
  readonly signal?: AbortSignal | undefined;
}

/** A cached, self-refreshing source of one credential set's access tokens. */
export interface TokenProvider<Raw = unknown> {
  /** A usable token: from the cache, or fetched once for all concurrent callers. */
  getToken(options?: GetTokenOptions): Promise<AccessToken<Raw>>;
  /** `Bearer eyJ…`: the value for an `Authorization` header. */
  getAuthorizationHeader(options?: GetTokenOptions): Promise<string>;
  /** Forgets the cached token; the next call fetches a new one. */
  invalidate(): Promise<void>;
  /** openapi-fetch middleware: sets `Authorization`; on a 401 renews the token and replays once. */
  middleware(): Middleware;
  /** `fetch` with `Authorization` set, renewing and replaying once on a 401. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Counters since the provider was created. */
  stats(): TokenStats;
}

// Concurrent callers of any provider sharing a store share one request per key.
const flightsByStore = new WeakMap<TokenStore, Map<string, Promise<AccessToken>>>();

/**
 * The engine behind every `create<Vendor>Auth`: validates options (throwing
 * `ConfigurationError` synchronously), then serves tokens from the store, fetching through the
 * vendor's token operation when there is none usable.
 */
export function createTokenProvider<Raw>(binding: AuthBinding, input: object): TokenProvider<Raw> {
  const options = resolveOptions(binding, input);
  const { now } = options;
  const store = options.store ?? createMemoryStore({ now, maxEntries: 16 });
  let flights = flightsByStore.get(store);
  if (!flights) flightsByStore.set(store, (flights = new Map()));
  const inflight = flights;
  const client = createTokenClient(options.baseUrl, options.fetch);
  const secrets = secretsOf(options.credentials);
  const counters = { hits: 0, misses: 0, requests: 0, failures: 0, replays: 0 };
  let key: string | undefined;
  const keyReady = cacheKey(binding.id, options.baseUrl, options.credentials).then(
    (computed) => (key = computed),
  );

  const emit = (event: DistributiveOmit<TokenEvent, "vendor" | "key" | "at">): void => {
    if (!options.onEvent) return;
    try {
      options.onEvent({ ...event, vendor: binding.vendor, key: key!, at: now() } as TokenEvent);
    } catch {
      // An observer's bug must not break token delivery.
    }
  };

  const expirySkew = (token: AccessToken): number =>
    options.expirySkewMs ?? Math.min(30_000, (token.expiresAt - token.obtainedAt) / 10);
  const isUsable = (token: AccessToken): boolean => now() < token.expiresAt - expirySkew(token);

  async function call(operation: "token" | "refresh", values: FieldValues, previous?: AccessToken) {
    const bound = operation === "token" ? binding.token.operation : binding.refresh!.operation;
    const headers =
      operation === "refresh" &&
      binding.refresh?.authorization === "current-access-token" &&
      previous
        ? { Authorization: authorizationHeader(previous) }
        : undefined;
    const started = now();
    counters.requests += 1;
    try {
      const reply = await sendTokenRequest(client, {
        vendor: binding.vendor,
        operation: bound,
        values,
        headers,
        timeoutMs: options.timeoutMs,
        secrets: [...secrets, ...tokenSecrets(previous)],
        now,
      });
      const token = readAccessToken<unknown>(binding, reply.body, {
        credentials: options.credentials,
        now: now(),
        context: {
          vendor: binding.vendor,
          operation: bound.operationId,
          attempts: 1,
          status: reply.status,
        },
        previous: operation === "refresh" ? previous : undefined,
      });
      emit({
        type: "refresh",
        operation: bound.operationId,
        durationMs: now() - started,
        attempts: 1,
        expiresAt: token.expiresAt,
      });
      return token;
    } catch (error) {
      counters.failures += 1;
      const status =
        error instanceof TokenRequestError || error instanceof TokenResponseError
          ? error.status
          : undefined;
      emit({
        type: "refresh-error",
        operation: bound.operationId,
        durationMs: now() - started,
        attempts: 1,
        ...(status === undefined ? {} : { status }),
        error: error instanceof Error ? redactSecrets(error.message, secrets) : "unknown error",
      });
      throw error;
    }
  }

  async function fetchToken(
    cacheKeyValue: string,
    current: AccessToken | undefined,
  ): Promise<AccessToken> {
    let token: AccessToken | undefined;
    if (canRefresh(current)) {
      // Refresh while the access token is still valid (the vendor wants it as bearer); any
      // failure falls back to a full login below.
      token = await call(
        "refresh",
        {
          credentials: options.credentials,
          refreshToken: current.refreshToken,
          accessToken: current.accessToken,
        },
        current,
      ).catch(() => undefined);
    }
    token ??= await call("token", { credentials: options.credentials });
    await store.set(cacheKeyValue, token, Math.max(0, token.expiresAt - now()));
    return token;
  }

  function canRefresh(
    current: AccessToken | undefined,
  ): current is AccessToken & { refreshToken: string } {
    if (!binding.refresh || !current?.refreshToken) return false;
    const at = now();
    return (
      at < current.expiresAt &&
      (current.refreshTokenExpiresAt === undefined || at < current.refreshTokenExpiresAt)
    );
  }

  function obtain(cacheKeyValue: string, current: AccessToken | undefined): Promise<AccessToken> {
    const running = inflight.get(cacheKeyValue);
    if (running) return running;
    const flight = fetchToken(cacheKeyValue, current).finally(() => inflight.delete(cacheKeyValue));
    inflight.set(cacheKeyValue, flight);
    return flight;
  }

  async function getToken(getOptions: GetTokenOptions = {}): Promise<AccessToken<Raw>> {
    getOptions.signal?.throwIfAborted();
    const cacheKeyValue = key ?? (await keyReady);
    const cached = await store.get(cacheKeyValue);
    // The signal may have fired while we awaited the key or the store.
    getOptions.signal?.throwIfAborted();
    if (!getOptions.forceRefresh && cached && isUsable(cached)) {
      counters.hits += 1;
      emit({ type: "hit", expiresAt: cached.expiresAt });
      // Tokens from a shared store arrive deserialised: keep them out of util.inspect too.
      return hideSecretsFromInspect(cached) as AccessToken<Raw>;
    }
    counters.misses += 1;
    emit({
      type: "miss",
      reason: getOptions.forceRefresh ? "forced" : cached ? "expired" : "empty",
    });
    return abortable(obtain(cacheKeyValue, cached), getOptions.signal) as Promise<AccessToken<Raw>>;
  }

  const source: TokenSource = {
    async authorization() {
      const token = await getToken();
      return { header: authorizationHeader(token), accessToken: token.accessToken };
    },
    async renewAfterRejection(rejected) {
      const cacheKeyValue = key ?? (await keyReady);
      const current = await store.get(cacheKeyValue);
      counters.replays += 1;
      emit({ type: "replay", status: 401 });
      // Checked after the last await, so concurrent 401s for one token start exactly one renewal.
      const running = inflight.get(cacheKeyValue);
      // A refresh that presents the refused token as bearer cannot be trusted: log in again.
      const refusedBearer =
        binding.refresh?.authorization === "current-access-token" &&
        current?.accessToken === rejected;
      const token =
        running ??
        (current && current.accessToken !== rejected && isUsable(current)
          ? current
          : (emit({ type: "miss", reason: "rejected" }),
            (counters.misses += 1),
            obtain(cacheKeyValue, refusedBearer ? undefined : current)));
      return authorizationHeader(await token);
    },
  };

  const provider: TokenProvider<Raw> = {
    getToken,
    async getAuthorizationHeader(getOptions) {
      return authorizationHeader(await getToken(getOptions));
    },
    async invalidate() {
      await store.delete(key ?? (await keyReady));
    },
    middleware: () => createAuthMiddleware(source),
    fetch: createAuthFetch(source, options.fetch),
    stats: () => ({ ...counters }),
  };
  Object.defineProperty(provider, Symbol.for("nodejs.util.inspect.custom"), {
    enumerable: false,
    value: () => `TokenProvider { vendor: '${binding.vendor}', baseUrl: '${options.baseUrl}' }`,
  });
  return provider;
}

function tokenSecrets(token: AccessToken | undefined): string[] {
  return token ? [token.accessToken, ...(token.refreshToken ? [token.refreshToken] : [])] : [];
}

/** Lets one caller stop waiting without cancelling the request others share. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
