import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey, makeToken } from "./fixtures.test-helper.js";
import { startRedisServer, type RedisServer } from "./redis-server.test-helper.js";
import { createRedisStore, type RedisStore, type RedisStoreOptions } from "./redis-store.js";

let server: RedisServer;
let raw: Redis;
const stores: RedisStore[] = [];

function open(options: RedisStoreOptions = {}): RedisStore {
  const store = createRedisStore({ url: server.url, ...options });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  raw?.disconnect();
  await server?.stop();
});

const keyA = new Uint8Array(randomBytes(32));
const keyB = new Uint8Array(randomBytes(32));

async function rawValue(key: string): Promise<Record<string, unknown>> {
  return JSON.parse((await raw.get(`tokenyard:${key}`))!);
}

/** Every encoding of a secret that could leak it: as is, base64, base64url and hex. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex")];
}

describe("encryption at rest", () => {
  it("stores neither the token nor any encoding of it, and decrypts it back", async () => {
    const store = open({ encryptionKeys: [keyA] });
    const key = makeKey();
    const token = makeToken();
    await store.set(key, token, 60_000);
    const value = (await raw.get(`tokenyard:${key}`))!;
    for (const secret of [token.accessToken, token.refreshToken!]) {
      for (const encoded of encodings(secret)) expect(value).not.toContain(encoded);
      // Nor hidden in the base64 fields once decoded.
      const parsed = JSON.parse(value) as { iv: string; data: string };
      for (const field of [parsed.iv, parsed.data]) {
        expect(Buffer.from(field, "base64").toString("latin1")).not.toContain(secret);
      }
    }
    expect(JSON.parse(value)).toEqual({
      v: 1,
      alg: "A256GCM",
      kid: expect.stringMatching(/^[0-9a-f]{8}$/),
      iv: expect.any(String),
      data: expect.any(String),
    });
    expect(Buffer.from((await rawValue(key))["iv"] as string, "base64")).toHaveLength(12);
    expect(await store.get(key)).toEqual(token);
  });

  it("uses a fresh IV for every write", async () => {
    const store = open({ encryptionKeys: [keyA] });
    const key = makeKey();
    const token = makeToken();
    await store.set(key, token, 60_000);
    const first = await rawValue(key);
    await store.set(key, token, 60_000);
    const second = await rawValue(key);
    expect(second["iv"]).not.toBe(first["iv"]);
    expect(second["data"]).not.toBe(first["data"]);
  });

  it("reads old entries after a rotation, and writes new ones with the new key", async () => {
    const before = open({ encryptionKeys: [keyA] });
    const after = open({ encryptionKeys: [keyB, keyA] });
    const onlyNew = open({ encryptionKeys: [keyB] });
    const oldKey = makeKey();
    const oldToken = makeToken();
    await before.set(oldKey, oldToken, 60_000);
    const oldKid = (await rawValue(oldKey))["kid"];

    expect(await after.get(oldKey)).toEqual(oldToken);

    const newKey = makeKey();
    const newToken = makeToken();
    await after.set(newKey, newToken, 60_000);
    const newKid = (await rawValue(newKey))["kid"];
    expect(newKid).not.toBe(oldKid);
    expect(await onlyNew.get(newKey)).toEqual(newToken);
    // Not yet rotated processes still read what rotated ones write, as long as they are
    // deployed with the new key anywhere in their list.
    expect(await open({ encryptionKeys: [keyA, keyB] }).get(newKey)).toEqual(newToken);
  });

  it("tries every key when the key id is unknown", async () => {
    const store = open({ encryptionKeys: [keyB, keyA] });
    const key = makeKey();
    const token = makeToken();
    await open({ encryptionKeys: [keyA] }).set(key, token, 60_000);
    const value = await rawValue(key);
    await raw.set(`tokenyard:${key}`, JSON.stringify({ ...value, kid: "ffffffff" }));
    expect(await store.get(key)).toEqual(token);
  });

  it("gives the same key id for raw bytes and the same key as a CryptoKey", async () => {
    const asBytes = open({ encryptionKeys: [keyA] });
    const cryptoKey = await crypto.subtle.importKey("raw", keyA, "AES-GCM", true, [
      "encrypt",
      "decrypt",
    ]);
    const asCryptoKey = open({ encryptionKeys: [cryptoKey] });
    const k1 = makeKey();
    const k2 = makeKey();
    const token = makeToken();
    await asBytes.set(k1, token, 60_000);
    await asCryptoKey.set(k2, token, 60_000);
    expect((await rawValue(k1))["kid"]).toBe((await rawValue(k2))["kid"]);
    expect(await asCryptoKey.get(k1)).toEqual(token);
    expect(await asBytes.get(k2)).toEqual(token);
  });

  it("a wrong key is a clean miss", async () => {
    const key = makeKey();
    await open({ encryptionKeys: [keyA] }).set(key, makeToken(), 60_000);
    expect(await open({ encryptionKeys: [keyB] }).get(key)).toBeUndefined();
    expect(await open({ encryptionKeys: [new Uint8Array(32)] }).get(key)).toBeUndefined();
  });

  it("a value moved to another key does not decrypt (the key is authenticated)", async () => {
    const store = open({ encryptionKeys: [keyA] });
    const victim = makeKey();
    const attacker = makeKey();
    await store.set(attacker, makeToken(), 60_000);
    await raw.set(`tokenyard:${victim}`, (await raw.get(`tokenyard:${attacker}`))!);
    expect(await store.get(victim)).toBeUndefined();
    expect(await store.get(attacker)).toBeDefined();
  });

  it("a tampered or malformed encrypted value is a clean miss", async () => {
    const store = open({ encryptionKeys: [keyA] });
    const key = makeKey();
    await store.set(key, makeToken(), 60_000);
    const value = await rawValue(key);
    const data = Buffer.from(value["data"] as string, "base64");
    data[0]! ^= 1;
    const variants = [
      { ...value, data: data.toString("base64") },
      { ...value, iv: Buffer.alloc(12).toString("base64") },
      { ...value, iv: "short" },
      { ...value, data: "" },
      { ...value, alg: "A128GCM" },
      { ...value, v: 2 },
      { ...value, kid: 5 },
    ];
    for (const variant of variants) {
      await raw.set(`tokenyard:${key}`, JSON.stringify(variant));
      expect(await store.get(key), JSON.stringify(variant)).toBeUndefined();
    }
  });

  it("with encryption on, a plaintext value is a miss (it could have been planted)", async () => {
    const key = makeKey();
    await open().set(key, makeToken(), 60_000);
    expect(await open({ encryptionKeys: [keyA] }).get(key)).toBeUndefined();
  });

  it("keeps its own copy of raw key bytes", async () => {
    const bytes = new Uint8Array(keyA);
    const store = open({ encryptionKeys: [bytes] });
    bytes.fill(0); // the app wipes its buffer right after construction
    const key = makeKey();
    const token = makeToken();
    await store.set(key, token, 60_000);
    expect(await open({ encryptionKeys: [keyA] }).get(key)).toEqual(token);
  });
});
