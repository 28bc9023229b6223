import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORMAT_VERSION } from "./codec.js";
import { makeKey, makeToken } from "./fixtures.test-helper.js";
import { startRedisServer, type RedisServer } from "./redis-server.test-helper.js";
import { createRedisStore, type RedisStore } from "./redis-store.js";

let server: RedisServer;
let raw: Redis;
let store: RedisStore;

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
  store = createRedisStore({ url: server.url });
});

afterAll(async () => {
  await store?.close();
  raw?.disconnect();
  await server?.stop();
});

describe("createRedisStore: entries", () => {
  it("round-trips a token", async () => {
    const key = makeKey();
    const token = makeToken();
    await store.set(key, token, 60_000);
    expect(await store.get(key)).toEqual(token);
  });

  it("misses on a key never set", async () => {
    expect(await store.get(makeKey())).toBeUndefined();
  });

  it("lets the entry expire in Redis with PX = ttlMs", async () => {
    const key = makeKey();
    await store.set(key, makeToken(), 60_000);
    const pttl = await raw.pttl(`tokenyard:${key}`);
    expect(pttl).toBeGreaterThan(59_000);
    expect(pttl).toBeLessThanOrEqual(60_000);

    // Long enough that the next read surely finds it, even on a busy machine.
    const short = makeKey();
    await store.set(short, makeToken(), 1_000);
    expect(await store.get(short)).toBeDefined();
    const leftMs = await raw.pttl(`tokenyard:${short}`);
    expect(leftMs).toBeGreaterThan(0);
    expect(leftMs).toBeLessThanOrEqual(1_000);
    await new Promise((resolve) => setTimeout(resolve, leftMs + 50));
    expect(await store.get(short)).toBeUndefined();
    expect(await raw.exists(`tokenyard:${short}`)).toBe(0);
  });

  it("rounds a fractional ttl up to whole milliseconds", async () => {
    const key = makeKey();
    await store.set(key, makeToken(), 10_000.2);
    const pttl = await raw.pttl(`tokenyard:${key}`);
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_001);
  });

  it("writes under the default prefix, and under a configured one", async () => {
    const key = makeKey();
    await store.set(key, makeToken(), 60_000);
    expect(await raw.exists(`tokenyard:${key}`)).toBe(1);

    const other = createRedisStore({ url: server.url, keyPrefix: "app1:tokens:" });
    try {
      const token = makeToken();
      await other.set(key, token, 60_000);
      expect(await raw.exists(`app1:tokens:${key}`)).toBe(1);
      expect(await other.get(key)).toEqual(token);
      // Two prefixes are two namespaces.
      await other.delete(key);
      expect(await store.get(key)).toBeDefined();
    } finally {
      await other.close();
    }
  });

  it("deletes instead of writing when ttl <= 0", async () => {
    for (const ttl of [0, -1, Number.NaN]) {
      const key = makeKey();
      await store.set(key, makeToken(), 60_000);
      await store.set(key, makeToken(), ttl);
      expect(await raw.exists(`tokenyard:${key}`)).toBe(0);
      expect(await store.get(key)).toBeUndefined();
    }
  });

  it("rejects an infinite ttl instead of storing forever", async () => {
    await expect(store.set(makeKey(), makeToken(), Infinity)).rejects.toThrow(RangeError);
  });

  it("deletes, and deleting a missing key is fine", async () => {
    const key = makeKey();
    await store.set(key, makeToken(), 60_000);
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
    await store.delete(makeKey());
  });

  it("stores a versioned JSON value", async () => {
    const key = makeKey();
    const token = makeToken();
    await store.set(key, token, 60_000);
    const value = JSON.parse((await raw.get(`tokenyard:${key}`))!);
    expect(value).toEqual({ v: FORMAT_VERSION, token });
    expect(FORMAT_VERSION).toBe(1);
  });

  it("treats an unknown version, garbage or a malformed token as a miss", async () => {
    const token = makeToken();
    const values = [
      JSON.stringify({ v: 2, token }),
      JSON.stringify({ token }),
      JSON.stringify({ v: "1", token }),
      "not json {",
      "",
      "null",
      "[1,2]",
      JSON.stringify({ v: 1 }),
      JSON.stringify({ v: 1, token: { ...token, accessToken: 42 } }),
      JSON.stringify({ v: 1, token: { ...token, expiresAt: "soon" } }),
      JSON.stringify({ v: 1, token: { ...token, refreshToken: 7 } }),
      // An encrypted value read by a store without keys.
      JSON.stringify({ v: 1, alg: "A256GCM", kid: "00000000", iv: "AAAA", data: "AAAA" }),
    ];
    for (const value of values) {
      const key = makeKey();
      await raw.set(`tokenyard:${key}`, value);
      expect(await store.get(key), value).toBeUndefined();
    }
  });

  it("rejects an empty key", async () => {
    await expect(store.get("")).rejects.toThrow(TypeError);
  });

  it("answers the first calls even when sent before the connection is up", async () => {
    const fresh = createRedisStore({ url: server.url });
    try {
      expect(fresh.client.status).not.toBe("ready");
      const key = makeKey();
      await store.set(key, makeToken(), 60_000);
      const results = await Promise.all(Array.from({ length: 100 }, () => fresh.get(key)));
      expect(results.every((token) => token !== undefined)).toBe(true);
      // One shared wait, not a pair of listeners per early call.
      expect(fresh.client.listenerCount("ready")).toBeLessThanOrEqual(1);
    } finally {
      await fresh.close();
    }
  });
});

describe("createRedisStore: clients", () => {
  it("uses an app-supplied client and does not close it", async () => {
    const client = new Redis(server.url);
    try {
      const shared = createRedisStore({ client });
      expect(shared.client).toBe(client);
      const key = makeKey();
      const token = makeToken();
      await shared.set(key, token, 60_000);
      expect(await store.get(key)).toEqual(token);
      await shared.close();
      expect(client.status).toBe("ready");
      expect(await client.ping()).toBe("PONG");
      expect(await shared.get(key)).toEqual(token);
    } finally {
      client.disconnect();
    }
  });

  it("closes the client it created, and close() can be called twice", async () => {
    const own = createRedisStore({ url: server.url });
    await own.get(makeKey());
    await own.close();
    await own.close();
    expect(own.client.status).toBe("end");
  });

  it("configures the client it creates to fail fast", () => {
    const own = createRedisStore({
      url: server.url,
      commandTimeoutMs: 400,
      redis: { lazyConnect: true },
    });
    const options = own.client.options;
    // The store bounds its own commands (withCommandTimeout), stall-tolerant; see failure.test.ts.
    expect(options.commandTimeout).toBeUndefined();
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.maxRetriesPerRequest).toBe(0);
    expect(options.lazyConnect).toBe(true);
    expect(options.retryStrategy?.(1)).toBeGreaterThan(0);
    expect(options.retryStrategy?.(1_000)).toBe(2_000);
    own.client.disconnect();
  });

  it("accepts connection options instead of a URL", async () => {
    const own = createRedisStore({ redis: { host: "127.0.0.1", port: server.port } });
    try {
      const key = makeKey();
      await own.set(key, makeToken(), 60_000);
      expect(await store.get(key)).toBeDefined();
    } finally {
      await own.close();
    }
  });
});
