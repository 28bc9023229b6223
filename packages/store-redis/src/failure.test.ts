import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inspect } from "node:util";
import { Redis } from "ioredis";
import { RedisStoreError } from "./errors.js";
import { makeKey, makeToken } from "./fixtures.test-helper.js";
import { startRedisServer, type RedisServer } from "./redis-server.test-helper.js";
import { createRedisStore, type RedisStore } from "./redis-store.js";

let server: RedisServer;
let store: RedisStore;
const COMMAND_TIMEOUT_MS = 250;
/**
 * Every test here stops, restarts or pauses Redis: a hang guard generous enough for a loaded
 * 2-core CI machine, not a speed goal. How fast things fail is asserted by which error they got.
 */
const TIMEOUT_MS = 60_000;
/** How long a restarted Redis may take to be in use again (reconnection backs off up to 2 s). */
const RECONNECT_WITHIN_MS = 20_000;
/**
 * What a command gets while the client has no connection (the offline queue is off): it was
 * never sent, so it waited for no reply. Had it waited out commandTimeoutMs, it would say
 * "timed out".
 */
const OFFLINE = /Stream isn't writeable|Connection is closed/;

beforeAll(async () => {
  server = await startRedisServer();
  store = createRedisStore({ url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

/** Awaits `promise` and reports how it settled and how long that took. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error?: unknown }> {
  const started = performance.now();
  try {
    await promise;
    return { ms: performance.now() - started };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe("when Redis is slow or down", { timeout: TIMEOUT_MS }, () => {
  it("a slow Redis makes commands reject after commandTimeoutMs", async () => {
    const key = makeKey();
    await store.set(key, makeToken(), 60_000);
    const admin = new Redis(server.url);
    try {
      // CLIENT PAUSE holds every client's commands on the server: a Redis that is up but stuck.
      await admin.call("CLIENT", "PAUSE", "1000", "ALL");
      const result = await timed(store.get(key));
      expect(result.error).toBeInstanceOf(RedisStoreError);
      expect((result.error as RedisStoreError).operation).toBe("get");
      // The store's own timer gave up, and not before commandTimeoutMs: no upper bound needed.
      expect((result.error as Error).message).toMatch(/timed out after 250 ms/);
      expect(result.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 20);
      await admin.call("CLIENT", "UNPAUSE");
      await vi.waitFor(async () => expect(await store.get(key)).toBeDefined(), {
        timeout: RECONNECT_WITHIN_MS,
      });
    } finally {
      admin.disconnect();
    }
  });

  it("an app's own client is bounded by commandTimeoutMs too", async () => {
    const key = makeKey();
    await store.set(key, makeToken(), 60_000);
    // ioredis's defaults: no command timeout at all.
    const appClient = new Redis(server.url);
    const admin = new Redis(server.url);
    const onAppClient = createRedisStore({
      client: appClient,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    try {
      await onAppClient.get(key);
      await admin.call("CLIENT", "PAUSE", "1000", "ALL");
      const result = await timed(onAppClient.get(key));
      expect((result.error as RedisStoreError).operation).toBe("get");
      // The store's timer (the app's client has none), not the pause ending.
      expect((result.error as Error).message).toMatch(/timed out after 250 ms/);
      expect(result.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 20);
    } finally {
      await admin.call("CLIENT", "UNPAUSE");
      admin.disconnect();
      appClient.disconnect();
    }
  });

  it("a reply that arrived while this process was stalled past the timeout is not a timeout", async () => {
    const key = makeKey();
    const token = makeToken();
    await store.set(key, token, 60_000);
    for (let round = 0; round < 3; round++) {
      const pending = timed(store.get(key));
      // By the next turn the GET is on the wire; Redis answers while this process is blocked for
      // twice the timeout, so the timer is overdue when the reply is read.
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          const until = performance.now() + 2 * COMMAND_TIMEOUT_MS;
          while (performance.now() < until); // the stall
          resolve();
        }),
      );
      const result = await pending;
      expect(result.error).toBeUndefined();
      expect(result.ms).toBeGreaterThan(2 * COMMAND_TIMEOUT_MS);
    }
  });

  it("every operation rejects quickly while Redis is stopped, then works again after a restart", async () => {
    const key = makeKey();
    const token = makeToken();
    await store.set(key, token, 60_000);
    await server.stop();

    const operations: Array<[string, () => Promise<unknown>]> = [
      ["get", () => store.get(key)],
      ["set", () => store.set(key, token, 60_000)],
      ["set", () => store.set(key, token, 0)],
      ["delete", () => store.delete(key)],
      ["lock", () => store.lock(key, 1_000)],
    ];
    // Several rounds: while the client is between reconnection attempts and while it is trying.
    for (let round = 0; round < 3; round++) {
      for (const [name, operation] of operations) {
        const result = await timed(operation());
        expect(result.error).toBeInstanceOf(RedisStoreError);
        expect((result.error as RedisStoreError).operation).toBe(name);
        // Quickly: refused without being sent, so it waited for nothing.
        expect((result.error as Error).message).toMatch(OFFLINE);
        expect((result.error as Error).message).not.toMatch(/timed out/i);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }

    await server.start();
    // The restarted Redis is empty (no persistence); the store reconnects by itself.
    await vi.waitFor(async () => expect(await store.get(key)).toBeUndefined(), {
      timeout: RECONNECT_WITHIN_MS,
    });
    await store.set(key, token, 60_000);
    expect(await store.get(key)).toEqual(token);
    const release = await store.lock(key, 1_000);
    expect(release).toBeDefined();
    await release!();
  });

  it("a release that fails while Redis is down rejects, and the lock still expires", async () => {
    const key = makeKey();
    const release = await store.lock(key, 300);
    await server.stop();
    await expect(release!()).rejects.toMatchObject({
      name: "RedisStoreError",
      operation: "release",
    });
    await server.start();
    await vi.waitFor(
      async () => {
        // Redis restarted empty; in real life the PX would have removed the lock within 300 ms.
        const again = await store.lock(key, 300);
        expect(again).toBeDefined();
        await again!();
      },
      { timeout: RECONNECT_WITHIN_MS },
    );
  });

  it("a refusal by Redis rejects without the token in the error (ioredis attaches args)", async () => {
    const admin = new Redis(server.url);
    const token = makeToken();
    try {
      // A Redis out of memory refuses writes with a reply error: a real refusal, no mock.
      await admin.config("SET", "maxmemory-policy", "noeviction");
      await admin.config("SET", "maxmemory", "1");
      const result = await timed(store.set(makeKey(), token, 60_000));
      expect(result.error).toBeInstanceOf(RedisStoreError);
      expect((result.error as Error).message).toMatch(/OOM/);
      const shown = inspect(result.error, { depth: 10, showHidden: true });
      expect(shown).not.toContain(token.accessToken);
      expect(JSON.stringify(result.error)).not.toContain(token.accessToken);
    } finally {
      await admin.config("SET", "maxmemory", "0");
      admin.disconnect();
    }
  });

  it("a store created while Redis is down fails fast and connects once Redis is up", async () => {
    await server.stop();
    const late = createRedisStore({ url: server.url, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    try {
      const result = await timed(late.get(makeKey()));
      expect(result.error).toBeInstanceOf(RedisStoreError);
      // Its first connection attempt was refused and the command never sent: an offline error,
      // not a timeout, so it did not sit out commandTimeoutMs waiting for a reply.
      expect((result.error as Error).message).toMatch(OFFLINE);
      expect((result.error as Error).message).not.toMatch(/timed out/i);
      await server.start();
      await vi.waitFor(async () => expect(await late.get(makeKey())).toBeUndefined(), {
        timeout: RECONNECT_WITHIN_MS,
      });
    } finally {
      await late.close();
    }
  });

  it("close() does not hang while Redis is down, and stops reconnecting", async () => {
    const other = createRedisStore({ url: server.url });
    await other.get(makeKey());
    await server.stop();
    try {
      // Redis comes back only after close() has resolved, so close() did not wait for it; one
      // that hung would fail on the test's timeout. No wall-clock bound needed.
      await expect(other.close()).resolves.toBeUndefined();
    } finally {
      await server.start();
    }
    // Closed means closed: no reconnection once Redis is back.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(other.client.status).not.toBe("ready");
    await expect(other.get(makeKey())).rejects.toBeInstanceOf(Error);
  });
});
