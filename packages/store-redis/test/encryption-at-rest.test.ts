/**
 * Encryption at rest, end to end through a provider: what lands in Redis (read back with a plain
 * ioredis client, as anyone with access to Redis or its snapshots would) holds neither the token
 * nor anything that decodes to it; and a process with the wrong key gets a clean miss and asks
 * the vendor again, without an error.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { TokenEvent } from "@tokenyard/auth-core";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { startWilsonSandbox, type Sandbox } from "@tokenyard/wilson-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../src/redis-server.test-helper.js";
import { createRedisStore, type RedisStore } from "../src/index.js";

type WilsonSandbox = Sandbox<{ appName: string; clientId: string; clientSecret: string }>;

const PREFIX = "enc:";
let redis: RedisServer;
let raw: Redis;
let sandbox: WilsonSandbox;
const stores: RedisStore[] = [];
const events: TokenEvent[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url);
  sandbox = await startWilsonSandbox();
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  raw?.disconnect();
  await sandbox?.close();
  await redis?.stop();
});

function provider(encryptionKeys?: Uint8Array[]) {
  const store = createRedisStore({
    url: redis.url,
    keyPrefix: PREFIX,
    ...(encryptionKeys ? { encryptionKeys } : {}),
  });
  stores.push(store);
  return createWilsonAuth({
    credentials: sandbox.credentials,
    baseUrl: sandbox.baseUrl,
    store,
    onEvent: (event) => events.push(event),
  });
}

/** The one token entry under the prefix (locks aside), as stored. */
async function rawEntry(): Promise<{ name: string; value: string }> {
  const names = (await raw.keys(`${PREFIX}*`)).filter((name) => !name.startsWith(`${PREFIX}lock:`));
  expect(names).toHaveLength(1);
  const value = await raw.get(names[0]!);
  expect(value).not.toBeNull();
  return { name: names[0]!, value: value! };
}

/** Every way the secret could be spelled in a stored value. */
function spellings(secret: string): string[] {
  const bytes = Buffer.from(secret);
  const forms = [
    secret,
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    encodeURIComponent(secret),
  ];
  // A JWT's payload and signature are unique to it (the header is shared by every token).
  forms.push(
    ...secret
      .split(".")
      .slice(1)
      .filter((part) => part.length >= 16),
  );
  return forms;
}

/** Every string in the stored JSON, and what it decodes to as base64, base64url and hex. */
function decodings(value: string): string[] {
  const strings: string[] = [value];
  JSON.parse(value, (_key, member: unknown) => {
    if (typeof member === "string") strings.push(member);
    return member;
  });
  const decoded = strings.flatMap((s) => [
    Buffer.from(s, "base64").toString("latin1"),
    Buffer.from(s, "base64url").toString("latin1"),
    /^[0-9a-f]+$/i.test(s) ? Buffer.from(s, "hex").toString("latin1") : "",
  ]);
  return [...strings, ...decoded];
}

describe("encryption at rest", () => {
  it("the raw Redis value holds neither the token nor anything that decodes to it", async () => {
    const key = randomBytes(32);
    const token = await provider([key]).getToken();
    expect(sandbox.tokenRequests()).toBe(1);
    const { value } = await rawEntry();

    const entry = JSON.parse(value) as Record<string, unknown>;
    expect(entry).toMatchObject({ v: 1, alg: "A256GCM" });
    expect(Object.keys(entry).sort()).toEqual(["alg", "data", "iv", "kid", "v"]);
    const readable = decodings(value);
    for (const form of spellings(token.accessToken)) {
      for (const text of readable) expect(text.includes(form), `found ${form}`).toBe(false);
    }
    // No credential either.
    for (const secret of [sandbox.credentials.clientSecret, sandbox.credentials.clientId]) {
      for (const form of spellings(secret)) expect(value).not.toContain(form);
    }

    // A second process with the key reads it back, without a request.
    expect((await provider([key]).getToken()).accessToken).toBe(token.accessToken);
    expect(sandbox.tokenRequests()).toBe(1);
  });

  it("a wrong key is a clean miss: the provider asks the vendor once more, no error, no crash", async () => {
    await raw.flushall();
    const right = randomBytes(32);
    const first = await provider([right]).getToken();
    const before = sandbox.tokenRequests();
    const { value: sealed } = await rawEntry();
    const eventsBefore = events.length;

    const wrong = provider([randomBytes(32)]);
    const token = await wrong.getToken();
    expect(token.accessToken).toBeTruthy();
    expect(sandbox.tokenRequests()).toBe(before + 1);
    expect(sandbox.issuedTokens.at(-1)).toBe(token.accessToken);
    // A miss, not a store failure: no store-error, no refresh-error.
    const after = events.slice(eventsBefore);
    expect(after.filter((e) => e.type === "store-error" || e.type === "refresh-error")).toEqual([]);
    expect(after.some((e) => e.type === "miss" && e.reason === "empty")).toBe(true);
    // It overwrote the entry with its own, sealed under its key.
    const { value: resealed } = await rawEntry();
    expect(resealed).not.toBe(sealed);
    expect(decodings(resealed).some((text) => text.includes(token.accessToken))).toBe(false);

    // A provider without any key does not take the sealed value for a token either.
    const plain = provider();
    const plainToken = await plain.getToken();
    expect(plainToken.accessToken).not.toBe(first.accessToken);
    expect(sandbox.tokenRequests()).toBe(before + 2);
  });
});
