// The token's life through the generated package against the fake Asset on 127.0.0.1: outages
// inside the refresh window and after expiry, Retry-After and x-ratelimit-reset, what is never
// retried, and 401 replays.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TokenRequestError, type TokenEvent } from "@tokenyard/auth-core";
import { startAsset, type AssetOptions, type FakeVendor } from "@tokenyard/fake-vendors";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAssetAuth, type AssetAuthOptions } from "../src/index.js";

type FakeAsset = FakeVendor<{ clientId: string; clientSecret: string }>;

const T0 = 1_760_000_000_123;
let time = T0;
const now = (): number => time;

// Default lifetime ~3600 s: refresh window min(5 min, lifetime/3) = 5 min, skew min(30 s, lifetime/10) = 30 s.
const WINDOW_MS = 300_000;
const SKEW_MS = 30_000;
const RETRIES = 2;
// Failed requests in one background cycle, and refresh-error events it emits.
const PER_CYCLE = RETRIES + 1;
const ERRORS_PER_CYCLE = 1;
// random() = 0.5 makes full jitter deterministic: half of 250 ms · 2^(n-1).
const JITTER = 0.5;
const BACKOFF = [125, 250];

const unavailable = { status: 503, body: { error: "Service unavailable", data: null } };

/** When the fake's fixed one-minute rate-limit window that contains `at` ends, epoch ms. */
const rateLimitResetMs = (at: number): number =>
  (Math.floor(Math.floor(at / 1000) / 60) * 60 + 60) * 1000;

const running: Array<{ close(): Promise<void> }> = [];

async function start(options: AssetOptions = {}): Promise<FakeAsset> {
  const server = await startAsset({ now, ...options });
  running.push(server);
  return server;
}

/**
 * The injected `sleep`: records every wait. While held, waits stay pending until `release()`,
 * so a test can look at the world while a retry is waiting. `advanceClock` moves the injected
 * clock by the wait, as a real sleep would.
 */
function createSleeper(advanceClock = false) {
  const calls: number[] = [];
  const pending: Array<() => void> = [];
  let held = false;
  return {
    calls,
    sleep: (ms: number): Promise<void> => {
      calls.push(ms);
      if (advanceClock) time += ms;
      return held ? new Promise<void>((resolve) => pending.push(resolve)) : Promise.resolve();
    },
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const resolve of pending.splice(0)) resolve();
    },
    pending: () => pending.length,
  };
}

function setup(server: FakeAsset, options: Partial<AssetAuthOptions> = {}, advanceClock = false) {
  const events: TokenEvent[] = [];
  const sleeper = createSleeper(advanceClock);
  const auth = createAssetAuth({
    credentials: server.credentials,
    baseUrl: server.baseUrl,
    now,
    sleep: sleeper.sleep,
    random: () => JITTER,
    onEvent: (event) => events.push(event),
    ...options,
  });
  const ofType = <T extends TokenEvent["type"]>(type: T) =>
    events.filter((event): event is Extract<TokenEvent, { type: T }> => event.type === type);
  return { auth, events, sleeper, ofType };
}

function secretsOf(server: FakeAsset, ...more: string[]): string[] {
  const { clientId, clientSecret } = server.credentials;
  return [clientId, clientSecret, ...server.issuedTokens, ...more];
}

/** One call of the test API server, as it saw it. */
interface ApiCall {
  path: string;
  authorization: string | undefined;
  body: string;
  status: number;
}

