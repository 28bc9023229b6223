import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey } from "./fixtures.test-helper.js";
import { startRedisServer, type RedisServer } from "./redis-server.test-helper.js";
import { createRedisStore, type RedisStore } from "./redis-store.js";

let server: RedisServer;
let raw: Redis;
let a: RedisStore;
let b: RedisStore;

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
  // Two stores with their own connections stand for two processes.
  a = createRedisStore({ url: server.url });
  b = createRedisStore({ url: server.url });
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  raw?.disconnect();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("lock", () => {
  it("is held by one owner at a time, and released by its owner", async () => {
    const key = makeKey();
    const release = await a.lock(key, 10_000);
    expect(release).toBeTypeOf("function");
    expect(await b.lock(key, 10_000)).toBeUndefined();
    expect(await a.lock(key, 10_000)).toBeUndefined(); // not re-entrant, even in one process
    await release!();
    expect(await raw.exists(`tokenyard:lock:${key}`)).toBe(0);
    const again = await b.lock(key, 10_000);
    expect(again).toBeTypeOf("function");
    await again!();
  });

  it("stores a random owner under <prefix>lock:<key> with PX = ttlMs", async () => {
    const key = makeKey();
    const release = await a.lock(key, 5_000);
    const owner = await raw.get(`tokenyard:lock:${key}`);
    expect(owner).toMatch(/^[0-9a-f]{32}$/);
    const pttl = await raw.pttl(`tokenyard:lock:${key}`);
    expect(pttl).toBeGreaterThan(4_000);
    expect(pttl).toBeLessThanOrEqual(5_000);
    await release!();
  });

  it("expires by itself, so a holder that died delays others by at most its TTL", async () => {
    const key = makeKey();
    // Long enough that the next commands surely find it held, even on a busy machine.
    const TTL_MS = 1_000;
    expect(await a.lock(key, TTL_MS)).toBeDefined(); // never released: the holder "died"
    expect(await b.lock(key, TTL_MS)).toBeUndefined();
    const leftMs = await raw.pttl(`tokenyard:lock:${key}`);
    expect(leftMs).toBeGreaterThan(0);
    expect(leftMs).toBeLessThanOrEqual(TTL_MS);
    await sleep(leftMs + 50); // timers never fire early: its PX has run out by then
    const release = await b.lock(key, 10_000);
    expect(release).toBeDefined();
    await release!();
  });

  it("a stale release does not delete a lock another owner took after expiry", async () => {
    const key = makeKey();
    const stale = await a.lock(key, 100);
    await sleep(200);
    const current = await b.lock(key, 10_000);
    expect(current).toBeDefined();
    const owner = await raw.get(`tokenyard:lock:${key}`);
    await stale!(); // the first holder finishes late and releases
    expect(await raw.get(`tokenyard:lock:${key}`)).toBe(owner);
    expect(await a.lock(key, 10_000)).toBeUndefined();
    await current!();
    expect(await raw.exists(`tokenyard:lock:${key}`)).toBe(0);
  });

  it("releasing twice is harmless", async () => {
    const key = makeKey();
    const release = await a.lock(key, 10_000);
    await release!();
    const other = await b.lock(key, 10_000);
    await release!();
    expect(await raw.exists(`tokenyard:lock:${key}`)).toBe(1);
    await other!();
  });

  it("gives exactly one of many concurrent contenders the lock", async () => {
    const key = makeKey();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).lock(key, 10_000)),
    );
    const winners = results.filter((release) => release !== undefined);
    expect(winners).toHaveLength(1);
    await winners[0]!();
  });

  it("locks live apart from entries and honour the key prefix", async () => {
    const key = makeKey();
    const prefixed = createRedisStore({ url: server.url, keyPrefix: "other:" });
    try {
      const release = await prefixed.lock(key, 10_000);
      expect(await raw.exists(`other:lock:${key}`)).toBe(1);
      expect(await prefixed.get(key)).toBeUndefined();
      // Another prefix is another namespace: its lock does not block this one.
      const mine = await a.lock(key, 10_000);
      expect(mine).toBeDefined();
      await Promise.all([release!(), mine!()]);
    } finally {
      await prefixed.close();
    }
  });

  it("rejects a ttl that is not a positive finite number", async () => {
    for (const ttl of [0, -5, Number.NaN, Infinity]) {
      await expect(a.lock(makeKey(), ttl)).rejects.toThrow(RangeError);
    }
  });
});
