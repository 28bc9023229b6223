import type { AuthBinding } from "./binding.js";
import { ConfigurationError } from "./errors.js";
import type { TokenEvent } from "./events.js";
import type { TokenStore } from "./token-store.js";

/** Lifecycle options every vendor's `create<Vendor>Auth` accepts. `0` always means zero. */
export interface LifecycleOptions {
  /** fetch implementation for token requests and `provider.fetch`. Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Where tokens are cached. Default: a bounded in-memory LRU of this provider's own. */
  readonly store?: TokenStore | undefined;
  /** Refresh this long before expiry, in the background. Default `min(5 min, lifetime / 3)`. */
  readonly refreshWindowMs?: number | undefined;
  /** Never hand out a token this close to its expiry. Default `min(30 s, lifetime / 10)`. */
  readonly expirySkewMs?: number | undefined;
  /** Per-attempt timeout of token requests. Default 10 000. */
  readonly timeoutMs?: number | undefined;
  /** Extra attempts after a network error, 408, 429 or 5xx. Default 2. */
  readonly retries?: number | undefined;
  /** Clock, epoch ms. Every lifecycle decision reads it. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /**
   * How retries wait. Default: a timer. Tests inject one that advances their clock instead, so
   * backoff is tested without sleeping.
   */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Source of jitter in `[0, 1)`. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** Observer for cache and network events; never receives secrets. */
  readonly onEvent?: ((event: TokenEvent) => void) | undefined;
  /**
   * Allow sending credentials over plain http to a non-loopback host. Off by default: credentials
   * travel only over https, or to 127.0.0.1 / ::1 / localhost.
   */
  readonly allowInsecureHttp?: boolean | undefined;
}

/** Options of a vendor whose spec names a usable server. */
export type VendorAuthOptions<Credentials, Server extends string> = LifecycleOptions & {
  readonly credentials: Credentials;
  /** A key of the package's `servers`. Default: the spec's first server. */
  readonly server?: Server | undefined;
  /** Replaces the chosen server's URL exactly, base path included. */
  readonly baseUrl?: string | undefined;
};

/** Options of a vendor whose spec has no usable host: `baseUrl` is required. */
export type VendorAuthOptionsWithBaseUrl<Credentials> = LifecycleOptions & {
  readonly credentials: Credentials;
  /** The vendor's base URL; the operation paths of the spec follow it. */
  readonly baseUrl: string;
};

