import type { Middleware } from "openapi-fetch";
import { abortable } from "./abortable.js";
import { authorizationHeader, hideSecretsFromInspect, type AccessToken } from "./access-token.js";
import { backoffCeiling, backoffDelay } from "./backoff.js";
import type { AuthBinding } from "./binding.js";
import { cacheKey } from "./cache-key.js";
import { TokenRequestError, TokenResponseError } from "./errors.js";
import type { TokenEvent, TokenStats } from "./events.js";
import { createAuthFetch, createAuthMiddleware, type TokenSource } from "./middleware.js";
import { resolveOptions } from "./options.js";
import { readAccessToken } from "./read-token.js";
import { redactSecrets, secretsOf } from "./redact.js";
import { withRetries } from "./retry.js";
import { createTokenClient, sendTokenRequest, type FieldValues } from "./token-request.js";
import { guardStore } from "./guarded-store.js";
import { createMemoryStore, type TokenStore } from "./token-store.js";
import { tokenWindows, type TokenWindows } from "./token-windows.js";

/** Options of {@link TokenProvider.getToken}. */
export interface GetTokenOptions {
  /** Skip the cache and fetch a new token (shared with concurrent callers). */
  readonly forceRefresh?: boolean | undefined;
  /** Stops this caller waiting; the shared request goes on for the others. */
  readonly signal?: AbortSignal | undefined;
}

