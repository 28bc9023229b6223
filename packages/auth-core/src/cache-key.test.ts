import { describe, expect, it } from "vitest";
import { cacheKey } from "./cache-key.js";

const BASE = "https://api.acme.example/v1";
const CREDS = { clientId: "acme-client-4411", clientSecret: "acme-SECRET-9f3b2c71d0" };

describe("cacheKey", () => {
  it("has the format tokenyard:v1:<id>:<64 hex>", async () => {
    expect(await cacheKey("acme", BASE, CREDS)).toMatch(/^tokenyard:v1:acme:[0-9a-f]{64}$/);
  });

  it("is pinned: processes on different versions sharing a store must agree on it", async () => {
    // SHA-256 of JSON ["acme", BASE, [["clientId", …], ["clientSecret", …]]] (sorted fields).
    // A change here strands every token already stored: give the key a new version prefix.
    expect(await cacheKey("acme", BASE, CREDS)).toBe(
      "tokenyard:v1:acme:683884b3ce0484f3303294c5fe20215e7c37bb47b60b71034ecdaad1cefe41a3",
    );
  });

  it("is deterministic and independent of property order", async () => {
    const a = await cacheKey("acme", BASE, CREDS);
    expect(await cacheKey("acme", BASE, { ...CREDS })).toBe(a);
    expect(
      await cacheKey("acme", BASE, { clientSecret: CREDS.clientSecret, clientId: CREDS.clientId }),
    ).toBe(a);
  });

  it("differs when any credential, the base URL or the vendor changes", async () => {
    const base = await cacheKey("acme", BASE, CREDS);
    const variants = await Promise.all([
      cacheKey("acme", BASE, { ...CREDS, clientSecret: `${CREDS.clientSecret}x` }),
      cacheKey("acme", BASE, { ...CREDS, clientId: "other" }),
      cacheKey("acme", BASE, { ...CREDS, scope: "read" }),
      cacheKey("acme", BASE, { clientId: CREDS.clientId }),
      cacheKey("acme", `${BASE}/eu`, CREDS),
      cacheKey("acme", "https://sandbox.acme.example", CREDS),
      cacheKey("acme2", BASE, CREDS),
      cacheKey("acme", BASE, { ...CREDS, resource: ["a", "b"] }),
      cacheKey("acme", BASE, { ...CREDS, resource: ["a"] }),
      cacheKey("acme", BASE, { ...CREDS, expiresIn: 60 }),
      cacheKey("acme", BASE, { ...CREDS, expiresIn: "60" }),
    ]);
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it("does not confuse field boundaries", async () => {
    expect(await cacheKey("acme", BASE, { a: "b:c" })).not.toBe(
      await cacheKey("acme", BASE, { "a:b": "c" }),
    );
  });

  it("contains no credential", async () => {
    const key = await cacheKey("acme", BASE, CREDS);
    expect(key).not.toContain(CREDS.clientSecret);
    expect(key).not.toContain(CREDS.clientId);
  });
});
