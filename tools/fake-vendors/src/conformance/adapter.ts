/**
 * What the conformance suite needs to know about one vendor package. The suite is the same for
 * every vendor; an adapter supplies the vendor's fake, its generated `create<Vendor>Auth`, and the
 * facts that differ (credential names, error shapes, lifetimes, optional behaviours).
 *
 * The library under test is handed in (`library`) rather than imported: the fakes are the
 * independent oracle and must not depend on the code they check.
 */
import type { FakeVendor, ScriptedResponse } from "../server.js";

/** The part of a token the suite reads. */
export interface ObservedToken {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly expiresAt: number;
  readonly obtainedAt: number;
  readonly refreshToken?: string;
}

/** The part of a `TokenEvent` the suite reads. */
export interface ObservedEvent {
  readonly type: string;
  readonly vendor: string;
  readonly operation?: string;
  readonly attempt?: number;
  readonly attempts?: number;
  readonly delayMs?: number;
  readonly status?: number;
}

/** The part of a `TokenProvider` the suite drives. */
export interface ProviderUnderTest {
  getToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<ObservedToken>;
  getAuthorizationHeader(): Promise<string>;
  invalidate(): Promise<void>;
  fetch(input: string, init?: RequestInit): Promise<Response>;
  stats(): { hits: number; misses: number; requests: number; failures: number; replays: number };
}

/** The options the suite passes to `create<Vendor>Auth`; a subset of every vendor's options. */
export interface SuiteAuthOptions<Creds, Store> {
  readonly credentials: Creds;
  readonly baseUrl: string;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly onEvent?: (event: ObservedEvent) => void;
  readonly retries?: number;
  readonly timeoutMs?: number;
  readonly expirySkewMs?: number;
  readonly refreshWindowMs?: number;
  readonly store?: Store;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** What the suite needs from `@tokenyard/auth-core`: pass the module itself. */
export interface LibraryUnderTest<Store> {
  readonly TokenRequestError: ErrorClass;
  readonly TokenResponseError: ErrorClass;
  readonly ConfigurationError: ErrorClass;
  createMemoryStore(options: { now: () => number }): Store;
}

/** One row of a ConfigurationError table: label, options, the option the error names. */
export type ConfigurationCase = readonly [label: string, options: unknown, option: string];

export interface VendorAdapter<
  Creds extends object,
  Fake extends FakeVendor<Creds>,
  StartOptions extends { now?: () => number },
  Provider extends ProviderUnderTest,
  Store,
> {
  /** The vendor's name as errors and events report it, e.g. `"Wilson"`. */
  readonly name: string;
  readonly library: LibraryUnderTest<Store>;
  /** Starts the vendor's fake, e.g. `startWilson`. */
  start(options: StartOptions): Promise<Fake>;
  /** The generated `create<Vendor>Auth`. */
  createAuth(options: SuiteAuthOptions<Creds, Store>): Provider;
  /** The fake's credentials with one secret field replaced by `wrong`: the vendor refuses them. */
  withWrongSecret(credentials: Creds, wrong: string): Creds;
  /** Credential fields the fake does not check but that are secret all the same. */
  readonly optionalCredentials?: Partial<Creds>;
  /** When a token issued at `obtainedAt` by a default-configured fake expires, epoch ms. */
  expiresAt(obtainedAt: number): number;
  /** The default refresh window for that lifetime, min(5 min, lifetime / 3). */
  readonly refreshWindowMs: number;
  /** A body in the vendor's error shape whose error message carries `message`. */
  errorBody(message: string): unknown;
  /** The fake's answer to refused credentials, at `now`, and the text the error message carries. */
  readonly refusal: { body(now: number): unknown; readonly text: string };
  /** What a 503 outage answers, and the text the error message carries. */
  readonly unavailable: { readonly body: unknown; readonly text: string };
  /** A 2xx body without an access token. */
  readonly tokenlessBody: unknown;
  /** More documented failures the secret scan should try, beyond 401, 503, no token and drop. */
  readonly moreFailures?: ReadonlyArray<readonly [label: string, response: ScriptedResponse]>;
  /**
   * The spec's operationIds. With a `refresh` operation, renewing a still-valid token tries the
   * refresh (with its retries) before a login (with its retries); an expired one only logs in.
   */
  readonly operations: { readonly token: string; readonly refresh?: string };
  /** Valid options for `create<Vendor>Auth` without a fake; every secret in them is `s3cr3t-value`. */
  readonly validOptions: { readonly credentials: Creds; readonly baseUrl?: string };
}

/** Infers an adapter's type parameters; the adapter is returned unchanged. */
export function defineVendor<
  Creds extends object,
  Fake extends FakeVendor<Creds>,
  StartOptions extends { now?: () => number },
  Provider extends ProviderUnderTest,
  Store,
>(
  adapter: VendorAdapter<Creds, Fake, StartOptions, Provider, Store>,
): VendorAdapter<Creds, Fake, StartOptions, Provider, Store> {
  return adapter;
}

/**
 * Any vendor's adapter, seen from the shared tests: they need no vendor's exact types. (Every
 * member is a method or covariant, so a concrete adapter is assignable to this.)
 */
export type SomeVendor = VendorAdapter<
  object,
  FakeVendor<object>,
  { now?: () => number },
  ProviderUnderTest,
  unknown
>;
