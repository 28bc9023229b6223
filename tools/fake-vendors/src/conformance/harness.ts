/**
 * The per-test world every vendor test shares: an injected clock, the vendor's fake on real HTTP,
 * providers wired to both, a recording `sleep`, and a tiny API server that answers 401 to chosen
 * tokens. Vendor-specific tests use it too, so they read like the shared ones.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect } from "vitest";
import type { FakeVendor } from "../server.js";
import type {
  ObservedEvent,
  ProviderUnderTest,
  SuiteAuthOptions,
  VendorAdapter,
} from "./adapter.js";

/**
 * The clock's start. Deliberately not on a whole second, so relative (T0 + n s) and absolute
 * (whole epoch seconds) expiries differ by 123 ms and a test can tell which one was used.
 */
export const T0 = 1_760_000_000_123;
export const T0_SECONDS = Math.floor(T0 / 1000);
/**
 * The default expiry skew, min(30 s, lifetime / 10): 30 s for every vendor, whose default
 * lifetimes are all 15 minutes or more.
 */
export const SKEW_MS = 30_000;
/** The default number of retries after the first attempt. */
export const RETRIES = 2;
/** random() = 0.5 makes full jitter deterministic: half of 250 ms · 2^(n-1). */
export const JITTER = 0.5;
export const BACKOFF = [125, 250];

/** Requests that reached the vendor's token or refresh operation. */
export const requestsMade = (server: FakeVendor<object>): number =>
  server.tokenRequests() + server.refreshRequests();

/** What a token request that failed carries (a `TokenRequestError`, seen structurally). */
export interface RequestFailure extends Error {
  readonly status?: number;
  readonly attempts: number;
  readonly vendor: string;
  readonly operation: string;
  readonly body: unknown;
  readonly retryAfterMs?: number;
}

/** One call of the test API server, as it saw it. */
export interface ApiCall {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
  status: number;
}

/** A clock the provider and the fake both read; tests move it by hand. */
export interface TestClock {
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
}

/**
 * The injected `sleep`: records every wait. While held, waits stay pending until `release()`,
 * so a test can look at the world while a retry is waiting. With `advanceClock` a wait moves the
 * injected clock, as a real sleep would.
 */
export function createSleeper(clock: TestClock, advanceClock = false) {
  const calls: number[] = [];
  const pending: Array<() => void> = [];
  let held = false;
  return {
    calls,
    sleep: (ms: number): Promise<void> => {
      calls.push(ms);
      if (advanceClock) clock.advance(ms);
      return held ? new Promise<void>((resolve) => pending.push(resolve)) : Promise.resolve();
    },
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const resolve of pending.splice(0)) resolve();
    },
    pending: () => pending.length,
  };
}

/** Registers the hooks that reset the clock and close every server after each test. */
export function useVendorHarness<
  Creds extends object,
  Fake extends FakeVendor<Creds>,
  StartOptions extends { now?: () => number },
  Provider extends ProviderUnderTest,
  Store,
>(vendor: VendorAdapter<Creds, Fake, StartOptions, Provider, Store>) {
  let time = T0;
  const clock: TestClock = {
    now: () => time,
    set: (ms) => void (time = ms),
    advance: (ms) => void (time += ms),
  };
  const running: Array<{ close(): Promise<void> }> = [];
  beforeEach(() => {
    time = T0;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });

  /** The vendor's fake on the injected clock (unless `options.now` gives it its own). */
  async function start(options: StartOptions = {} as StartOptions): Promise<Fake> {
    const server = await vendor.start({ now: clock.now, ...options });
    running.push(server);
    return server;
  }

  /** A provider for the fake's credentials on the injected clock. */
  function authFor(server: Fake, options: Partial<SuiteAuthOptions<Creds, Store>> = {}): Provider {
    return vendor.createAuth({
      credentials: server.credentials,
      baseUrl: server.baseUrl,
      now: clock.now,
      ...options,
    });
  }

  /** A provider that also records its events and waits on a recording sleep with fixed jitter. */
  function setup(
    server: Fake,
    options: Partial<SuiteAuthOptions<Creds, Store>> = {},
    { advanceClock = false } = {},
  ) {
    const events: ObservedEvent[] = [];
    const sleeper = createSleeper(clock, advanceClock);
    const auth = authFor(server, {
      sleep: sleeper.sleep,
      random: () => JITTER,
      onEvent: (event) => void events.push(event),
      ...options,
    });
    const ofType = (type: string) => events.filter((event) => event.type === type);
    return { auth, events, sleeper, ofType };
  }

  /** Every secret the fake knows (credentials and issued tokens), plus `more`. */
  function secretsOf(server: Fake, ...more: string[]): string[] {
    const values = [
      ...Object.values(server.credentials),
      ...Object.values(vendor.optionalCredentials ?? {}),
    ].flat();
    const refreshTokens = (server as { issuedRefreshTokens?: string[] }).issuedRefreshTokens ?? [];
    return [
      ...values.filter((value): value is string => typeof value === "string"),
      ...server.issuedTokens,
      ...refreshTokens,
      ...more,
    ];
  }

  /** Fails unless `error` is the library's `TokenRequestError`; returns it typed. */
  function requestFailure(error: unknown): RequestFailure {
    expect(error).toBeInstanceOf(vendor.library.TokenRequestError);
    return error as RequestFailure;
  }

  /** A tiny API on 127.0.0.1 that answers 401 to tokens `accepts` refuses and echoes the body otherwise. */
  async function startApi(accepts: (token: string) => boolean) {
    const calls: ApiCall[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const authorization = req.headers.authorization;
        const contentType = req.headers["content-type"];
        const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
        const status = token !== undefined && accepts(token) ? 200 : 401;
        calls.push({ path: req.url ?? "", authorization, contentType, body, status });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(status === 200 ? { echo: body } : { error: "invalid_token" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const api = {
      url: `http://127.0.0.1:${port}`,
      calls,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
    running.push(api);
    return api;
  }

  return { clock, start, authFor, setup, secretsOf, requestFailure, startApi };
}