/** A tiny API on 127.0.0.1 that answers 401 to tokens `accepts` refuses and echoes the body otherwise. */
async function startApi(accepts: (token: string) => boolean) {
  const calls: ApiCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const authorization = req.headers.authorization;
      const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
      const status = token !== undefined && accepts(token) ? 200 : 401;
      calls.push({ path: req.url ?? "", authorization, body, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(status === 200 ? { echo: body } : { error: "invalid_token" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const api = {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  running.push(api);
  return api;
}

beforeEach(() => {
  time = T0;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe("outage during the refresh window", () => {
  // Dropped connections carry no rate-limit header: see the BUG below for what a 503 does.
  it("keeps serving the valid token, backs off with jitter, and takes a new token once the vendor is back", async () => {
    const server = await start();
    const { auth, sleeper, ofType, events } = setup(server);
    const first = await auth.getToken();

    // Inside the 5 min window, far from the 30 s skew; the vendor is down for the whole cycle.
    const t1 = first.expiresAt - 120_000;
    time = t1;
    server.failNext("drop", "drop", "drop");
    sleeper.hold();
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    // The background refresh failed once and now waits to retry; callers do not wait with it.
    await vi.waitFor(() => expect(sleeper.pending()).toBe(1), { interval: 1 });
    expect(server.tokenRequests()).toBe(2);
    for (let i = 0; i < 20; i++) {
      expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    }
    expect(await auth.getAuthorizationHeader()).toBe(`Bearer ${first.accessToken}`);
    expect(auth.stats().requests).toBe(2); // one background refresh, not one per caller
    sleeper.release();
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(1), { interval: 1 });
    expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
    expect(sleeper.calls).toEqual(BACKOFF);
    expect(ofType("refresh-error")[0]).toMatchObject({
      vendor: "Asset",
      operation: "getAccessToken",
      attempts: RETRIES + 1,
    });
    expect(ofType("refresh-error")[0]).not.toHaveProperty("status");
    expect(ofType("retry").map((event) => [event.attempt, event.delayMs])).toEqual([
      [1, 125],
      [2, 250],
    ]);

    // Background failures back off on the injected clock: 125 ms (jittered) after the first.
    time = t1 + 124;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(auth.stats().requests).toBe(2);
    time = t1 + 125;
    server.failNext("drop", "drop", "drop");
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(auth.stats().requests).toBe(3);
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(2), { interval: 1 });
    expect(server.tokenRequests()).toBe(1 + 2 * (RETRIES + 1));
    // ...and 250 ms after the second failure in a row.
    time = t1 + 125 + 249;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(auth.stats().requests).toBe(3);

    // The vendor is back.
    time = t1 + 125 + 250;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    const renewed = await auth.getToken();
    expect(renewed.accessToken).toBe(server.issuedTokens[1]);
    expect(renewed.accessToken).not.toBe(first.accessToken);
    expect(renewed.obtainedAt).toBe(time);
    expect(server.issuedTokens).toHaveLength(2);
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("hands callers the error once the token is within the skew, after background failures", async () => {
    const server = await start();
    const { auth, ofType, events } = setup(server);
    const first = await auth.getToken();
    server.failNext(...Array.from({ length: 3 * PER_CYCLE }, () => unavailable));
    time = first.expiresAt - 120_000;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(ERRORS_PER_CYCLE), {
      interval: 1,
    });
    // The last moment the token is usable: still served, and another background attempt fails.
    time = first.expiresAt - SKEW_MS - 1;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(2 * ERRORS_PER_CYCLE), {
      interval: 1,
    });
    // Within the skew: the caller waits for its own attempts and gets the error.
    time = first.expiresAt - SKEW_MS;
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(503);
    expect((error as TokenRequestError).attempts).toBe(RETRIES + 1);
    expect(server.tokenRequests() + server.refreshRequests()).toBe(1 + 3 * PER_CYCLE);
    expectNoSecrets(error, secretsOf(server), "error");
    expectNoSecrets(events, secretsOf(server), "events");
  });
});

describe("outage after expiry", () => {
  it("rejects with a TokenRequestError carrying the 503 after the retries", async () => {
    const server = await start();
    const { auth, sleeper, ofType, events } = setup(server);
    const first = await auth.getToken();
    time = first.expiresAt - SKEW_MS; // no longer usable
    server.failNext(unavailable, unavailable, unavailable);
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(503);
    expect(failure.attempts).toBe(RETRIES + 1);
    expect(failure.vendor).toBe("Asset");
    expect(failure.operation).toBe("getAccessToken");
    expect(failure.body).toEqual(unavailable.body);
    expect(failure.message).toContain("Service unavailable");
    expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
    expect(sleeper.calls).toHaveLength(RETRIES);
    expect(ofType("refresh-error")).toHaveLength(1);
    expect(ofType("refresh-error")[0]).toMatchObject({ attempts: RETRIES + 1, status: 503 });
    expectNoSecrets(error, secretsOf(server), "error");
    expectNoSecrets(events, secretsOf(server), "events");
    // The failure is not cached: once the vendor is back, the next caller gets a new token.
    const next = await auth.getToken();
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(next.accessToken).not.toBe(first.accessToken);
  });

  // Asset sends x-ratelimit-reset (the end of the quota window) on every answer: only a 429
  // (or x-ratelimit-remaining: 0) makes it a wait; a 503 with quota left backs off normally.
  it("backs off a 503 with full jitter, not until the rate-limit window resets", async () => {
    const server = await start();
    const { auth, sleeper } = setup(server);
    server.failNext(unavailable, unavailable, unavailable);
    const error = await rejectionOf(auth.getToken());
    expect((error as TokenRequestError).status).toBe(503);
    expect((error as TokenRequestError).retryAfterMs).toBeUndefined();
    expect(sleeper.calls).toEqual(BACKOFF);
  });

  // Nor does it delay the next background refresh after a 503.
  it("retries a background refresh that met 503s after the jittered backoff", async () => {
    const server = await start();
    const { auth, ofType } = setup(server);
    const first = await auth.getToken();
    const t1 = first.expiresAt - 120_000;
    time = t1;
    server.failNext(unavailable, unavailable, unavailable);
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(1), { interval: 1 });
    time = t1 + 125;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(auth.stats().requests).toBe(3); // a second background refresh has started
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    expect((await auth.getToken()).accessToken).toBe(server.issuedTokens[1]);
  });

  it("rejects with a TokenRequestError without status, with a cause, when connections drop", async () => {
    const server = await start();
    const { auth, sleeper, ofType, events } = setup(server);
    const first = await auth.getToken();
    time = first.expiresAt + 1;
    server.failNext("drop", "drop", "drop");
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBeUndefined();
    expect(failure.cause).toBeDefined();
    expect(failure.attempts).toBe(RETRIES + 1);
    expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
    // No answer, so no rate-limit header: plain full-jitter backoff.
    expect(sleeper.calls).toEqual(BACKOFF);
    expect(ofType("retry").map((event) => event.status)).toEqual([undefined, undefined]);
    expect(ofType("refresh-error")[0]).toMatchObject({ attempts: RETRIES + 1 });
    expect(ofType("refresh-error")[0]).not.toHaveProperty("status");
    expectNoSecrets(error, secretsOf(server), "error");
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("makes exactly retries + 1 attempts for any retries option", async () => {
    const server = await start();
    const { auth, sleeper } = setup(server, { retries: 4 });
    server.failNext("drop", "drop", "drop", "drop", "drop");
    const error = await rejectionOf(auth.getToken());
    expect((error as TokenRequestError).attempts).toBe(5);
    expect(server.tokenRequests()).toBe(5);
    expect(sleeper.calls).toEqual([125, 250, 500, 1000]);
  });
});

describe("429 with Retry-After or x-ratelimit-reset", () => {
  it("sleeps exactly until the fake's x-ratelimit-reset, then gets the token", async () => {
    const server = await start({ rateLimitPerMinute: 1 });
    // Another process of the same tenant used up this minute's quota.
    await createAssetAuth({
      credentials: server.credentials,
      baseUrl: server.baseUrl,
      now,
    }).getToken();
    const { auth, sleeper, ofType, events } = setup(server, {}, true);
    const token = await auth.getToken();
    const waited = rateLimitResetMs(T0) - T0;
    expect(waited).toBe(39_877);
    expect(sleeper.calls).toEqual([waited]);
    expect(server.requests.map((request) => request.status)).toEqual([200, 429, 200]);
    expect(token.accessToken).toBe(server.issuedTokens[1]);
    expect(token.obtainedAt).toBe(rateLimitResetMs(T0));
    expect(ofType("retry")).toEqual([
      expect.objectContaining({ attempt: 1, delayMs: waited, status: 429 }),
    ]);
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("prefers Retry-After over x-ratelimit-reset", async () => {
    const server = await start();
    const { auth, sleeper, ofType } = setup(server);
    server.failNext({
      status: 429,
      headers: { "retry-after": "7" },
      body: { error: "rate_limit_exceeded", data: null },
    });
    const token = await auth.getToken();
    expect(sleeper.calls).toEqual([7_000]);
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(server.tokenRequests()).toBe(2);
    expect(ofType("refresh")[0]).toMatchObject({ attempts: 2 });
  });

  it("sleeps until a Retry-After HTTP date by the injected clock", async () => {
    const server = await start();
    const { auth, sleeper } = setup(server);
    const retryAt = new Date(time + 5_000).toUTCString();
    server.failNext({ status: 429, headers: { "retry-after": retryAt } });
    await auth.getToken();
    expect(sleeper.calls).toEqual([4_877]);
  });

  it("does not wait longer than 60 s: the error carries retryAfterMs", async () => {
    const server = await start();
    const { auth, sleeper } = setup(server);
    server.failNext({ status: 429, headers: { "retry-after": "120" } });
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(429);
    expect((error as TokenRequestError).retryAfterMs).toBe(120_000);
    expect((error as TokenRequestError).attempts).toBe(1);
    expect(sleeper.calls).toEqual([]);
    expect(server.tokenRequests()).toBe(1);
  });
});

describe("never retried", () => {
  it("makes one attempt when the vendor refuses the credentials (401)", async () => {
    const server = await start();
    const { auth, sleeper, events } = setup(server, {
      credentials: { ...server.credentials, clientSecret: "wrong-secret-value" },
    });
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(401);
    expect((error as TokenRequestError).body).toEqual({ error: "invalid_client", data: null });
    expect((error as TokenRequestError).attempts).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(sleeper.calls).toEqual([]);
    expect(events.filter((event) => event.type === "retry")).toEqual([]);
    expectNoSecrets(error, secretsOf(server, "wrong-secret-value"), "error");
    expectNoSecrets(events, secretsOf(server, "wrong-secret-value"), "events");
  });

  it.each([400, 401, 403, 404, 422])("makes one attempt on a %i", async (status) => {
    const server = await start();
    const { auth, sleeper } = setup(server);
    server.failNext({ status, body: { error: `refused with ${status}`, data: null } });
    const error = await rejectionOf(auth.getToken());
    expect((error as TokenRequestError).status).toBe(status);
    expect((error as TokenRequestError).attempts).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(sleeper.calls).toEqual([]);
    expectNoSecrets(error, secretsOf(server), "error");
  });

  it("makes one attempt on a 403 during a background refresh, and keeps serving the token", async () => {
    const server = await start();
    const { auth, sleeper, ofType } = setup(server);
    const first = await auth.getToken();
    time = first.expiresAt - WINDOW_MS + 1;
    server.failNext({ status: 403, body: { error: "forbidden", data: null } });
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(1), { interval: 1 });
    expect(ofType("refresh-error")[0]).toMatchObject({ attempts: 1, status: 403 });
    expect(server.tokenRequests()).toBe(2);
    expect(sleeper.calls).toEqual([]);
  });
});

describe("50 concurrent 401s", () => {
  it("auth.fetch: one new token, each request replayed once with its body intact", async () => {
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
    expect(server.tokenRequests()).toBe(2);
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
