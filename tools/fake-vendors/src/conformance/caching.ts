/**
 * The cache and single flight: a token is fetched once, shared by concurrent callers and by
 * providers with the same credentials and store, never by other credentials, and never handed out
 * within the expiry skew.
 */
import { describe, expect, it } from "vitest";
import { rejectionOf } from "../secret-scan.js";
import type { SomeVendor } from "./adapter.js";
import { requestsMade, SKEW_MS, useVendorHarness } from "./harness.js";

export function describeCaching(vendor: SomeVendor): void {
  describe(`${vendor.name} cache and single flight (shared conformance)`, () => {
    const { clock, start, authFor, requestFailure } = useVendorHarness(vendor);

    it("serves a second call from the cache", async () => {
      const server = await start();
      const auth = authFor(server);
      const first = await auth.getToken();
      expect((await auth.getToken()).accessToken).toBe(first.accessToken);
      expect(server.tokenRequests()).toBe(1);
      expect(server.refreshRequests()).toBe(0);
      expect(auth.stats()).toMatchObject({ hits: 1, misses: 1, requests: 1, failures: 0 });
    });

    it("never hands out a token within the default 30 s skew of its expiry", async () => {
      const server = await start();
      const auth = authFor(server);
      const first = await auth.getToken();
      clock.set(first.expiresAt - SKEW_MS - 1);
      expect((await auth.getToken()).accessToken).toBe(first.accessToken);
      expect(requestsMade(server)).toBe(1);
      clock.set(first.expiresAt - SKEW_MS);
      const second = await auth.getToken();
      expect(requestsMade(server)).toBe(2);
      expect(second.accessToken).toBe(server.issuedTokens[1]);
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(second.obtainedAt).toBe(clock.now());
      expect(second.expiresAt).toBe(vendor.expiresAt(clock.now()));
    });

    // 0 must mean zero, not "use the default". No refresh window, so that only the skew decides.
    it.each([0, 120_000])("honours expirySkewMs: %i", async (skew) => {
      const server = await start();
      const auth = authFor(server, { expirySkewMs: skew, refreshWindowMs: 0 });
      const first = await auth.getToken();
      clock.set(first.expiresAt - skew - 1);
      await auth.getToken();
      expect(requestsMade(server)).toBe(1);
      clock.set(first.expiresAt - skew);
      await auth.getToken();
      expect(requestsMade(server)).toBe(2);
    });

    it("makes one request for 1,000 concurrent callers", async () => {
      const server = await start();
      server.setDelay(20);
      const auth = authFor(server);
      const tokens = await Promise.all(Array.from({ length: 1000 }, () => auth.getToken()));
      expect(server.tokenRequests()).toBe(1);
      expect(new Set(tokens.map((token) => token.accessToken))).toEqual(
        new Set([server.issuedTokens[0]]),
      );
      expect(auth.stats().requests).toBe(1);
    });

    it("never shares a token between different credentials, even in one store", async () => {
      const server = await start();
      const store = vendor.library.createMemoryStore({ now: clock.now });
      const alice = authFor(server, { store });
      const aliceAgain = authFor(server, { store });
      const mallory = authFor(server, {
        store,
        retries: 0,
        credentials: vendor.withWrongSecret(server.credentials, "not-the-secret"),
      });
      const token = await alice.getToken();
      // Same credentials, same store: shared (proves the store really is shared).
      expect((await aliceAgain.getToken()).accessToken).toBe(token.accessToken);
      expect(server.tokenRequests()).toBe(1);
      // Other credentials: their own request, which the vendor refuses.
      requestFailure(await rejectionOf(mallory.getToken()));
      expect(server.tokenRequests()).toBe(2);
    });

    it("fetches a new token after invalidate() and on forceRefresh, and caches it", async () => {
      const server = await start();
      const auth = authFor(server);
      const first = await auth.getToken();
      await auth.invalidate();
      const second = await auth.getToken();
      expect(server.tokenRequests()).toBe(2);
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(second.accessToken).toBe(server.issuedTokens[1]);
      const third = await auth.getToken({ forceRefresh: true });
      expect(requestsMade(server)).toBe(3);
      expect(third.accessToken).toBe(server.issuedTokens[2]);
      expect(new Set(server.issuedTokens).size).toBe(3);
      expect((await auth.getToken()).accessToken).toBe(third.accessToken);
      expect(requestsMade(server)).toBe(3);
    });
  });
}
