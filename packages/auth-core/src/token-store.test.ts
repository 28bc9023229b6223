import { describe, expect, it } from "vitest";
import type { AccessToken } from "./access-token.js";
import { createMemoryStore } from "./token-store.js";

function token(name: string): AccessToken {
  return { accessToken: name, tokenType: "Bearer", expiresAt: 10_000, obtainedAt: 0, raw: {} };
}

describe("createMemoryStore", () => {
  it("stores, overwrites and deletes", async () => {
    const store = createMemoryStore({ now: () => 0 });
    expect(await store.get("k")).toBeUndefined();
    await store.set("k", token("a"), 1000);
    expect((await store.get("k"))?.accessToken).toBe("a");
    await store.set("k", token("b"), 1000);
    expect((await store.get("k"))?.accessToken).toBe("b");
    await store.delete("k");
    expect(await store.get("k")).toBeUndefined();
    await store.delete("never-set");
  });

  it("drops an entry when its TTL ends, by the injected clock", () => {
    let at = 5_000;
    const store = createMemoryStore({ now: () => at });
    void store.set("k", token("a"), 1000);
    at = 5_999;
    expect(store.get("k")).toMatchObject({ accessToken: "a" });
    at = 6_000;
    expect(store.get("k")).toBeUndefined();
    at = 5_000; // gone for good, even if the clock goes back
    expect(store.get("k")).toBeUndefined();
  });

  it("a TTL of 0 is expired at once", () => {
    const store = createMemoryStore({ now: () => 1 });
    void store.set("k", token("a"), 0);
    expect(store.get("k")).toBeUndefined();
  });

  it("evicts the least recently used entry beyond maxEntries", () => {
    const store = createMemoryStore({ maxEntries: 2, now: () => 0 });
    void store.set("a", token("a"), 1000);
    void store.set("b", token("b"), 1000);
    expect(store.get("a")).toBeDefined(); // a is now the most recently used
    void store.set("c", token("c"), 1000);
    expect(store.get("b")).toBeUndefined();
    expect(store.get("a")).toBeDefined();
    expect(store.get("c")).toBeDefined();
  });

  it("re-setting a key counts as use", () => {
    const store = createMemoryStore({ maxEntries: 2, now: () => 0 });
    void store.set("a", token("a"), 1000);
    void store.set("b", token("b"), 1000);
    void store.set("a", token("a2"), 1000);
    void store.set("c", token("c"), 1000);
    expect(store.get("b")).toBeUndefined();
    expect(store.get("a")).toMatchObject({ accessToken: "a2" });
  });

  it("keeps 1000 entries by default", () => {
    const store = createMemoryStore({ now: () => 0 });
    for (let i = 0; i <= 1000; i += 1) void store.set(`k${i}`, token(`t${i}`), 1000);
    expect(store.get("k0")).toBeUndefined();
    expect(store.get("k1")).toBeDefined();
    expect(store.get("k1000")).toBeDefined();
  });

  it("has no lock (single process)", () => {
    expect(createMemoryStore().lock).toBeUndefined();
  });
});
