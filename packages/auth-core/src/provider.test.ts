import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { AccessToken } from "./access-token.js";
import { TokenRequestError, TokenResponseError } from "./errors.js";
import type { TokenEvent } from "./events.js";
import { createTokenProvider, type TokenProvider } from "./provider.js";
import { createMemoryStore, type TokenStore } from "./token-store.js";
import {
  ACME_CLIENT_ID,
  ACME_SECRET,
  HOUR,
  MINUTE,
  SECOND,
  T0,
  acmeJson,
  acmeMultipart,
  closeAllServers,
  createClock,
  deferred,
  jwt,
  nextTurn,
  sendJson,
  startServer,
  unusedUrl,
  type RecordedRequest,
  type TestServer,
  rejection,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

type Clock = ReturnType<typeof createClock>;

/**
 * Acme's JSON token endpoint: issues `tok-<client_id>-<n>` (type "bearer"), `lifetimeSeconds`
 * long. `gate`, when set, holds every answer until it resolves; `advanceBy` moves the test clock
 * while the request is "on the wire".
 */
async function startAcme(clock: Clock, settings: { lifetimeSeconds?: number } = {}) {
  const state = {
    issued: 0,
    lifetimeSeconds: settings.lifetimeSeconds ?? 3600,
    gate: undefined as Promise<void> | undefined,
    advanceBy: 0,
    fail: undefined as ((request: RecordedRequest) => [number, unknown] | undefined) | undefined,
  };
  const server = await startServer(async (request, response) => {
    if (request.path !== "/oauth/token") return sendJson(response, 404, {});
    if (state.gate) await state.gate;
    clock.advance(state.advanceBy);
    const failure = state.fail?.(request);
    if (failure) return sendJson(response, failure[0], failure[1]);
    const { client_id } = request.json() as { client_id: string };
    state.issued += 1;
    sendJson(response, 200, {
      access_token: `tok-${client_id}-${state.issued}`,
      token_type: "bearer",
      expires_in: state.lifetimeSeconds,
    });
  });
  return { server, state, tokenRequests: () => server.requestsTo("/oauth/token").length };
}

function acmeProvider(
  server: TestServer,
  clock: Clock,
  extra: Record<string, unknown> = {},
): { provider: TokenProvider; events: TokenEvent[] } {
  const events: TokenEvent[] = [];
  const provider = createTokenProvider(acmeJson, {
    credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET },
    baseUrl: server.url,
    now: clock.now,
    onEvent: (event: TokenEvent) => events.push(event),
    ...extra,
  });
  return { provider, events };
}

const KEY = /^tokenyard:v1:acme:[0-9a-f]{64}$/;

