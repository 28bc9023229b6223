import { ConfigurationError } from "@tokenyard/auth-core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisStore, type RedisStoreOptions } from "./redis-store.js";

/** Expects a ConfigurationError naming `option`, without creating any connection. */
function expectRejected(options: unknown, option: string, message?: RegExp): ConfigurationError {
  let caught: unknown;
  try {
    createRedisStore(options as RedisStoreOptions);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigurationError);
  const error = caught as ConfigurationError;
  expect(error.option).toBe(option);
  if (message) expect(error.message).toMatch(message);
  return error;
}

describe("createRedisStore options", () => {
  it("rejects a non-object", () => {
    expectRejected(null, "options");
    expectRejected("redis://localhost", "options");
  });

  it("rejects a client combined with url or redis options", () => {
    const client = new Redis({ lazyConnect: true });
    try {
      expectRejected({ client, url: "redis://127.0.0.1:1" }, "client", /cannot be combined/);
      expectRejected({ client, redis: {} }, "client", /cannot be combined/);
    } finally {
      client.disconnect();
    }
  });

  it("rejects something that is not an ioredis client", () => {
    expectRejected({ client: {} }, "client", /ioredis/);
    expectRejected({ client: "redis://localhost" }, "client");
  });

  it("rejects a bad url without repeating it (it may hold a password)", () => {
    const secret = "hunter2-very-secret";
    for (const url of [`http://user:${secret}@host`, `not a url ${secret}`, `//:${secret}@x`]) {
      const error = expectRejected({ url }, "url");
      expect(error.message).not.toContain(secret);
      expect(String(error.stack)).not.toContain(secret);
    }
    expectRejected({ url: 6379 }, "url", /string/);
  });

  it("rejects bad redis options", () => {
    expectRejected({ redis: "localhost" }, "redis");
    expectRejected({ redis: null }, "redis");
  });

  it("rejects a bad keyPrefix", () => {
    expectRejected({ keyPrefix: 5, redis: { lazyConnect: true } }, "keyPrefix");
  });

  it("rejects a commandTimeoutMs that is not a positive integer", () => {
    for (const value of [0, -1, 1.5, Number.NaN, Infinity, "250"]) {
      expectRejected({ commandTimeoutMs: value }, "commandTimeoutMs", /positive integer/);
    }
  });

  it("rejects bad encryption keys, naming the position and never the key", async () => {
    const short = new Uint8Array(16).fill(0xab);
    const error = expectRejected(
      { encryptionKeys: [new Uint8Array(32), short] },
      "encryptionKeys[1]",
    );
    expect(error.message).toMatch(/32 bytes/);
    expect(error.message).not.toMatch(/ab|171|abab/i);

    expectRejected({ encryptionKeys: [] }, "encryptionKeys", /at least one/);
    expectRejected({ encryptionKeys: new Uint8Array(32) }, "encryptionKeys", /array/);
    expectRejected({ encryptionKeys: ["a".repeat(32)] }, "encryptionKeys[0]");

    const aes128 = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, true, [
      "encrypt",
      "decrypt",
    ]);
    expectRejected({ encryptionKeys: [aes128] }, "encryptionKeys[0]", /256/);
    const encryptOnly = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, [
      "encrypt",
    ]);
    expectRejected({ encryptionKeys: [encryptOnly] }, "encryptionKeys[0]", /decrypt/);
    const locked = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
      "encrypt",
      "decrypt",
    ]);
    expectRejected({ encryptionKeys: [locked] }, "encryptionKeys[0]", /extractable/);
    const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
    expectRejected({ encryptionKeys: [hmac] }, "encryptionKeys[0]", /AES-GCM/);
  });

  it("accepts valid options without connecting until asked (lazyConnect)", async () => {
    const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, [
      "encrypt",
      "decrypt",
    ]);
    const store = createRedisStore({
      url: "redis://127.0.0.1:1",
      keyPrefix: "",
      encryptionKeys: [key, new Uint8Array(32)],
      commandTimeoutMs: 1_000,
      redis: { lazyConnect: true },
    });
    expect(store.client.status).toBe("wait");
    await store.close();
    expect(store.client.status).toBe("end");
  });
});