/** Options after validation, with defaults applied where they do not depend on the token. */
export interface ResolvedOptions {
  readonly baseUrl: string;
  readonly credentials: Readonly<Record<string, unknown>>;
  readonly fetch: typeof globalThis.fetch;
  readonly store: TokenStore | undefined;
  readonly refreshWindowMs: number | undefined;
  readonly expirySkewMs: number | undefined;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onEvent: ((event: TokenEvent) => void) | undefined;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RETRIES = 2;

/** Validates options against the binding; throws {@link ConfigurationError} naming the option. */
export function resolveOptions(binding: AuthBinding, input: unknown): ResolvedOptions {
  if (!isRecord(input)) throw new ConfigurationError("options", "expected an options object");
  const options = input as LifecycleOptions & {
    credentials?: unknown;
    server?: unknown;
    baseUrl?: unknown;
  };
  return {
    baseUrl: resolveBaseUrl(binding, options),
    credentials: resolveCredentials(binding, options.credentials),
    // Looked up per call, so test tools that replace globalThis.fetch later still take effect.
    fetch: optionalFunction(options, "fetch") ?? ((input, init) => globalThis.fetch(input, init)),
    store: resolveStore(options.store),
    refreshWindowMs: optionalDuration(options, "refreshWindowMs"),
    expirySkewMs: optionalDuration(options, "expirySkewMs"),
    timeoutMs: optionalDuration(options, "timeoutMs") ?? DEFAULT_TIMEOUT_MS,
    retries: optionalCount(options, "retries") ?? DEFAULT_RETRIES,
    now: optionalFunction(options, "now") ?? Date.now,
    sleep: optionalFunction(options, "sleep") ?? sleepWithTimer,
    random: optionalFunction(options, "random") ?? Math.random,
    onEvent: optionalFunction(options, "onEvent"),
  };
}

/** The URL requests go to: `baseUrl`, else the named or default server. */
export function resolveBaseUrl(
  binding: AuthBinding,
  options: { server?: unknown; baseUrl?: unknown; allowInsecureHttp?: unknown },
): string {
  const names = Object.keys(binding.servers);
  if (options.server !== undefined) {
    if (typeof options.server !== "string" || !Object.hasOwn(binding.servers, options.server)) {
      throw new ConfigurationError(
        "server",
        `unknown server ${JSON.stringify(options.server)} for ${binding.vendor}; expected one of ${names.map((n) => `"${n}"`).join(", ") || "(none: pass baseUrl)"}`,
      );
    }
    // A typo in `server` is reported even when `baseUrl` overrides it.
    if (options.baseUrl === undefined) return binding.servers[options.server]!;
  }
  if (options.baseUrl !== undefined) {
    return checkUrl("baseUrl", options.baseUrl, options.allowInsecureHttp === true);
  }
  if (binding.defaultServer === null) {
    throw new ConfigurationError(
      "baseUrl",
      `required for ${binding.vendor}: ${binding.spec} publishes no usable host${names.length ? ` (known: ${names.map((n) => `servers.${n}`).join(", ")})` : ""}`,
    );
  }
  return binding.servers[binding.defaultServer]!;
}

function checkUrl(option: string, value: unknown, allowInsecureHttp: boolean): string {
  if (typeof value !== "string") throw new ConfigurationError(option, "expected a URL string");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(option, `not an absolute URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigurationError(option, `expected an http(s) URL, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    // Userinfo would end up in cache keys, events and error messages.
    throw new ConfigurationError(option, "must not contain a user name or password");
  }
  // A bare `?` or `#` leaves `search`/`hash` empty yet would swallow the operation's path.
  if (url.search || url.hash || /[?#]/.test(value))
    throw new ConfigurationError(option, "must not contain a query or fragment");
  if (url.protocol === "http:" && !isLoopback(url.hostname) && !allowInsecureHttp) {
    throw new ConfigurationError(
      option,
      `credentials are only sent over https (or http to loopback); ${url.host} is neither. Pass allowInsecureHttp: true to override`,
    );
  }
  return value.replace(/\/+$/, "");
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function resolveCredentials(
  binding: AuthBinding,
  input: unknown,
): Readonly<Record<string, unknown>> {
  if (!isRecord(input))
    throw new ConfigurationError(
      "credentials",
      `required: an object with ${binding.credentials.map((c) => c.name).join(", ")}`,
    );
  const known = new Set(binding.credentials.map((credential) => credential.name));
  for (const name of Object.keys(input)) {
    if (!known.has(name)) {
      throw new ConfigurationError(
        `credentials.${name}`,
        `unknown credential for ${binding.vendor}; expected ${[...known].join(", ")}`,
      );
    }
  }
  const credentials: Record<string, unknown> = {};
  for (const { name, required, type } of binding.credentials) {
    const value = input[name];
    const option = `credentials.${name}`;
    if (value === undefined || value === null || value === "") {
      if (required) throw new ConfigurationError(option, `required by ${binding.vendor}`);
      continue;
    }
    if (!hasType(value, type))
      throw new ConfigurationError(option, `expected ${type}, got ${describeType(value)}`);
    credentials[name] = Array.isArray(value) ? Object.freeze([...value]) : value;
  }
  return Object.freeze(credentials);
}

function hasType(value: unknown, type: AuthBinding["credentials"][number]["type"]): boolean {
  if (type === "string[]")
    return Array.isArray(value) && value.every((item) => typeof item === "string");
  if (type === "number") return typeof value === "number" && Number.isFinite(value);
  return typeof value === type;
}

function describeType(value: unknown): string {
  return Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
}

function resolveStore(store: unknown): TokenStore | undefined {
  if (store === undefined) return undefined;
  if (
    !isRecord(store) ||
    !["get", "set", "delete"].every((method) => typeof store[method] === "function")
  ) {
    throw new ConfigurationError("store", "expected a TokenStore with get, set and delete methods");
  }
  return store as unknown as TokenStore;
}

function sleepWithTimer(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function optionalFunction<K extends "fetch" | "now" | "sleep" | "random" | "onEvent">(
  options: LifecycleOptions,
  name: K,
): NonNullable<LifecycleOptions[K]> | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "function")
    throw new ConfigurationError(name, `expected a function, got ${describeType(value)}`);
  return value as NonNullable<LifecycleOptions[K]>;
}

function optionalDuration(
  options: LifecycleOptions,
  name: "refreshWindowMs" | "expirySkewMs" | "timeoutMs",
): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(
      name,
      `expected a finite number of milliseconds >= 0, got ${String(value)}`,
    );
  }
  return value;
}

function optionalCount(options: LifecycleOptions, name: "retries"): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(name, `expected a whole number >= 0, got ${String(value)}`);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
