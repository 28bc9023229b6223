/**
 * Redis stopped in the middle of a run and restarted on the same port (empty: it persists
 * nothing): every `getToken()` keeps succeeding from memory or the vendor, without waiting on
 * Redis (every store call fails at once with a connection error, none times out), the providers
 * report `store-error`, and once Redis is back they share tokens through it again.
 *
 * Each provider has its own store (its own connection), as separate processes would. Time is an
 * injected clock shared with the Wilson sandbox; only Redis's own reconnection runs on real time.
 */
import type { TokenEvent, TokenProvider } from "@tokenyard/auth-core";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { startWilsonSandbox, type Sandbox } from "@tokenyard/wilson-auth/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startRedisServer, type RedisServer } from "../src/redis-server.test-helper.js";
import { createRedisStore, type RedisStore } from "../src/index.js";

type WilsonSandbox = Sandbox<{ appName: string; clientId: string; clientSecret: string }>;

/** A hang guard for a test that stops and restarts Redis, not a speed goal. */
const TIMEOUT_MS = 60_000;
/** What a store call gets while its client has no connection: refused at once, never sent. */
const OFFLINE = /Stream isn't writeable|Connection is closed/;
/**
 * What a store error says when something waited: the store's own command timeout, or the
 * provider's guard giving up on a store that did not answer.
 */
const WAITED = /timed out|did not answer/i;

let redis: RedisServer;
let sandbox: WilsonSandbox;
let clock = Date.UTC(2030, 0, 1);
const stores: RedisStore[] = [];
const events: TokenEvent[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  sandbox = await startWilsonSandbox({ now: () => clock });
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await sandbox?.close();
  await redis?.stop();
});

/** A provider on a store of its own: what one process of the fleet has. */
function process_(name: string): { provider: TokenProvider; store: RedisStore } {
  const store = createRedisStore({ url: redis.url, keyPrefix: "outage:" });
  stores.push(store);
  const provider = createWilsonAuth({
    credentials: sandbox.credentials,
    baseUrl: sandbox.baseUrl,
    store,
    now: () => clock,
    onEvent: (event) => events.push({ ...event, key: name }),
  });
  return { provider, store };
}

/**
 * Calls `getToken()` on every provider every few ms until stopped: the traffic that keeps
 * flowing while Redis goes away and comes back. Records failures. (A call that hung would keep
 * `stop()` from returning, and fail the test on its timeout.)
 */
function backgroundLoad(providers: () => readonly TokenProvider[]) {
  const failures: unknown[] = [];
  let calls = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      await Promise.all(
        providers().map(async (provider) => {
          try {
            await provider.getToken();
            calls += 1;
          } catch (error) {
            failures.push(error);
          }
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { failures, calls };
    },
  };
}

/** The `store-error` events so far, as "operation: message". */
function storeErrors(from = 0): string[] {
  return events
    .slice(from)
    .flatMap((e) => (e.type === "store-error" ? [`${e.operation}: ${e.error}`] : []));
}

describe("Redis stopped mid-run and restarted", { timeout: TIMEOUT_MS }, () => {
  it("every call succeeds during the outage, store-error is reported, and sharing resumes", async () => {
    const a = process_("a");
    const b = process_("b");
    const first = await a.provider.getToken();
    expect((await b.provider.getToken()).accessToken).toBe(first.accessToken);
    expect(sandbox.tokenRequests()).toBe(1);
    expect(events.filter((e) => e.type === "store-error")).toEqual([]);

    const live = [a.provider, b.provider];
    const load = backgroundLoad(() => live);
    await new Promise((resolve) => setTimeout(resolve, 50));

    // --- Redis goes away.
    const outageStart = events.length;
    await redis.stop();

    // Warm providers keep answering from memory, without the vendor.
    for (const { provider } of [a, b]) {
      expect((await provider.getToken()).accessToken).toBe(first.accessToken);
    }
    expect(sandbox.tokenRequests()).toBe(1);

    // A process that starts during the outage gets its token from the vendor.
    const c = process_("c");
    live.push(c.provider);
    const cold = await c.provider.getToken();
    expect(cold.accessToken).not.toBe(first.accessToken);
    expect(sandbox.tokenRequests()).toBe(2);
    expect(events.some((e) => e.type === "store-error" && e.key === "c")).toBe(true);

    // The token expires during the outage: each process renews it from the vendor by itself
    // (without Redis there is no lock to share): one request per process, no failure.
    clock = first.expiresAt + 1;
    const renewed = await Promise.all([a, b, c].map(({ provider }) => provider.getToken()));
    for (const token of renewed) expect(token.expiresAt).toBeGreaterThan(clock);
    expect(sandbox.tokenRequests()).toBe(5);
    const outageErrors = events.filter((e) => e.type === "store-error");
    expect(new Set(outageErrors.map((e) => e.key))).toEqual(new Set(["a", "b", "c"]));
    expect(new Set(outageErrors.map((e) => e.type === "store-error" && e.operation))).toEqual(
      new Set(["get", "lock", "set"]),
    );
    // Reported without secrets.
    const reported = JSON.stringify(outageErrors);
    for (const token of sandbox.issuedTokens) expect(reported).not.toContain(token);
    expect(reported).not.toContain(sandbox.credentials.clientSecret);
    // Nothing waited on the stopped Redis: every store call was refused at once (offline), none
    // timed out, neither by the store's command timeout nor by the provider's guard. That, not a
    // stopwatch, is why the calls above were fast.
    const outage = storeErrors(outageStart);
    expect(outage.filter((error) => WAITED.test(error))).toEqual([]);
    expect(outage.filter((error) => !OFFLINE.test(error))).toEqual([]);

    // --- Redis comes back, empty, on the same port; the stores reconnect by themselves.
    await redis.start();
    await vi.waitFor(
      () => expect(stores.map((store) => store.client.status)).toEqual(stores.map(() => "ready")),
      { timeout: 20_000, interval: 20 },
    );
    const stopped = await load.stop();
    expect(stopped.failures).toEqual([]);
    expect(stopped.calls).toBeGreaterThan(0);
    // At no point, outage or restart, did the provider's guard have to give up on a store call:
    // the store bounded every call itself.
    expect(storeErrors().filter((error) => /did not answer/.test(error))).toEqual([]);

    // Sharing resumes: the next renewal is made once and written to Redis...
    const errorsBefore = events.filter((e) => e.type === "store-error").length;
    clock = Math.max(...renewed.map((token) => token.expiresAt)) + 1;
    const requestsBefore = sandbox.tokenRequests();
    const shared = await a.provider.getToken();
    expect(sandbox.tokenRequests()).toBe(requestsBefore + 1);
    // ...and the other processes, and a brand-new one, read it from there instead of the vendor.
    const d = process_("d");
    for (const { provider } of [b, c, d]) {
      expect((await provider.getToken()).accessToken).toBe(shared.accessToken);
    }
    expect(sandbox.tokenRequests()).toBe(requestsBefore + 1);
    expect(events.filter((e) => e.type === "store-error")).toHaveLength(errorsBefore);
  });
});
