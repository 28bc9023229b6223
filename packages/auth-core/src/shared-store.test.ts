/**
 * Stores shared between processes: a store that fails or hangs never breaks token delivery, and
 * a store with `lock` makes one vendor request per key across every provider that shares it,
 * even when the lock's holder dies.
 */
import { connect, createServer, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { TokenEvent } from "./events.js";
import { cacheKey } from "./cache-key.js";
import { guardStore } from "./guarded-store.js";
import { createTokenProvider } from "./provider.js";
import { createMemoryStore, type TokenStore } from "./token-store.js";
import {
  ACME_CLIENT_ID,
  ACME_SECRET,
  acmeJson,
  closeAllServers,
  createClock,
  deferred,
  HOUR,
  MINUTE,
  nextTurn,
  startAcmeTokens,
  T0,
  until,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

/**
 * What one process sees of a shared store (a Redis, say): entries and locks live in `backing`,
 * shared by every view, and locks expire on the injected clock. Each view is its own object, so
 * providers on different views do not share in-process single flight: like separate processes.
 */
function sharedBacking(now: () => number) {
  const memory = createMemoryStore({ now });
  const locks = new Map<string, { owner: symbol; until: number }>();
  return {
    locks,
    view(): TokenStore {
      return {
        get: (key) => memory.get(key),
        set: (key, token, ttlMs) => memory.set(key, token, ttlMs),
        delete: (key) => memory.delete(key),
        async lock(key, ttlMs) {
          const held = locks.get(key);
          if (held && now() < held.until) return undefined;
          const owner = Symbol("owner");
          locks.set(key, { owner, until: now() + ttlMs });
          return async () => {
            if (locks.get(key)?.owner === owner) locks.delete(key);
          };
        },
      };
    },
  };
}

async function setup() {
  const clock = createClock();
  const acme = await startAcmeTokens(clock);
  const backing = sharedBacking(clock.now);
  const events: TokenEvent[] = [];
  const provider = (store: TokenStore, extra: object = {}) =>
    createTokenProvider(acmeJson, {
      credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET },
      baseUrl: acme.server.url,
      now: clock.now,
      store,
      retries: 0,
      onEvent: (event: TokenEvent) => events.push(event),
      ...extra,
    });
  return { clock, acme, backing, provider, events };
}

describe("a store that is down or slow", () => {
  it("a failing store: tokens still come from the vendor and memory, with store-error events", async () => {
    const { acme, provider, events } = await setup();
    const broken: TokenStore = {
      get: () => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")),
      set: () => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")),
      delete: () => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")),
      lock: () => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")),
    };
    const auth = provider(broken);
    const first = await auth.getToken();
    expect(await auth.getToken()).toBe(first);
    expect(acme.tokenRequests()).toBe(1);
    const failed = events.filter((event) => event.type === "store-error");
    expect(failed.map((event) => event.type === "store-error" && event.operation).sort()).toEqual([
      "get",
      "lock",
      "set",
    ]);
    expect(auth.stats().storeErrors).toBe(3);
  });

  it("a store that never answers costs at most the store timeout per call, then is skipped", async () => {
    const { acme, provider, events } = await setup();
    const hanging: TokenStore = {
      get: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      delete: () => new Promise(() => {}),
    };
    const token = await provider(hanging).getToken();
    expect(token.accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(acme.tokenRequests()).toBe(1);
    // get and set each gave up after the store timeout instead of waiting for ever.
    const failures = events.flatMap((event) => (event.type === "store-error" ? [event] : []));
    expect(failures.map((event) => [event.operation, event.error])).toEqual([
      ["get", "the token store did not answer get within 1000 ms"],
      ["set", "the token store did not answer set within 1000 ms"],
    ]);
  }, 10_000);

  it("callers in the refresh window get the valid token at once, not after a slow store", async () => {
    const { acme, clock, provider } = await setup();
    const backing = createMemoryStore({ now: clock.now });
    let gets = 0;
    let slow: Promise<void> | undefined;
    const auth = provider({
      get: async (key) => {
        gets += 1;
        await slow;
        return backing.get(key);
      },
      set: (key, token, ttlMs) => backing.set(key, token, ttlMs),
      delete: (key) => backing.delete(key),
    });
    const first = await auth.getToken();
    const store = deferred();
    slow = store.promise;
    gets = 0;
    clock.set(T0 + HOUR - 5 * MINUTE);
    // The store does not answer until released: the callers must not wait for it.
    const tokens = await Promise.all(Array.from({ length: 20 }, () => auth.getToken()));
    expect(tokens.every((token) => token === first)).toBe(true);
    // One read, by the one background refresh, before it asks the vendor.
    expect(gets).toBe(1);
    expect(acme.tokenRequests()).toBe(1);
    store.resolve();
    await until(() => acme.answered() === 2, "the background refresh");
    await nextTurn();
    expect((await auth.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-2`);
  });

  it("an answer that arrived while this process was stalled past the timeout is not a timeout", async () => {
    // The store answers over a real socket, connected beforehand; right after the server writes
    // the answer, this process blocks for twice the timeout, so the timer is overdue when the
    // answer is read. The timeout is long enough that a loaded machine still gets the question
    // to the server before it fires.
    const TIMEOUT_MS = 250;
    const server = createServer((socket) =>
      socket.on("data", () => {
        socket.write("answer");
        const stallUntil = performance.now() + 2 * TIMEOUT_MS;
        while (performance.now() < stallUntil); // the stall
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const overSocket = (): Promise<undefined> =>
      new Promise((resolve) => {
        socket.once("data", () => resolve(undefined));
        socket.write("get");
      });
    const errors: string[] = [];
    const store = guardStore(
      { get: overSocket, set: () => undefined, delete: () => undefined },
      TIMEOUT_MS,
      (operation, error) => errors.push(`${operation}: ${String(error)}`),
    );
    try {
      for (let round = 0; round < 2; round++) await store.get("k");
      expect(errors).toEqual([]);
    } finally {
      socket.destroy();
      server.close();
    }
  });

  it("guardStore reports the operation, and tells a busy lock from a failed one", async () => {
    const errors: string[] = [];
    const store = guardStore(
      {
        get: () => {
          throw new Error("boom");
        },
        set: () => undefined,
        delete: () => undefined,
        lock: async (key) =>
          key === "busy"
            ? undefined
            : key === "fails"
              ? Promise.reject(new Error("down"))
              : async () => {},
      },
      50,
      (operation) => errors.push(operation),
    );
    expect(await store.get("k")).toBeUndefined();
    expect((await store.lock("busy", 100)).state).toBe("busy");
    expect((await store.lock("fails", 100)).state).toBe("unavailable");
    expect((await store.lock("free", 100)).state).toBe("held");
    expect(errors).toEqual(["get", "lock"]);
  });
});

describe("a store with a lock: one request across processes", () => {
  it("a second process waits for the first one's token instead of asking the vendor", async () => {
    const { acme, backing, provider } = await setup();
    const gate = deferred<void>();
    acme.state.gate = gate.promise;
    const first = provider(backing.view());
    // Real 50 ms polls: the fake clock stands still, so the lock cannot expire under it.
    let polls = 0;
    const second = provider(backing.view(), {
      sleep: (ms: number) => {
        polls += 1;
        return new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    const fromFirst = first.getToken();
    // The first holds the lock and its request is at the vendor, held there.
    await acme.server.received(1);
    const fromSecond = second.getToken();
    await until(() => polls > 0, "the second process to find the lock taken");
    gate.resolve();
    const [a, b] = await Promise.all([fromFirst, fromSecond]);
    expect(b.accessToken).toBe(a.accessToken);
    expect(acme.tokenRequests()).toBe(1);
    expect(backing.locks.size).toBe(0);
  });

  it("a holder that died delays the others by at most the lock's TTL, then one of them fetches", async () => {
    const { acme, backing, provider, clock } = await setup();
    const credentials = { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET };
    const key = await cacheKey(acmeJson.id, acme.server.url, credentials);
    // A process took the lock for 3 s and died before storing anything.
    backing.locks.set(key, { owner: Symbol("dead process"), until: clock.now() + 3_000 });
    const waits: number[] = [];
    const auth = provider(backing.view(), {
      sleep: async (ms: number) => {
        waits.push(ms);
        clock.advance(ms);
      },
    });
    const token = await auth.getToken();
    expect(token.accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(acme.tokenRequests()).toBe(1);
    const waited = waits.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeGreaterThanOrEqual(3_000);
    expect(waited).toBeLessThanOrEqual(3_000 + 50);
  });

  it("the lock outlives a live holder's whole fetch: every attempt, the backoff between them, 1 s more", async () => {
    const { backing, provider } = await setup();
    const ttls: number[] = [];
    const view = backing.view();
    const recording: TokenStore = {
      ...view,
      lock: (key, ttlMs) => (ttls.push(ttlMs), view.lock!(key, ttlMs)),
    };
    await provider(recording, { retries: 2 }).getToken();
    await provider({ ...recording }, { retries: 0, timeoutMs: 1_000 }).getToken({
      forceRefresh: true,
    });
    // 3 × 10 s + 250 ms + 500 ms + 1 s; then 1 × 1 s + 1 s.
    expect(ttls).toEqual([31_750, 2_000]);
  });

  it("a process that took the lock just after another stored a token uses that token", async () => {
    const { acme, backing, provider } = await setup();
    const first = provider(backing.view());
    const token = await first.getToken();
    // A second process with nothing in memory finds the stored token: no lock, no request.
    const second = provider(backing.view());
    expect((await second.getToken()).accessToken).toBe(token.accessToken);
    expect(acme.tokenRequests()).toBe(1);
  });
});
