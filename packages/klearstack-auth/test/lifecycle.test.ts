// The token's life through the generated package against the fake KlearStack on 127.0.0.1:
// refresh before expiry and login after, outages inside the refresh window and after expiry,
// Retry-After, what is never retried, and 401 replays.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TokenRequestError, type TokenEvent } from "@tokenyard/auth-core";
import {
  startKlearStack,
  type FakeKlearStack,
  type KlearStackOptions,
} from "@tokenyard/fake-vendors";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createKlearStackAuth,
  createKlearStackClient,
  type KlearStackAuthOptions,
} from "../src/index.js";

const T0 = 1_760_000_000_123;
let time = T0;
const now = (): number => time;

const LOGIN_PATH = "/access/klearstack/get_access_token";
const REFRESH_PATH = "/access/klearstack/getaccesstokenfromrefreshtoken";

// Default access-token lifetime 900 s (JWT exp in whole seconds, so 899.877 s from T0): refresh
// window min(5 min, lifetime/3) ≈ 299.96 s, skew min(30 s, lifetime/10) = 30 s.
const SKEW_MS = 30_000;
const RETRIES = 2;
// Failed requests in one background cycle, and refresh-error events it emits.
const PER_CYCLE = 2 * (RETRIES + 1);
const ERRORS_PER_CYCLE = 2;
// random() = 0.5 makes full jitter deterministic: half of 250 ms · 2^(n-1).
const JITTER = 0.5;
const BACKOFF = [125, 250];

// The vendor documents only a text/plain 500; a 503 from its load balancer is what an outage looks like.
const unavailable = { status: 503, body: "Service Unavailable" };
const outage = (attempts: number) => Array.from({ length: attempts }, () => unavailable);

const running: Array<{ close(): Promise<void> }> = [];

