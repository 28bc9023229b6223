// The token's life through the generated package against the fake KlearStack on 127.0.0.1. The
// shared suite covers outages (a renewal here is a refresh, then a login), Retry-After, what is
// never retried and 401 replays; here are the refresh token's own rules.
import {
  describeAuthorizedCalls,
  describeTokenLifecycle,
  BACKOFF,
  RETRIES,
  useVendorHarness,
} from "@tokenyard/fake-vendors/conformance";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { TokenRequestError } from "@tokenyard/auth-core";
import { describe, expect, it, vi } from "vitest";
import { createKlearStackClient } from "../src/index.js";
import { klearStack, REFRESH_PATH } from "./klearstack-vendor.js";

describeTokenLifecycle(klearStack);
describeAuthorizedCalls(klearStack);

const { clock, start, setup, secretsOf, startApi } = useVendorHarness(klearStack);
type FakeKlearStack = Awaited<ReturnType<typeof start>>;

const unavailable = { status: 503, body: klearStack.unavailable.body };
const outage = (attempts: number) => Array.from({ length: attempts }, () => unavailable);
const refreshCalls = (server: FakeKlearStack) =>
  server.requests.filter((request) => request.path === REFRESH_PATH);

describe("refresh token", () => {
  it("inside the window, refreshes in the background with the current access token as bearer", async () => {
    const server = await start();
    const { auth, ofType, events } = setup(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 120_000);
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    expect(ofType("refresh").map((event) => event.operation)).toEqual([
      "getAccessToken",
      "refreshAccessToken",
    ]);
    const refreshed = await auth.getToken();
    expect(refreshed.accessToken).toBe(server.issuedTokens[1]);
    expect(refreshed.obtainedAt).toBe(clock.now());
    expect(refreshed.refreshToken).toBe(first.refreshToken);
    expect(server.tokenRequests()).toBe(1);
    expect(server.refreshRequests()).toBe(1);
    const [call] = refreshCalls(server);
    expect(call?.headers["authorization"]).toBe(`Bearer ${first.accessToken}`);
    expect(call?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(call?.body).toEqual({
      refresh_token: first.refreshToken,
      company_name: server.credentials.companyName,
    });
    expect(call?.status).toBe(200);
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("within the skew but before expiry, refreshes in the foreground", async () => {
    const server = await start();
    const { auth } = setup(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    const refreshed = await auth.getToken();
    expect(refreshed.accessToken).toBe(server.issuedTokens[1]);
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(refreshCalls(server)[0]?.headers["authorization"]).toBe(`Bearer ${first.accessToken}`);
  });

  it.each([0, 1, 3_600_000])(
    "logs in again once the access token has expired (%i ms after)",
    async (after) => {
      const server = await start();
      const { auth, ofType } = setup(server);
      const first = await auth.getToken();
      clock.set(first.expiresAt + after);
      expect(clock.now()).toBeLessThan(first.refreshTokenExpiresAt ?? 0); // the refresh token is still good
      const next = await auth.getToken();
      expect(server.refreshRequests()).toBe(0);
      expect(server.tokenRequests()).toBe(2);
      expect(next.accessToken).toBe(server.issuedTokens[1]);
      expect(next.refreshToken).toBe(server.issuedRefreshTokens[1]);
      expect(ofType("refresh").map((event) => event.operation)).toEqual([
        "getAccessToken",
        "getAccessToken",
      ]);
    },
  );

  it("logs in when the refresh token has expired", async () => {
    const server = await start({ refreshLifetimeSeconds: 60 });
    const { auth, ofType } = setup(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 120_000);
    expect(clock.now()).toBeGreaterThan(first.refreshTokenExpiresAt ?? Infinity);
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    expect(server.refreshRequests()).toBe(0);
    expect(server.tokenRequests()).toBe(2);
    const next = await auth.getToken();
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(next.refreshToken).toBe(server.issuedRefreshTokens[1]);
  });

  it("logs in when the refresh is refused, without retrying the refresh", async () => {
    const server = await start();
    const { auth, ofType, sleeper, events } = setup(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 120_000);
    server.failNext({ status: 401, body: { error: "refresh token has been revoked" } });
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    expect(ofType("refresh-error")).toEqual([
      expect.objectContaining({ operation: "refreshAccessToken", attempts: 1, status: 401 }),
    ]);
    expect(ofType("refresh")[1]).toMatchObject({ operation: "getAccessToken", attempts: 1 });
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(2);
    expect(sleeper.calls).toEqual([]);
    const next = await auth.getToken();
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(next.refreshToken).toBe(server.issuedRefreshTokens[1]);
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("logs in when the refresh keeps failing after its retries", async () => {
    const server = await start();
    const { auth, ofType, sleeper } = setup(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    server.failNext(...outage(RETRIES + 1));
    const next = await auth.getToken();
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(next.refreshToken).toBe(server.issuedRefreshTokens[1]);
    expect(server.refreshRequests()).toBe(RETRIES + 1);
    expect(server.tokenRequests()).toBe(2);
    expect(sleeper.calls).toEqual(BACKOFF);
    expect(ofType("refresh-error")).toEqual([
      expect.objectContaining({
        operation: "refreshAccessToken",
        attempts: RETRIES + 1,
        status: 503,
      }),
    ]);
  });
});

describe("refresh failures", () => {
  it("sleeps exactly the vendor's Retry-After on refresh, then refreshes", async () => {
    const server = await start();
    const { auth, sleeper, ofType } = setup(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    server.failNext({ status: 429, headers: { "retry-after": "3" } });
    const next = await auth.getToken();
    expect(sleeper.calls).toEqual([3_000]);
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(server.refreshRequests()).toBe(2);
    expect(server.tokenRequests()).toBe(1);
    expect(ofType("retry")).toEqual([
      expect.objectContaining({ operation: "refreshAccessToken", delayMs: 3_000, status: 429 }),
    ]);
  });

  it("makes one refresh attempt on a 403, then one login attempt on a 403", async () => {
    const server = await start();
    const { auth, sleeper, events } = setup(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    server.failNext({ status: 403, body: { error: "forbidden" } }, { status: 403 });
    const error = await rejectionOf(auth.getToken());
    expect((error as TokenRequestError).status).toBe(403);
    expect((error as TokenRequestError).operation).toBe("getAccessToken");
    expect((error as TokenRequestError).attempts).toBe(1);
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(2);
    expect(sleeper.calls).toEqual([]);
    expectNoSecrets(error, secretsOf(server), "error");
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("createKlearStackClient + middleware(): multipart bodies are replayed intact", async () => {
    const server = await start();
    const { auth } = setup(server);
    const first = await auth.getToken();
    const api = await startApi((token) => token !== first.accessToken);
    const client = createKlearStackClient({ baseUrl: api.url });
    client.use(auth.middleware());
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.POST(REFRESH_PATH, {
          body: { refresh_token: `upload-${i}`, company_name: `company-${i}` },
          bodySerializer: (body) => {
            const form = new FormData();
            for (const [name, value] of Object.entries(body)) form.append(name, value);
            return form;
          },
        }),
      ),
    );
    expect(results.map(({ response }) => response.status)).toEqual(Array(50).fill(200));
    expect(server.tokenRequests()).toBe(2);
    expect(server.refreshRequests()).toBe(0);
    expect(api.calls).toHaveLength(100);
    for (let i = 0; i < 50; i++) {
      const calls = api.calls.filter((call) => call.body.includes(`upload-${i}\r\n`));
      expect(calls.map((call) => [call.status, call.authorization])).toEqual([
        [401, `Bearer ${first.accessToken}`],
        [200, `Bearer ${server.issuedTokens[1]}`],
      ]);
      expect(calls[1]?.body).toBe(calls[0]?.body);
      expect(calls[1]?.contentType).toBe(calls[0]?.contentType);
      expect(calls[0]?.contentType).toMatch(/^multipart\/form-data; boundary=/);
      expect(calls[0]?.body).toContain(`company-${i}\r\n`);
    }
  });
});