/** A cached, self-refreshing source of one credential set's access tokens. */
export interface TokenProvider<Raw = unknown> {
  /**
   * A usable token. From the cache when it has one; inside the refresh window also from the
   * cache, while one background refresh runs; otherwise fetched once for all concurrent callers.
   */
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

/** The provider's own copy of the current token, with its windows worked out once. */
interface CachedToken extends TokenWindows {
  readonly token: AccessToken;
  readonly header: string;
}

/** A store that neither answers nor fails within this long is treated as down for that call. */
const STORE_TIMEOUT_MS = 1_000;
/** The cross-process lock outlives the longest fetch of a live holder by this much. */
const LOCK_MARGIN_MS = 1_000;
/** How often a process waiting on another's lock looks for the token it is fetching. */
const LOCK_POLL_MS = 50;

// Concurrent callers of any provider sharing a store share one request per key.
const flightsByStore = new WeakMap<TokenStore, Map<string, Promise<AccessToken>>>();

/**
 * The engine behind every `create<Vendor>Auth`: validates options (throwing
 * `ConfigurationError` synchronously), then serves tokens from memory and the store, refreshing
 * ahead of expiry in the background and fetching in the foreground only when no usable token is
 * left.
 */
export function createTokenProvider<Raw>(binding: AuthBinding, input: object): TokenProvider<Raw> {
  const options = resolveOptions(binding, input);
  const { now } = options;
  const store = options.store ?? createMemoryStore({ now, maxEntries: 16 });
  let flights = flightsByStore.get(store);
  if (!flights) flightsByStore.set(store, (flights = new Map()));
  const inflight = flights;
  const client = createTokenClient(options.baseUrl, options.fetch);
  const lockTtlMs = lockLifetimeMs(options.timeoutMs, options.retries, Boolean(binding.refresh));
  const secrets = secretsOf(options.credentials);
  const counters = { hits: 0, misses: 0, requests: 0, failures: 0, replays: 0, storeErrors: 0 };
  let key: string | undefined;
  const keyReady = cacheKey(binding.id, options.baseUrl, options.credentials).then(
    (computed) => (key = computed),
  );
  let current: CachedToken | undefined;
  // Background refreshes that failed in a row, and when the next one may start.
  let backgroundFailures = 0;
  let nextBackgroundAttemptAt = 0;

  // A `status` that is undefined is left out of the event.
  const emit = ({
    status,
    ...event
  }: DistributiveOmit<TokenEvent, "vendor" | "key" | "at" | "status"> & {
    status?: number | undefined;
  }): void => {
    try {
      options.onEvent?.({
        ...event,
        ...(status && { status }),
        vendor: binding.vendor,
        key: key!,
        at: now(),
      } as TokenEvent);
    } catch {
      // An observer's bug must not break token delivery.
    }
  };

  const shared = guardStore(store, STORE_TIMEOUT_MS, (operation, error, token) => {
    counters.storeErrors += 1;
    const message = error instanceof Error ? error.message : String(error);
    // A store's message may repeat what it was given: the token being written, or ours.
    const hidden = [...secrets, ...tokenSecrets(token), ...tokenSecrets(current?.token)];
    emit({ type: "store-error", operation, error: redactSecrets(message, hidden) });
  });

  function remember(token: AccessToken): CachedToken {
    // Every caller that joined a flight remembers its result: work it out once.
    if (current?.token === token) return current;
    // Tokens from a shared store arrive deserialised: keep them out of util.inspect too.
    const safe = hideSecretsFromInspect(token);
    const cached = {
      token: safe,
      header: authorizationHeader(safe),
      ...tokenWindows(safe, options),
    };
    if (!current || safe.obtainedAt >= current.token.obtainedAt) {
      current = cached;
      // A token obtained by any path (background, foreground, another provider via the store)
      // ends a run of failed background refreshes: the next run backs off from the start.
      backgroundFailures = 0;
      nextBackgroundAttemptAt = 0;
    }
    return cached;
  }

  async function call(operation: "token" | "refresh", values: FieldValues, previous?: AccessToken) {
    const bound = operation === "token" ? binding.token.operation : binding.refresh!.operation;
    const headers =
      operation === "refresh" &&
      binding.refresh?.authorization === "current-access-token" &&
      previous
        ? { Authorization: authorizationHeader(previous) }
        : undefined;
    const started = now();
    let attempts = 0;
    counters.requests += 1;
    try {
      const token = await withRetries(
        async (attempt) => {
          attempts = attempt;
          const reply = await sendTokenRequest(client, {
            vendor: binding.vendor,
            operation: bound,
            values,
            headers,
            timeoutMs: options.timeoutMs,
            attempt,
            secrets: [...secrets, ...tokenSecrets(previous)],
            now,
          });
          return readAccessToken<unknown>(binding, reply.body, {
            credentials: options.credentials,
            now: now(),
            context: {
              vendor: binding.vendor,
              operation: bound.operationId,
              attempts: attempt,
              status: reply.status,
            },
            previous: operation === "refresh" ? previous : undefined,
          });
        },
        {
          retries: options.retries,
          sleep: options.sleep,
          random: options.random,
          onRetry: (retry) => emit({ type: "retry", operation: bound.operationId, ...retry }),
        },
      );
      emit({
        type: "refresh",
        operation: bound.operationId,
        durationMs: now() - started,
        attempts,
        expiresAt: token.expiresAt,
      });
      return token;
    } catch (error) {
      counters.failures += 1;
      emit({
        type: "refresh-error",
        operation: bound.operationId,
        durationMs: now() - started,
        attempts,
        status:
          error instanceof TokenRequestError || error instanceof TokenResponseError
            ? error.status
            : undefined,
        error: error instanceof Error ? redactSecrets(error.message, secrets) : "unknown error",
      });
      throw error;
    }
  }

  /**
   * One fetch for every process sharing the store: with a store that can lock, take its lock
   * first; while another process holds it, wait for its token to appear in the store instead of
   * asking the vendor too. A holder that dies delays the others by at most the lock's TTL.
   */
  async function fetchToken(
    cacheKeyValue: string,
    previous: AccessToken | undefined,
  ): Promise<AccessToken> {
    if (!shared.canLock) {
      // Callers in the refresh window got our still-valid token at once, without looking in the
      // store: the background refresh looks there first, since a store the app gave may hold a
      // newer token from another provider or process (our own default store cannot). Callers
      // without a usable token have just looked.
      const inBackground = previous && now() < tokenWindows(previous, options).usableUntil;
      const stored =
        options.store && inBackground && (await freshFromStore(cacheKeyValue, previous));
      return stored || fetchFromVendor(cacheKeyValue, previous);
    }
    const maxPolls = Math.ceil((2 * lockTtlMs) / LOCK_POLL_MS);
    for (let polls = 0; ; polls += 1) {
      const lock = await shared.lock(cacheKeyValue, lockTtlMs);
      if (lock.state === "held") {
        try {
          // Another process may have stored a token between our last look and the lock.
          return (
            (await freshFromStore(cacheKeyValue, previous)) ??
            (await fetchFromVendor(cacheKeyValue, previous))
          );
        } finally {
          await lock.release();
        }
      }
      if (lock.state === "unavailable" || polls >= maxPolls)
        return fetchFromVendor(cacheKeyValue, previous);
      const stored = await freshFromStore(cacheKeyValue, previous);
      if (stored) return stored;
      await options.sleep(LOCK_POLL_MS);
    }
  }

  /** A usable token in the store that is newer than the one being replaced. */
  async function freshFromStore(
    cacheKeyValue: string,
    previous: AccessToken | undefined,
  ): Promise<AccessToken | undefined> {
    const stored = await shared.get(cacheKeyValue);
    if (!stored || !isNewer(stored, previous)) return undefined;
    return now() < tokenWindows(stored, options).usableUntil ? stored : undefined;
  }

  async function fetchFromVendor(
    cacheKeyValue: string,
    previous: AccessToken | undefined,
  ): Promise<AccessToken> {
    let token: AccessToken | undefined;
    if (canRefresh(previous)) {
      // Refresh while the access token is still valid (the vendor wants it as bearer); any
      // failure falls back to a full login below.
      token = await call(
        "refresh",
        {
          credentials: options.credentials,
          refreshToken: previous.refreshToken,
          accessToken: previous.accessToken,
        },
        previous,
      ).catch(() => undefined);
    }
    token ??= await call("token", { credentials: options.credentials });
    remember(token);
    await shared.set(cacheKeyValue, token, Math.max(0, token.expiresAt - now()));
    return token;
  }

  function canRefresh(
    token: AccessToken | undefined,
  ): token is AccessToken & { refreshToken: string } {
    if (!binding.refresh || !token?.refreshToken) return false;
    const at = now();
    return (
      at < token.expiresAt &&
      (token.refreshTokenExpiresAt === undefined || at < token.refreshTokenExpiresAt)
    );
  }

  /** The one request per key; callers of every provider sharing the store join it. */
  function obtain(cacheKeyValue: string, previous: AccessToken | undefined): Promise<CachedToken> {
    let flight = inflight.get(cacheKeyValue);
    if (!flight) {
      flight = fetchToken(cacheKeyValue, previous).finally(() => inflight.delete(cacheKeyValue));
      inflight.set(cacheKeyValue, flight);
    }
    return flight.then(remember);
  }

  function refreshInBackground(cacheKeyValue: string, token: AccessToken): void {
    if (inflight.has(cacheKeyValue) || now() < nextBackgroundAttemptAt) return;
    obtain(cacheKeyValue, token).then(
      // remember() has already reset the backoff.
      () => undefined,
      (error: unknown) => {
        // The valid token keeps being served; try again after a jittered, growing pause, and
        // never sooner than the vendor asked (a background refresh can wait past 60 s).
        backgroundFailures += 1;
        const askedMs = error instanceof TokenRequestError ? (error.retryAfterMs ?? 0) : 0;
        nextBackgroundAttemptAt =
          now() + Math.max(askedMs, backoffDelay(backgroundFailures, options.random));
      },
    );
  }

  /**
   * Whether callers must look in the store before they wait for a fetch: we have no usable
   * token and no fetch is running (callers then join it). Inside the refresh window callers get
   * our still-valid token at once; the background refresh looks in the store first.
   */
  function shouldConsultStore(cacheKeyValue: string, cached: CachedToken | undefined): boolean {
    return (!cached || now() >= cached.usableUntil) && !inflight.has(cacheKeyValue);
  }

  /** A token another provider or process put in the store since ours was cached. */
  async function newerFromStore(cacheKeyValue: string): Promise<CachedToken | undefined> {
    const stored = await shared.get(cacheKeyValue);
    return stored !== undefined && isNewer(stored, current?.token) ? remember(stored) : current;
  }

  /**
   * The hot path: a cached token outside its refresh window, asked for without `forceRefresh`,
   * costs one clock read and no await. `undefined` sends the caller down the slow path.
   */
  function cachedHit(getOptions: GetTokenOptions | undefined): CachedToken | undefined {
    const cached = current;
    if (cached === undefined || getOptions?.forceRefresh || now() >= cached.refreshAt)
      return undefined;
    if (getOptions?.signal?.aborted) return undefined;
    counters.hits += 1;
    if (options.onEvent) emit({ type: "hit", expiresAt: cached.token.expiresAt });
    return cached;
  }

  /** A getter of one part of the cached token: the hot path with no await, else the slow one. */
  const getter =
    <T>(pick: (cached: CachedToken) => T) =>
    (getOptions?: GetTokenOptions): Promise<T> => {
      const cached = cachedHit(getOptions);
      return cached ? Promise.resolve(pick(cached)) : getTokenSlowly(getOptions ?? {}).then(pick);
    };

  async function getTokenSlowly(getOptions: GetTokenOptions): Promise<CachedToken> {
    const { signal } = getOptions;
    signal?.throwIfAborted();
    const cacheKeyValue = key ?? (await keyReady);
    let cached = current;
    if (!getOptions.forceRefresh && shouldConsultStore(cacheKeyValue, cached)) {
      cached = await newerFromStore(cacheKeyValue);
    }
    // The signal may have fired while we awaited the key or the store.
    signal?.throwIfAborted();
    const at = now();
    if (!getOptions.forceRefresh && cached && at < cached.usableUntil) {
      counters.hits += 1;
      emit({ type: "hit", expiresAt: cached.token.expiresAt });
      if (at >= cached.refreshAt) refreshInBackground(cacheKeyValue, cached.token);
      return cached;
    }
    counters.misses += 1;
    emit({
      type: "miss",
      reason: getOptions.forceRefresh ? "forced" : cached ? "expired" : "empty",
    });
    return abortable(obtain(cacheKeyValue, cached?.token), signal);
  }

  const source: TokenSource = {
    async authorization() {
      const cached = cachedHit(undefined) ?? (await getTokenSlowly({}));
      return { header: cached.header, accessToken: cached.token.accessToken };
    },
    async renewAfterRejection(rejected) {
      const cacheKeyValue = key ?? (await keyReady);
      const cached = await newerFromStore(cacheKeyValue);
      counters.replays += 1;
      emit({ type: "replay", status: 401 });
      // Checked after the last await, so concurrent 401s for one token start exactly one renewal.
      const running = inflight.get(cacheKeyValue);
      if (running) return (await obtain(cacheKeyValue, undefined)).header;
      if (cached && cached.token.accessToken !== rejected && now() < cached.usableUntil)
        return cached.header;
      if (current?.token.accessToken === rejected) current = undefined;
      counters.misses += 1;
      emit({ type: "miss", reason: "rejected" });
      // A refresh that presents the refused token as bearer cannot be trusted: log in again.
      const refusedBearer =
        binding.refresh?.authorization === "current-access-token" &&
        cached?.token.accessToken === rejected;
      return (await obtain(cacheKeyValue, refusedBearer ? undefined : cached?.token)).header;
    },
  };

  const provider: TokenProvider<Raw> = {
    getToken: getter((cached) => cached.token as AccessToken<Raw>),
    getAuthorizationHeader: getter((cached) => cached.header),
    async invalidate() {
      current = undefined;
      await shared.delete(key ?? (await keyReady));
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

/** Whether `candidate` (from the store) replaces `ours`: another token, obtained no earlier. */
function isNewer(candidate: AccessToken, ours: AccessToken | undefined): boolean {
  return (
    !ours || (candidate.accessToken !== ours.accessToken && candidate.obtainedAt >= ours.obtainedAt)
  );
}

/**
 * The lock must outlive the whole fetch of a live holder, or a second process takes over and
 * asks the vendor too: every attempt's timeout and the backoff between them, twice where a
 * failed refresh falls back to a login. A holder that dies delays the others by this much.
 */
function lockLifetimeMs(timeoutMs: number, retries: number, canFallBackToLogin: boolean): number {
  let oneOperation = timeoutMs;
  for (let failure = 1; failure <= retries; failure += 1) {
    oneOperation += timeoutMs + backoffCeiling(failure);
  }
  return (canFallBackToLogin ? 2 : 1) * oneOperation + LOCK_MARGIN_MS;
}

function tokenSecrets(token: AccessToken | undefined): string[] {
  return token ? [token.accessToken, ...(token.refreshToken ? [token.refreshToken] : [])] : [];
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
