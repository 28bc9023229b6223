// The token's life through the generated package against the fake Wilson on 127.0.0.1. The shared
// suite covers outages, Retry-After, what is never retried and 401 replays through auth.fetch; here
// are the replays through Wilson's typed client, whose /auth/company checks the token for real.
import { expectNoSecrets } from "@tokenyard/fake-vendors/secret-scan";
import {
  describeAuthorizedCalls,
  describeTokenLifecycle,
  T0,
  useVendorHarness,
} from "@tokenyard/fake-vendors/conformance";
import { describe, expect, it } from "vitest";
import { createWilsonClient } from "../src/index.js";
import { wilson } from "./wilson-vendor.js";

describeTokenLifecycle(wilson);
describeAuthorizedCalls(wilson);

describe("50 concurrent 401s through createWilsonClient + middleware()", () => {
  const { start, setup, secretsOf } = useVendorHarness(wilson);

  it("one new token, each call replayed once", async () => {
    // The vendor's clock runs an hour ahead: it considers our cached token expired.
    let serverTime = T0;
    const server = await start({ now: () => serverTime });
    const { auth, events } = setup(server);
    const client = createWilsonClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    const first = await auth.getToken();
    serverTime = T0 + 3_600_000;
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.GET("/auth/company")),
    );
    for (const { response, data } of results) {
      expect(response.status).toBe(200);
      expect(data).toEqual(server.company);
    }
    expect(server.tokenRequests()).toBe(2);
    const calls = server.requests.filter((request) => request.path === "/apif/v2/auth/company");
    expect(calls).toHaveLength(100);
    const byToken = (token: string | undefined) =>
      calls.filter((call) => call.headers["authorization"] === `Bearer ${token}`);
    expect(byToken(first.accessToken).map((call) => call.status)).toEqual(Array(50).fill(401));
    expect(byToken(server.issuedTokens[1]).map((call) => call.status)).toEqual(Array(50).fill(200));
    expect(auth.stats().replays).toBe(50);
    expect(events.filter((event) => event.type === "replay")).toHaveLength(50);
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("a persistent 401 makes exactly two attempts and returns the 401", async () => {
    const server = await start();
    const forged = { expires_in: 3599, token_type: "Bearer" };
    server.failNext(
      { status: 200, body: { ...forged, access_token: "forged-1" } },
      { status: 200, body: { ...forged, access_token: "forged-2" } },
    );
    const { auth, events } = setup(server);
    const client = createWilsonClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.GET("/auth/company")),
    );
    for (const { response, error } of results) {
      expect(response.status).toBe(401);
      expect(error).toMatchObject({ error: "invalid_token" });
    }
    expect(server.tokenRequests()).toBe(2);
    const calls = server.requests.filter((request) => request.path === "/apif/v2/auth/company");
    expect(calls).toHaveLength(100);
    const byToken = (token: string) =>
      calls.filter((call) => call.headers["authorization"] === `Bearer ${token}`);
    expect(byToken("forged-1")).toHaveLength(50);
    expect(byToken("forged-2")).toHaveLength(50);
    expectNoSecrets(events, secretsOf(server, "forged-1", "forged-2"), "events");
  });
});