describe("provider: cache, stats and events", () => {
  it("misses once, then serves the cached token", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock);
    const first = await provider.getToken();
    expect(first.accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(first.tokenType).toBe("bearer");
    expect(first.obtainedAt).toBe(T0);
    expect(first.expiresAt).toBe(T0 + HOUR);
    clock.advance(10 * MINUTE);
    const second = await provider.getToken();
    expect(second).toBe(first);
    expect(tokenRequests()).toBe(1);
    expect(provider.stats()).toEqual({
      hits: 1,
      misses: 1,
      requests: 1,
      failures: 0,
      replays: 0,
      storeErrors: 0,
    });
  });

  it("getAuthorizationHeader spells the scheme Bearer", async () => {
    const clock = createClock();
    const { server } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock);
    expect(await provider.getAuthorizationHeader()).toBe(`Bearer tok-${ACME_CLIENT_ID}-1`);
  });

  it("reports miss, refresh and hit with their payloads", async () => {
    const clock = createClock();
    const { server, state } = await startAcme(clock);
    state.advanceBy = 250;
    const { provider, events } = acmeProvider(server, clock);
    await provider.getToken();
    state.advanceBy = 0;
    clock.advance(SECOND);
    await provider.getToken();
    expect(events).toEqual([
      { type: "miss", reason: "empty", vendor: "Acme", key: expect.stringMatching(KEY), at: T0 },
      {
        type: "refresh",
        operation: "createToken",
        durationMs: 250,
        attempts: 1,
        expiresAt: T0 + 250 + HOUR,
        vendor: "Acme",
        key: expect.stringMatching(KEY),
        at: T0 + 250,
      },
      {
        type: "hit",
        expiresAt: T0 + 250 + HOUR,
        vendor: "Acme",
        key: expect.stringMatching(KEY),
        at: T0 + 1250,
      },
    ]);
    expect(new Set(events.map((event) => event.key)).size).toBe(1);
  });

  it("reports refresh-error with status and message, rejects, and does not cache the failure", async () => {
    const clock = createClock();
    const { server, state, tokenRequests } = await startAcme(clock);
    state.fail = () => [401, { error: "invalid_client", error_description: "Unknown client" }];
    const { provider, events } = acmeProvider(server, clock);
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBe(401);
    expect(events[1]).toEqual({
      type: "refresh-error",
      operation: "createToken",
      durationMs: 0,
      attempts: 1,
      status: 401,
      error: "Acme createToken failed: HTTP 401: invalid_client Unknown client",
      vendor: "Acme",
      key: expect.stringMatching(KEY),
      at: T0,
    });
    expect(provider.stats()).toEqual({
      hits: 0,
      misses: 1,
      requests: 1,
      failures: 1,
      replays: 0,
      storeErrors: 0,
    });

    state.fail = undefined;
    expect((await provider.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(tokenRequests()).toBe(2);
  });

  it("refresh-error for a network failure has no status", async () => {
    const clock = createClock();
    const { provider, events } = acmeProvider({ url: await unusedUrl() } as TestServer, clock);
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBeUndefined();
    const failure = events.find((event) => event.type === "refresh-error");
    expect(failure).toBeDefined();
    expect(failure && "status" in failure).toBe(false);
    expect(failure && "error" in failure && failure.error).toContain("could not reach the vendor");
  });

  it("a token expired on arrival rejects with TokenResponseError and is not cached", async () => {
    const clock = createClock();
    const { server, state, tokenRequests } = await startAcme(clock);
    state.fail = () => [200, { access_token: "tok-dead", expires_in: 0 }];
    const { provider } = acmeProvider(server, clock);
    expect(await rejection(provider.getToken())).toBeInstanceOf(TokenResponseError);
    expect(await rejection(provider.getToken())).toBeInstanceOf(TokenResponseError);
    expect(tokenRequests()).toBe(2);
    expect(provider.stats().failures).toBe(2);
  });

  it("an observer that throws does not break token delivery", async () => {
    const clock = createClock();
    const { server } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock, {
      onEvent: () => {
        throw new Error("observer bug");
      },
    });
    expect((await provider.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect((await provider.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
  });

  it("uses the fetch option for token requests", async () => {
    const clock = createClock();
    const { server } = await startAcme(clock);
    const urls: string[] = [];
    const { provider } = acmeProvider(server, clock, {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return globalThis.fetch(input, init);
      },
    });
    await provider.getToken();
    expect(urls).toEqual([`${server.url}/oauth/token`]);
  });

  it("stores the token until its expiry", async () => {
    const clock = createClock();
    const { server } = await startAcme(clock);
    const sets: { key: string; ttlMs: number }[] = [];
    const memory = createMemoryStore({ now: clock.now });
    const store: TokenStore = {
      get: (key) => memory.get(key),
      set: (key, token, ttlMs) => {
        sets.push({ key, ttlMs });
        return memory.set(key, token, ttlMs);
      },
      delete: (key) => memory.delete(key),
    };
    const { provider } = acmeProvider(server, clock, { store });
    await provider.getToken();
    expect(sets).toEqual([{ key: expect.stringMatching(KEY), ttlMs: HOUR }]);
  });
});

describe("provider: single flight", () => {
  it("1,000 concurrent callers share one request", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock);
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => provider.getToken()));
    expect(tokenRequests()).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(provider.stats().requests).toBe(1);
    expect(provider.stats().misses).toBe(1000);
  });

  it("concurrent forceRefresh callers share one request and get a new token", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider, events } = acmeProvider(server, clock);
    const old = await provider.getToken();
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => provider.getToken({ forceRefresh: true })),
    );
    expect(tokenRequests()).toBe(2);
    expect(new Set(tokens.map((token) => token.accessToken))).toEqual(
      new Set([`tok-${ACME_CLIENT_ID}-2`]),
    );
    expect(tokens[0]).not.toBe(old);
    expect(events.filter((e) => e.type === "miss" && e.reason === "forced")).toHaveLength(20);
    expect(await provider.getToken()).toBe(tokens[0]);
  });

  it("two providers sharing a store share one request per key", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const store = createMemoryStore({ now: clock.now });
    const a = acmeProvider(server, clock, { store }).provider;
    const b = acmeProvider(server, clock, { store }).provider;
    const tokens = await Promise.all([
      ...Array.from({ length: 50 }, () => a.getToken()),
      ...Array.from({ length: 50 }, () => b.getToken()),
    ]);
    expect(tokenRequests()).toBe(1);
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    // invalidate() forgets the token in this provider and in the store; a keeps the copy it
    // holds in memory until it next consults the store (its refresh window, or a 401).
    await b.invalidate();
    await b.getToken();
    expect(tokenRequests()).toBe(2);
    expect((await a.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    clock.set(T0 + HOUR - 5 * MINUTE);
    // In its refresh window a serves its still-valid copy at once; its background refresh finds
    // b's newer token in the store instead of fetching its own.
    expect((await a.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    await nextTurn();
    expect((await a.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-2`);
    expect(tokenRequests()).toBe(2);
  });

  it("different credentials get different keys and tokens, even on one store", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const store = createMemoryStore({ now: clock.now });
    const a = acmeProvider(server, clock, { store });
    const b = acmeProvider(server, clock, {
      store,
      credentials: { clientId: "other-client", clientSecret: ACME_SECRET },
    });
    const [ta, tb] = await Promise.all([a.provider.getToken(), b.provider.getToken()]);
    expect(tokenRequests()).toBe(2);
    expect(ta.accessToken).toMatch(/^tok-acme-client-4411-\d$/);
    expect(tb.accessToken).toMatch(/^tok-other-client-\d$/);
    expect(a.events[0]?.key).toMatch(KEY);
    expect(a.events[0]?.key).not.toBe(b.events[0]?.key);
  });

  it("a caller's aborted signal rejects that caller only", async () => {
    const clock = createClock();
    const { server, state, tokenRequests } = await startAcme(clock);
    const gate = deferred();
    state.gate = gate.promise;
    const { provider } = acmeProvider(server, clock);
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    const aborted = rejection(provider.getToken({ signal: controller.signal }));
    const others = Promise.all([provider.getToken(), provider.getToken()]);
    await server.received(1);
    controller.abort(reason);
    expect(await aborted).toBe(reason);
    gate.resolve();
    const [t1, t2] = await others;
    expect(t1.accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(t2).toBe(t1);
    expect(tokenRequests()).toBe(1);
  });

  it("a signal aborted while getToken awaits the key or store rejects, without a request", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock);
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const pending = rejection(provider.getToken({ signal: controller.signal }));
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(tokenRequests()).toBe(0);
    // The same, once the key is known (the store is still awaited).
    await provider.getToken();
    const second = new AbortController();
    const again = rejection(provider.getToken({ signal: second.signal, forceRefresh: true }));
    second.abort(reason);
    expect(await again).toBe(reason);
    expect(tokenRequests()).toBe(1);
  });

  it("an already-aborted signal rejects at once without a request", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock);
    const reason = new Error("too late");
    expect(await rejection(provider.getToken({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(tokenRequests()).toBe(0);
  });
});

describe("provider: expiry", () => {
  it("default skew is min(30 s, lifetime/10): 30 s for an hour-long token", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider, events } = acmeProvider(server, clock);
    await provider.getToken();
    clock.set(T0 + HOUR - 30 * SECOND - 1);
    await provider.getToken();
    expect(tokenRequests()).toBe(1);
    clock.set(T0 + HOUR - 30 * SECOND);
    expect((await provider.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-2`);
    expect(tokenRequests()).toBe(2);
    expect(
      events.filter((e) => e.type === "miss").map((e) => e.type === "miss" && e.reason),
    ).toEqual(["empty", "expired"]);
  });

  it("default skew is lifetime/10 for a short-lived token", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock, { lifetimeSeconds: 100 });
    const { provider } = acmeProvider(server, clock);
    await provider.getToken();
    clock.set(T0 + 90 * SECOND - 1);
    await provider.getToken();
    expect(tokenRequests()).toBe(1);
    clock.set(T0 + 90 * SECOND);
    await provider.getToken();
    expect(tokenRequests()).toBe(2);
  });

  it("expirySkewMs: 0 means zero", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider, events } = acmeProvider(server, clock, {
      expirySkewMs: 0,
      refreshWindowMs: 0,
    });
    await provider.getToken();
    clock.set(T0 + HOUR - 1);
    await provider.getToken();
    expect(tokenRequests()).toBe(1);
    clock.set(T0 + HOUR);
    await provider.getToken();
    expect(tokenRequests()).toBe(2);
    expect(
      events.filter((e) => e.type === "miss").map((e) => e.type === "miss" && e.reason),
    ).toEqual(["empty", "expired"]);
  });

  it("an explicit expirySkewMs replaces the default", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock, { expirySkewMs: 5 * MINUTE });
    await provider.getToken();
    clock.set(T0 + HOUR - 5 * MINUTE - 1);
    await provider.getToken();
    expect(tokenRequests()).toBe(1);
    clock.set(T0 + HOUR - 5 * MINUTE);
    await provider.getToken();
    expect(tokenRequests()).toBe(2);
  });

  it("invalidate forgets the token", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider, events } = acmeProvider(server, clock);
    await provider.getToken();
    await provider.invalidate();
    expect((await provider.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-2`);
    expect(tokenRequests()).toBe(2);
    expect(events.map((e) => (e.type === "miss" ? `miss:${e.reason}` : e.type))).toEqual([
      "miss:empty",
      "refresh",
      "miss:empty",
      "refresh",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Refresh tokens (multipart login + refresh with the current access token as bearer)
// ---------------------------------------------------------------------------------------------

const MP_CREDS = { username: "alice", password: ACME_SECRET, companyName: "Acme Corp" };

async function startAcmeMultipart(
  clock: Clock,
  settings: { accessSeconds?: number; refreshSeconds?: number } = {},
) {
  const state = { n: 0, refreshFails: false };
  const accessSeconds = settings.accessSeconds ?? 3600;
  const refreshSeconds = settings.refreshSeconds ?? 86_400;
  const server = await startServer(async (request, response) => {
    const nowS = clock.now() / 1000;
    state.n += 1;
    const access = jwt({ sub: "alice", n: state.n, exp: nowS + accessSeconds });
    if (request.path === "/auth/login") {
      const refresh = jwt({ kind: "refresh", n: state.n, exp: nowS + refreshSeconds });
      return sendJson(response, 200, { access_token: access, refresh_token: refresh });
    }
    if (request.path === "/auth/refresh") {
      if (state.refreshFails) return sendJson(response, 401, { detail: "refresh token revoked" });
      return sendJson(response, 200, { access_token: access });
    }
    sendJson(response, 404, {});
  });
  return { server, state };
}

function mpProvider(server: TestServer, clock: Clock, extra: Record<string, unknown> = {}) {
  const events: TokenEvent[] = [];
  const provider = createTokenProvider(acmeMultipart, {
    credentials: MP_CREDS,
    baseUrl: server.url,
    now: clock.now,
    onEvent: (event: TokenEvent) => events.push(event),
    ...extra,
  });
  return { provider, events };
}

describe("provider: refresh tokens", () => {
  it("logs in with multipart credentials", async () => {
    const clock = createClock();
    const { server } = await startAcmeMultipart(clock);
    const { provider } = mpProvider(server, clock);
    const token = await provider.getToken();
    expect(token.expiresAt).toBe(T0 + HOUR);
    expect(token.refreshTokenExpiresAt).toBe(T0 + 24 * HOUR);
    const form = await server.requestsTo("/auth/login")[0]!.formData();
    expect(form.get("username")).toBe("alice");
    expect(form.get("password")).toBe(ACME_SECRET);
    expect(form.get("company_name")).toBe("Acme Corp");
  });

  it("uses the refresh operation while the access token is valid", async () => {
    const clock = createClock();
    const { server } = await startAcmeMultipart(clock);
    const { provider, events } = mpProvider(server, clock);
    const first = await provider.getToken();
    clock.advance(10 * MINUTE);
    const second = await provider.getToken({ forceRefresh: true });

    const [refresh] = server.requestsTo("/auth/refresh");
    expect(server.requestsTo("/auth/login")).toHaveLength(1);
    expect(refresh?.headers.authorization).toBe(`Bearer ${first.accessToken}`);
    expect(refresh?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const form = await refresh!.formData();
    expect(form.get("refresh_token")).toBe(first.refreshToken);
    expect(form.get("company_name")).toBe("Acme Corp");
    expect(form.has("password")).toBe(false);

    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.expiresAt).toBe(T0 + 10 * MINUTE + HOUR);
    expect(second.obtainedAt).toBe(T0 + 10 * MINUTE);
    expect(second.refreshToken).toBe(first.refreshToken);
    expect(second.refreshTokenExpiresAt).toBe(first.refreshTokenExpiresAt);
    expect(events.at(-1)).toMatchObject({ type: "refresh", operation: "refreshToken" });
    expect(await provider.getToken()).toBe(second);
  });

  it("refreshes a token inside the skew that has not yet expired", async () => {
    const clock = createClock();
    const { server } = await startAcmeMultipart(clock);
    const { provider, events } = mpProvider(server, clock);
    await provider.getToken();
    clock.set(T0 + HOUR - 10 * SECOND);
    await provider.getToken();
    expect(server.requestsTo("/auth/refresh")).toHaveLength(1);
    expect(server.requestsTo("/auth/login")).toHaveLength(1);
    expect(events.filter((e) => e.type === "miss").at(-1)).toMatchObject({ reason: "expired" });
  });

  it("falls back to a login when the refresh fails", async () => {
    const clock = createClock();
    const { server, state } = await startAcmeMultipart(clock);
    const { provider, events } = mpProvider(server, clock);
    const first = await provider.getToken();
    state.refreshFails = true;
    clock.advance(MINUTE);
    const second = await provider.getToken({ forceRefresh: true });
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(server.requests.map((r) => r.path)).toEqual([
      "/auth/login",
      "/auth/refresh",
      "/auth/login",
    ]);
    expect(events.filter((e) => e.type === "refresh" || e.type === "refresh-error")).toEqual([
      expect.objectContaining({ type: "refresh", operation: "login" }),
      expect.objectContaining({ type: "refresh-error", operation: "refreshToken", status: 401 }),
      expect.objectContaining({ type: "refresh", operation: "login" }),
    ]);
    expect(provider.stats()).toMatchObject({ requests: 3, failures: 1 });
  });

  it("logs in again when the access token has expired, even with a stored refresh token", async () => {
    const clock = createClock();
    const { server } = await startAcmeMultipart(clock);
    // A store that keeps entries past their TTL, as a shared store may.
    const entries = new Map<string, AccessToken>();
    const store: TokenStore = {
      get: (key) => entries.get(key),
      set: (key, token) => void entries.set(key, token),
      delete: (key) => void entries.delete(key),
    };
    const { provider } = mpProvider(server, clock, { store });
    await provider.getToken();
    clock.set(T0 + HOUR + 1);
    await provider.getToken();
    expect(server.requests.map((r) => r.path)).toEqual(["/auth/login", "/auth/login"]);
  });

  it("logs in again when the refresh token has expired", async () => {
    const clock = createClock();
    const { server } = await startAcmeMultipart(clock, { refreshSeconds: 20 * 60 });
    const { provider } = mpProvider(server, clock);
    await provider.getToken();
    clock.set(T0 + 30 * MINUTE);
    await provider.getToken({ forceRefresh: true });
    expect(server.requests.map((r) => r.path)).toEqual(["/auth/login", "/auth/login"]);
  });

  it("does not use a refresh operation the binding lacks", async () => {
    const clock = createClock();
    const { server, tokenRequests } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock);
    await provider.getToken();
    await provider.getToken({ forceRefresh: true });
    expect(tokenRequests()).toBe(2);
  });
});

describe("provider: secrets stay hidden", () => {
  it("util.inspect(provider) shows vendor and base URL only", async () => {
    const clock = createClock();
    const { server } = await startAcme(clock);
    const { provider } = acmeProvider(server, clock);
    const token = await provider.getToken();
    const shown = inspect(provider, { depth: 10, showHidden: true });
    expect(shown).toBe(`TokenProvider { vendor: 'Acme', baseUrl: '${server.url}' }`);
    expect(shown).not.toContain(ACME_SECRET);
    expect(shown).not.toContain(token.accessToken);
  });

  it("util.inspect(token) hides the secrets while JSON.stringify keeps the data", async () => {
    const clock = createClock();
    const { server } = await startAcmeMultipart(clock);
    const { provider } = mpProvider(server, clock);
    const token = await provider.getToken();
    const shown = inspect(token, { depth: 10 });
    expect(shown).not.toContain(token.accessToken);
    expect(shown).not.toContain(token.refreshToken);
    expect(shown).toContain("2026-05-01T01:00:00.000Z");
    const json = JSON.parse(JSON.stringify(token)) as AccessToken;
    expect(json.accessToken).toBe(token.accessToken);
    expect(json.refreshToken).toBe(token.refreshToken);
    expect(json.raw).toEqual(token.raw);
  });

  it("a token read back from a serialising store is hidden from util.inspect too", async () => {
    const clock = createClock();
    const { server } = await startAcme(clock);
    const entries = new Map<string, string>();
    const store: TokenStore = {
      get: (key) => {
        const json = entries.get(key);
        return json === undefined ? undefined : Object.freeze(JSON.parse(json) as AccessToken);
      },
      set: (key, token) => void entries.set(key, JSON.stringify(token)),
      delete: (key) => void entries.delete(key),
    };
    await acmeProvider(server, clock, { store }).provider.getToken();
    // Another provider on the same store has nothing in memory: it reads the stored copy back.
    const cached = await acmeProvider(server, clock, { store }).provider.getToken();
    expect(cached.accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(inspect(cached, { depth: 10 })).not.toContain(cached.accessToken);
    expect(JSON.stringify(cached)).toContain(cached.accessToken);
  });
});
