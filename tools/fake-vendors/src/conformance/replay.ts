/**
 * The token on the app's own calls: `getAuthorizationHeader()`, `provider.fetch`, and what 50
 * concurrent 401s from an API do (one new token, each request replayed once, bodies intact).
 * The `middleware()` of each vendor's typed client needs that vendor's paths, so it is tested in
 * the vendor packages.
 */
import { describe, expect, it } from "vitest";
import { expectNoSecrets } from "../secret-scan.js";
import type { SomeVendor } from "./adapter.js";
import { useVendorHarness } from "./harness.js";

export function describeAuthorizedCalls(vendor: SomeVendor): void {
  describe(`${vendor.name} authorized calls and 401 replay (shared conformance)`, () => {
    const { start, authFor, setup, secretsOf, startApi } = useVendorHarness(vendor);

    it("getAuthorizationHeader() is `Bearer <token>`", async () => {
      const server = await start();
      const header = await authFor(server).getAuthorizationHeader();
      expect(server.issuedTokens).toHaveLength(1);
      expect(header).toBe(`Bearer ${server.issuedTokens[0]}`);
    });

    it("provider.fetch sends the header", async () => {
      const server = await start();
      // Any path of the fake records the request, whether or not the vendor has it.
      await authFor(server).fetch(`${server.origin}/conformance/orders`);
      const call = server.requests.find((request) => request.path === "/conformance/orders");
      expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
    });

    it("auth.fetch: 50 concurrent 401s make one new login, each request replayed once with its body intact", async () => {
      const server = await start();
      const { auth, events } = setup(server);
      const first = await auth.getToken();
      const api = await startApi((token) => token !== first.accessToken);
      const bodies = Array.from({ length: 50 }, (_, i) =>
        JSON.stringify({ order: i, note: `${"x".repeat(2_000)}-${i}` }),
      );
      const responses = await Promise.all(
        bodies.map((body, i) =>
          auth.fetch(`${api.url}/orders/${i}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
      expect(await Promise.all(responses.map((response) => response.json()))).toEqual(
        bodies.map((body) => ({ echo: body })),
      );
      // The refused token must not be presented as bearer for a refresh: one login.
      expect(server.tokenRequests()).toBe(2);
      expect(server.refreshRequests()).toBe(0);
      expect(api.calls).toHaveLength(100);
      bodies.forEach((body, i) => {
        const calls = api.calls.filter((call) => call.path === `/orders/${i}`);
        expect(calls.map((call) => [call.status, call.authorization, call.body])).toEqual([
          [401, `Bearer ${first.accessToken}`, body],
          [200, `Bearer ${server.issuedTokens[1]}`, body],
        ]);
      });
      expect(auth.stats().replays).toBe(50);
      expect(events.filter((event) => event.type === "replay")).toHaveLength(50);
      expectNoSecrets(events, secretsOf(server), "events");
    });

    it("auth.fetch: a persistent 401 makes exactly two attempts per request and returns the 401", async () => {
      const server = await start();
      const { auth, events } = setup(server);
      const api = await startApi(() => false);
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          auth.fetch(`${api.url}/orders/${i}`, { method: "POST", body: `payload-${i}` }),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(50).fill(401));
      expect(await responses[0]?.json()).toEqual({ error: "invalid_token" });
      expect(server.tokenRequests()).toBe(2);
      expect(server.refreshRequests()).toBe(0);
      for (let i = 0; i < 50; i++) {
        const calls = api.calls.filter((call) => call.path === `/orders/${i}`);
        expect(calls.map((call) => [call.authorization, call.body])).toEqual([
          [`Bearer ${server.issuedTokens[0]}`, `payload-${i}`],
          [`Bearer ${server.issuedTokens[1]}`, `payload-${i}`],
        ]);
      }
      expectNoSecrets(events, secretsOf(server), "events");
    });
  });
}