async function start(options: KlearStackOptions = {}): Promise<FakeKlearStack> {
  const server = await startKlearStack({ now, ...options });
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

function setup(
  server: FakeKlearStack,
  options: Partial<KlearStackAuthOptions> = {},
  advanceClock = false,
) {
  const events: TokenEvent[] = [];
  const sleeper = createSleeper(advanceClock);
  const auth = createKlearStackAuth({
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

function secretsOf(server: FakeKlearStack, ...more: string[]): string[] {
  const { username, password, companyName } = server.credentials;
  return [
    username,
    password,
    companyName,
    ...server.issuedTokens,
    ...server.issuedRefreshTokens,
    ...more,
  ];
}

const refreshCalls = (server: FakeKlearStack) =>
  server.requests.filter((request) => request.path === REFRESH_PATH);
const loginCalls = (server: FakeKlearStack) =>
  server.requests.filter((request) => request.path === LOGIN_PATH);

/** One call of the test API server, as it saw it. */
interface ApiCall {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
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
      const contentType = req.headers["content-type"];
      calls.push({ path: req.url ?? "", authorization, contentType, body, status });
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

describe("refresh token", () => {
  it("inside the window, refreshes in the background with the current access token as bearer", async () => {
    const server = await start();
    const { auth, ofType, events } = setup(server);
    const first = await auth.getToken();
    time = first.expiresAt - 120_000;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    expect(ofType("refresh").map((event) => event.operation)).toEqual([
      "getAccessToken",
      "refreshAccessToken",
    ]);
    const refreshed = await auth.getToken();
    expect(refreshed.accessToken).toBe(server.issuedTokens[1]);
    expect(refreshed.obtainedAt).toBe(time);
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
    time = first.expiresAt - 10_000;
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
      time = first.expiresAt + after;
      expect(time).toBeLessThan(first.refreshTokenExpiresAt ?? 0); // the refresh token is still good
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
    time = first.expiresAt - 120_000;
    expect(time).toBeGreaterThan(first.refreshTokenExpiresAt ?? Infinity);
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
    time = first.expiresAt - 120_000;
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
    time = first.expiresAt - 10_000;
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

describe("outage during the refresh window", () => {
  it("keeps serving the valid token, backs off with jitter, and refreshes once the vendor is back", async () => {
    const server = await start();
    const { auth, sleeper, ofType, events } = setup(server);
    const first = await auth.getToken();

    // Inside the window, far from the 30 s skew; refresh and login both fail for the whole cycle.
    const t1 = first.expiresAt - 120_000;
    time = t1;
    server.failNext(...outage(2 * (RETRIES + 1)));
    sleeper.hold();
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    // The background refresh failed once and now waits to retry; callers do not wait with it.
    await vi.waitFor(() => expect(sleeper.pending()).toBe(1), { interval: 1 });
    expect(server.refreshRequests()).toBe(1);
    for (let i = 0; i < 20; i++) {
      expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    }
    expect(await auth.getAuthorizationHeader()).toBe(`Bearer ${first.accessToken}`);
    expect(auth.stats().requests).toBe(2); // login + one background refresh, not one per caller
    sleeper.release();
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(2), { interval: 1 });
    // The refresh was tried with its retries, then a login with its retries.
    expect(server.refreshRequests()).toBe(RETRIES + 1);
    expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
    expect(sleeper.calls).toEqual([...BACKOFF, ...BACKOFF]);
    expect(ofType("refresh-error")).toEqual([
      expect.objectContaining({
        vendor: "KlearStack",
        operation: "refreshAccessToken",
        attempts: RETRIES + 1,
        status: 503,
      }),
      expect.objectContaining({ operation: "getAccessToken", attempts: RETRIES + 1, status: 503 }),
    ]);

    // Background failures back off on the injected clock: 125 ms (jittered) after the first.
    time = t1 + 124;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(auth.stats().requests).toBe(3);
    time = t1 + 125;
    server.failNext(...outage(2 * (RETRIES + 1)));
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(4), { interval: 1 });
    expect(server.refreshRequests()).toBe(2 * (RETRIES + 1));
    expect(server.tokenRequests()).toBe(1 + 2 * (RETRIES + 1));
    // ...and 250 ms after the second failure in a row.
    time = t1 + 125 + 249;
    const requestsSoFar = auth.stats().requests;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(auth.stats().requests).toBe(requestsSoFar);

    // The vendor is back: the access token is still valid, so the refresh operation is used.
    time = t1 + 125 + 250;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    expect(ofType("refresh")[1]).toMatchObject({ operation: "refreshAccessToken" });
    const renewed = await auth.getToken();
    expect(renewed.accessToken).toBe(server.issuedTokens[1]);
    expect(renewed.obtainedAt).toBe(time);
    expect(refreshCalls(server).at(-1)?.headers["authorization"]).toBe(
      `Bearer ${first.accessToken}`,
    );
    expect(server.tokenRequests()).toBe(1 + 2 * (RETRIES + 1));
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
  it("within the skew: tries refresh then login, and rejects with the login's 503", async () => {
    const server = await start();
    const { auth, sleeper, ofType, events } = setup(server);
    const first = await auth.getToken();
    time = first.expiresAt - SKEW_MS; // no longer usable, but refreshable
    server.failNext(...outage(2 * (RETRIES + 1)));
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(503);
    expect(failure.attempts).toBe(RETRIES + 1);
    expect(failure.vendor).toBe("KlearStack");
    expect(failure.operation).toBe("getAccessToken");
    expect(failure.body).toBe("Service Unavailable");
    expect(server.refreshRequests()).toBe(RETRIES + 1);
    expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
    expect(sleeper.calls).toEqual([...BACKOFF, ...BACKOFF]);
    expect(ofType("refresh-error").map((event) => [event.operation, event.attempts])).toEqual([
      ["refreshAccessToken", RETRIES + 1],
      ["getAccessToken", RETRIES + 1],
    ]);
    expectNoSecrets(error, secretsOf(server), "error");
    expectNoSecrets(events, secretsOf(server), "events");
    // The failure is not cached: once the vendor is back, the next caller gets a new token.
    const next = await auth.getToken();
    expect(next.accessToken).toBe(server.issuedTokens[1]);
  });

  it("after expiry: logs in only, and rejects without status, with a cause, when connections drop", async () => {
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
    expect(server.refreshRequests()).toBe(0);
    expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
    expect(sleeper.calls).toEqual(BACKOFF);
    expect(ofType("retry").map((event) => event.status)).toEqual([undefined, undefined]);
    expect(ofType("refresh-error")[0]).not.toHaveProperty("status");
    expectNoSecrets(error, secretsOf(server), "error");
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("makes exactly retries + 1 attempts for any retries option", async () => {
    const server = await start();
    const { auth, sleeper } = setup(server, { retries: 4 });
    server.failNext(...outage(5));
    const error = await rejectionOf(auth.getToken());
    expect((error as TokenRequestError).attempts).toBe(5);
    expect(server.tokenRequests()).toBe(5);
    expect(sleeper.calls).toEqual([125, 250, 500, 1000]);
  });
});

describe("429 with Retry-After", () => {
  it("sleeps exactly the vendor's Retry-After seconds on login, then gets the token", async () => {
    const server = await start();
    const { auth, sleeper, ofType, events } = setup(server);
    server.failNext({
      status: 429,
      headers: { "retry-after": "7" },
      body: { error: "Too many requests" },
    });
    const token = await auth.getToken();
    expect(sleeper.calls).toEqual([7_000]);
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(server.tokenRequests()).toBe(2);
    expect(ofType("retry")).toEqual([
      expect.objectContaining({ attempt: 1, delayMs: 7_000, status: 429 }),
    ]);
    expectNoSecrets(events, secretsOf(server), "events");
  });

  it("sleeps exactly the vendor's Retry-After on refresh, then refreshes", async () => {
    const server = await start();
    const { auth, sleeper, ofType } = setup(server);
    const first = await auth.getToken();
    time = first.expiresAt - 10_000;
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
      credentials: { ...server.credentials, password: "wrong-password-value" },
    });
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(401);
    expect((error as TokenRequestError).body).toEqual({ error: "Incorrect username or password." });
    expect((error as TokenRequestError).attempts).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(sleeper.calls).toEqual([]);
    expect(events.filter((event) => event.type === "retry")).toEqual([]);
    expectNoSecrets(error, secretsOf(server, "wrong-password-value"), "error");
    expectNoSecrets(events, secretsOf(server, "wrong-password-value"), "events");
  });

  it.each([400, 401, 403, 404, 422])("makes one login attempt on a %i", async (status) => {
    const server = await start();
    const { auth, sleeper } = setup(server);
    server.failNext({ status, body: { error: `refused with ${status}` } });
    const error = await rejectionOf(auth.getToken());
    expect((error as TokenRequestError).status).toBe(status);
    expect((error as TokenRequestError).attempts).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(sleeper.calls).toEqual([]);
    expectNoSecrets(error, secretsOf(server), "error");
  });

  it("makes one refresh attempt on a 403, then one login attempt on a 403", async () => {
    const server = await start();
    const { auth, sleeper, events } = setup(server);
    const first = await auth.getToken();
    time = first.expiresAt - 10_000;
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
});

describe("50 concurrent 401s", () => {
  it("auth.fetch: one new login (not a refresh with the refused token), each request replayed once with its body intact", async () => {
    const server = await start();
    const { auth, events } = setup(server);
    const first = await auth.getToken();
    const api = await startApi((token) => token !== first.accessToken);
    const bodies = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ document: i, note: `${"x".repeat(2_000)}-${i}` }),
    );
    const responses = await Promise.all(
      bodies.map((body, i) =>
        auth.fetch(`${api.url}/documents/${i}`, {
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
      const calls = api.calls.filter((call) => call.path === `/documents/${i}`);
      expect(calls.map((call) => [call.status, call.authorization, call.body])).toEqual([
        [401, `Bearer ${first.accessToken}`, body],
        [200, `Bearer ${server.issuedTokens[1]}`, body],
      ]);
    });
    expect(auth.stats().replays).toBe(50);
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

  it("auth.fetch: a persistent 401 makes exactly two attempts per request and returns the 401", async () => {
    const server = await start();
    const { auth, events } = setup(server);
    const api = await startApi(() => false);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        auth.fetch(`${api.url}/documents/${i}`, { method: "POST", body: `payload-${i}` }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(401));
    expect(await responses[0]?.json()).toEqual({ error: "invalid_token" });
    expect(server.tokenRequests()).toBe(2);
    expect(server.refreshRequests()).toBe(0);
    for (let i = 0; i < 50; i++) {
      const calls = api.calls.filter((call) => call.path === `/documents/${i}`);
      expect(calls.map((call) => [call.authorization, call.body])).toEqual([
        [`Bearer ${server.issuedTokens[0]}`, `payload-${i}`],
        [`Bearer ${server.issuedTokens[1]}`, `payload-${i}`],
      ]);
    }
    expectNoSecrets(events, secretsOf(server), "events");
  });
});
