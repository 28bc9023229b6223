import type { AuthBinding } from "./binding.js";
import { ConfigurationError } from "./errors.js";
import type { TokenEvent } from "./events.js";
import { isRecord } from "./is-record.js";
import type { TokenStore } from "./token-store.js";

/** Lifecycle options every vendor's `create<Vendor>Auth` accepts. `0` always means zero. */
export interface LifecycleOptions {
  /** fetch implementation for token requests and `provider.fetch`. Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Where tokens are cached. Default: a bounded in-memory LRU of this provider's own. */
  readonly store?: TokenStore | undefined;
  /**
   * Refresh this long before expiry, in the background. Default `min(5 min, lifetime / 3)`.
   * Never before a tenth of the token's life has passed.
   */
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

/** What `got …` says about a value: its type, never the value (a credential may be secret). */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value))
    return value.every((item) => typeof item == "string") ? "string[]" : "an array";
  return typeof value == "number" && !Number.isFinite(value) ? String(value) : typeof value;
}

const FUNCTION: Check = [(value) => typeof value == "function", "a function"];
const DURATION: Check = [
  (value) => describe(value) == "number" && (value as number) >= 0,
  "a finite number of milliseconds >= 0",
];
type Check = readonly [(value: unknown) => boolean, string];

/** Every lifecycle option with its check; all are optional. */
const CHECKS: Readonly<Record<string, Check>> = {
  fetch: FUNCTION,
  now: FUNCTION,
  sleep: FUNCTION,
  random: FUNCTION,
  onEvent: FUNCTION,
  refreshWindowMs: DURATION,
  expirySkewMs: DURATION,
  timeoutMs: DURATION,
  retries: [(value) => Number.isInteger(value) && (value as number) >= 0, "a whole number >= 0"],
  store: [
    (value) =>
      ["get", "set", "delete"].every(
        (method) => typeof (value as Record<string, unknown> | null)?.[method] == "function",
      ),
    "a TokenStore with get, set and delete methods",
  ],
};

/** Validates options against the binding; throws {@link ConfigurationError} naming the option. */
export function resolveOptions(binding: AuthBinding, input: unknown): ResolvedOptions {
  if (!isRecord(input)) throw new ConfigurationError("options", "expected an options object");
  const resolved: Record<string, unknown> = {
    // Looked up per call, so test tools that replace globalThis.fetch later still take effect.
    fetch: (request: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(request, init),
    timeoutMs: 10_000,
    retries: 2,
    now: Date.now,
    sleep: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    baseUrl: resolveBaseUrl(binding, input),
    credentials: resolveCredentials(binding, input.credentials),
  };
  for (const [name, [valid, expected]] of Object.entries(CHECKS)) {
    const value = input[name];
    if (value === undefined) continue;
    if (!valid(value)) {
      throw new ConfigurationError(
        name,
        `expected ${expected}, got ${typeof value == "number" ? value : describe(value)}`,
      );
    }
    resolved[name] = value;
  }
  return resolved as unknown as ResolvedOptions;
}

/** The URL requests go to: `baseUrl`, else the named or default server. */
export function resolveBaseUrl(
  { servers, vendor, spec, defaultServer }: AuthBinding,
  {
    server,
    baseUrl,
    allowInsecureHttp,
  }: { server?: unknown; baseUrl?: unknown; allowInsecureHttp?: unknown },
): string {
  const names = Object.keys(servers);
  // A typo in `server` is reported even when `baseUrl` overrides it.
  if (server !== undefined && (typeof server != "string" || !Object.hasOwn(servers, server))) {
    throw new ConfigurationError(
      "server",
      `unknown server ${JSON.stringify(server)} for ${vendor}; expected one of ${names.map((name) => `"${name}"`).join(", ") || "none"}`,
    );
  }
  if (baseUrl === undefined) {
    const chosen = (server as string | undefined) ?? defaultServer;
    if (chosen !== null) return servers[chosen]!;
    throw new ConfigurationError(
      "baseUrl",
      `required for ${vendor}: ${spec} publishes no usable host (known: ${names.map((name) => `servers.${name}`).join(", ")})`,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(baseUrl as string);
  } catch {
    // reported below
  }
  const fault =
    typeof baseUrl != "string" || !/^https?:$/.test(url?.protocol ?? "")
      ? "expected an absolute http(s) URL"
      : // Userinfo would end up in cache keys, events and error messages.
        url!.username || url!.password
        ? "must not contain a user name or password"
        : // Even a bare `?` or `#` would swallow the operation's path.
          /[?#]/.test(baseUrl)
          ? "must not contain a query or fragment"
          : url!.protocol == "http:" &&
              allowInsecureHttp !== true &&
              !/^(localhost|\[::1\]|127(\.\d{1,3}){3})$/.test(url!.hostname)
            ? `credentials are only sent over https (or http to loopback); ${url!.host} is neither. Pass allowInsecureHttp: true to override`
            : "";
  if (fault) throw new ConfigurationError("baseUrl", fault);
  return (baseUrl as string).replace(/\/+$/, "");
}

function resolveCredentials(
  { credentials: declared, vendor }: AuthBinding,
  input: unknown,
): Readonly<Record<string, unknown>> {
  const names = declared.map((credential) => credential.name);
  if (!isRecord(input))
    throw new ConfigurationError("credentials", `required: an object with ${names.join(", ")}`);
  for (const name of Object.keys(input)) {
    if (!names.includes(name)) {
      throw new ConfigurationError(
        `credentials.${name}`,
        `unknown credential for ${vendor}; expected ${names.join(", ")}`,
      );
    }
  }
  const credentials: Record<string, unknown> = {};
  for (const { name, required, type } of declared) {
    const value = input[name];
    const option = `credentials.${name}`;
    if (value == null || value === "") {
      if (required) throw new ConfigurationError(option, `required by ${vendor}`);
    } else if (describe(value) == type) {
      credentials[name] = Array.isArray(value) ? Object.freeze([...value]) : value;
    } else {
      throw new ConfigurationError(option, `expected ${type}, got ${describe(value)}`);
    }
  }
  return Object.freeze(credentials);
}
