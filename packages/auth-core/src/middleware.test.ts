import createClient from "openapi-fetch";
import { afterEach, describe, expect, it } from "vitest";
import type { TokenEvent } from "./events.js";
import { createTokenProvider } from "./provider.js";
import {
  ACME_CLIENT_ID,
  ACME_SECRET,
  T0,
  acmeJson,
  acmeMultipart,
  closeAllServers,
  createClock,
  deferred,
  jwt,
  sendJson,
  startServer,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

/**
 * Acme's token endpoint plus an API at /api/*. The API accepts the tokens in `valid` (every
 * issued token is valid unless `validateIssued` is off) and echoes what it received.
 */
async function startAcmeApi() {
  const state = {
    issued: 0,
    valid: new Set<string>(),
    validateIssued: true,
    /** Status for every API call, whatever the token (e.g. 403); 0: decide by token. */
    forceStatus: 0,
    /** Holds every API answer until it resolves. */
    apiGate: undefined as Promise<void> | undefined,
  };
  const server = await startServer(async (request, response) => {
    if (request.path === "/oauth/token") {
      state.issued += 1;
      const token = `tok-${state.issued}`;
      if (state.validateIssued) state.valid.add(token);
      return sendJson(response, 200, {
        access_token: token,
        token_type: "bearer",
        expires_in: 3600,
      });
    }
    if (state.apiGate) await state.apiGate;
    const auth = request.headers.authorization ?? "";
    const status =
      state.forceStatus ||
      (auth.startsWith("Bearer ") && state.valid.has(auth.slice("Bearer ".length)) ? 200 : 401);
    sendJson(
      response,
      status,
      status === 200
        ? { ok: true, method: request.method, body: request.body, auth }
        : { error: status === 401 ? "invalid_token" : "forbidden" },
    );
  });
  const apiCalls = () => server.requests.filter((r) => r.path.startsWith("/api/"));
  const tokenCalls = () => server.requestsTo("/oauth/token").length;
  return { server, state, apiCalls, tokenCalls };
}

function provide(url: string) {
  const clock = createClock();
  const events: TokenEvent[] = [];
  const provider = createTokenProvider(acmeJson, {
    credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET },
    baseUrl: url,
    now: clock.now,
    onEvent: (event: TokenEvent) => events.push(event),
  });
  return { provider, events, clock };
}

describe("provider.fetch", () => {
  it("sets the Authorization header and keeps the caller's headers", async () => {
    const { server, apiCalls } = await startAcmeApi();
    const { provider } = provide(server.url);
    const response = await provider.fetch(`${server.url}/api/things`, {
      headers: { "x-request-id": "r-1", authorization: "Basic bm9wZQ==" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, auth: "Bearer tok-1" });
    expect(apiCalls()[0]?.headers["x-request-id"]).toBe("r-1");
    expect(apiCalls()[0]?.headers.authorization).toBe("Bearer tok-1");
  });

  it("on a 401 renews the token and replays once, body intact", async () => {
    const { server, state, apiCalls, tokenCalls } = await startAcmeApi();
    const { provider, events } = provide(server.url);
    await provider.getToken();
    state.valid.clear(); // the vendor revoked tok-1
    const body = JSON.stringify({ amount: 42, note: "ünïcödé" });
    const response = await provider.fetch(`${server.url}/api/payments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, auth: "Bearer tok-2", body });
    const calls = apiCalls();
    expect(calls.map((c) => [c.method, c.headers.authorization, c.body])).toEqual([
      ["POST", "Bearer tok-1", body],
      ["POST", "Bearer tok-2", body],
    ]);
    expect(calls[1]?.headers["content-type"]).toBe("application/json");
    expect(tokenCalls()).toBe(2);
    expect(provider.stats()).toMatchObject({ replays: 1, requests: 2 });
    expect(events.filter((e) => e.type === "replay" || e.type === "miss")).toEqual([
      expect.objectContaining({ type: "miss", reason: "empty" }),
      expect.objectContaining({ type: "replay", status: 401, vendor: "Acme" }),
      expect.objectContaining({ type: "miss", reason: "rejected" }),
    ]);
    expect(await provider.getToken()).toMatchObject({ accessToken: "tok-2" });
  });

  it("replays a Request object with its body", async () => {
    const { server, state, apiCalls } = await startAcmeApi();
    const { provider } = provide(server.url);
    await provider.getToken();
    state.valid.clear();
    const request = new Request(`${server.url}/api/upload`, { method: "PUT", body: "raw-bytes" });
    const response = await provider.fetch(request);
    expect(response.status).toBe(200);
    expect(apiCalls().map((c) => c.body)).toEqual(["raw-bytes", "raw-bytes"]);
  });

  it("a persistent 401 makes exactly two attempts and returns the second 401", async () => {
    const { server, state, apiCalls, tokenCalls } = await startAcmeApi();
    state.validateIssued = false;
    const { provider } = provide(server.url);
    const response = await provider.fetch(`${server.url}/api/things`, {
      method: "POST",
      body: "x",
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "invalid_token" });
    expect(apiCalls().map((c) => c.headers.authorization)).toEqual([
      "Bearer tok-1",
      "Bearer tok-2",
    ]);
    expect(tokenCalls()).toBe(2);
  });

  it("returns a non-401 untouched, without renewing", async () => {
    for (const status of [403, 500, 201]) {
      const { server, state, apiCalls, tokenCalls } = await startAcmeApi();
      state.forceStatus = status;
      const { provider } = provide(server.url);
      const response = await provider.fetch(`${server.url}/api/things`);
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual(
        status === 201 ? expect.anything() : { error: "forbidden" },
      );
      expect(apiCalls()).toHaveLength(1);
      expect(tokenCalls()).toBe(1);
      expect(provider.stats().replays).toBe(0);
    }
  });

  it("50 concurrent requests rejected for one token start exactly one new token request", async () => {
    const { server, state, apiCalls, tokenCalls } = await startAcmeApi();
    const { provider } = provide(server.url);
    await provider.getToken();
    state.valid.clear();
    const gate = deferred();
    state.apiGate = gate.promise;
    const responses = Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        provider.fetch(`${server.url}/api/items/${i}`, { method: "POST", body: `item-${i}` }),
      ),
    );
    await server.received(1 + 50);
    gate.resolve();
    const settled = await responses;
    expect(settled.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(tokenCalls()).toBe(2);
    expect(apiCalls()).toHaveLength(100);
    const replays = apiCalls().slice(50);
    expect(new Set(replays.map((c) => c.headers.authorization))).toEqual(new Set(["Bearer tok-2"]));
    for (const replay of replays) expect(replay.body).toBe(`item-${replay.path.split("/").at(-1)}`);
    expect(provider.stats().replays).toBe(50);
  });
});

/** A minimal openapi-typescript shape for Acme's API. */
interface paths {
  "/api/payments": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    post: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      requestBody: { content: { "application/json": { amount: number } } };
      responses: {
        200: {
          headers: { [name: string]: unknown };
          content: { "application/json": { ok: boolean; body: string; auth: string } };
        };
        401: {
          headers: { [name: string]: unknown };
          content: { "application/json": { error: string } };
        };
      };
    };
  };
}

describe("provider.middleware() with openapi-fetch", () => {
  it("authenticates, and on a 401 renews and replays once with the body", async () => {
    const { server, state, apiCalls, tokenCalls } = await startAcmeApi();
    const { provider } = provide(server.url);
    const client = createClient<paths>({ baseUrl: server.url });
    client.use(provider.middleware());

    const first = await client.POST("/api/payments", { body: { amount: 1 } });
    expect(first.data).toMatchObject({ ok: true, auth: "Bearer tok-1", body: '{"amount":1}' });

    state.valid.clear();
    const second = await client.POST("/api/payments", { body: { amount: 2 } });
    expect(second.response.status).toBe(200);
    expect(second.data).toMatchObject({ ok: true, auth: "Bearer tok-2", body: '{"amount":2}' });
    expect(apiCalls().map((c) => [c.headers.authorization, c.body])).toEqual([
      ["Bearer tok-1", '{"amount":1}'],
      ["Bearer tok-1", '{"amount":2}'],
      ["Bearer tok-2", '{"amount":2}'],
    ]);
    expect(apiCalls()[2]?.headers["content-type"]).toBe("application/json");
    expect(tokenCalls()).toBe(2);
  });

  it("a persistent 401 comes back as the error result, after exactly two attempts", async () => {
    const { server, state, apiCalls } = await startAcmeApi();
    state.validateIssued = false;
    const { provider } = provide(server.url);
    const client = createClient<paths>({ baseUrl: server.url });
    client.use(provider.middleware());
    const result = await client.POST("/api/payments", { body: { amount: 3 } });
    expect(result.response.status).toBe(401);
    expect(result.error).toEqual({ error: "invalid_token" });
    expect(apiCalls()).toHaveLength(2);
  });

  it("replays with the client's own fetch", async () => {
    const { server, state } = await startAcmeApi();
    const { provider } = provide(server.url);
    const seen: string[] = [];
    const client = createClient<paths>({
      baseUrl: server.url,
      fetch: (request: Request) => {
        seen.push(request.headers.get("authorization") ?? "");
        return globalThis.fetch(request);
      },
    });
    client.use(provider.middleware());
    await provider.getToken();
    state.valid.clear();
    await client.POST("/api/payments", { body: { amount: 4 } });
    expect(seen).toEqual(["Bearer tok-1", "Bearer tok-2"]);
  });

  it("50 concurrent calls rejected for one token start exactly one new token request", async () => {
    const { server, state, tokenCalls } = await startAcmeApi();
    const { provider } = provide(server.url);
    const client = createClient<paths>({ baseUrl: server.url });
    client.use(provider.middleware());
    await provider.getToken();
    state.valid.clear();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, amount) => client.POST("/api/payments", { body: { amount } })),
    );
    expect(results.map((r) => r.response.status)).toEqual(Array(50).fill(200));
    results.forEach((r, amount) => expect(r.data?.body).toBe(JSON.stringify({ amount })));
    expect(tokenCalls()).toBe(2);
  });

  it("returns a non-401 untouched", async () => {
    const { server, state, apiCalls, tokenCalls } = await startAcmeApi();
    state.forceStatus = 403;
    const { provider } = provide(server.url);
    const client = createClient<paths>({ baseUrl: server.url });
    client.use(provider.middleware());
    const result = await client.POST("/api/payments", { body: { amount: 5 } });
    expect(result.response.status).toBe(403);
    expect(result.error).toEqual({ error: "forbidden" });
    expect(apiCalls()).toHaveLength(1);
    expect(tokenCalls()).toBe(1);
  });
});

describe("renewal after a 401 with a refresh operation that presents the access token", () => {
  it("logs in again instead of refreshing with the token the vendor just refused", async () => {
    const issue = (kind: string, k: number) => jwt({ kind, k, exp: T0 / 1000 + 3600 });
    let logins = 0;
    let refreshes = 0;
    const server = await startServer((request, response) => {
      if (request.path === "/auth/login") {
        logins += 1;
        return sendJson(response, 200, {
          access_token: issue("login", logins),
          refresh_token: jwt({ kind: "refresh", exp: T0 / 1000 + 86_400 }),
        });
      }
      if (request.path === "/auth/refresh") {
        refreshes += 1;
        return sendJson(response, 200, { access_token: issue("refreshed", refreshes) });
      }
      // The vendor revoked the first session: only a token of a new login works.
      const ok = request.headers.authorization === `Bearer ${issue("login", 2)}`;
      sendJson(response, ok ? 200 : 401, {});
    });
    const clock = createClock();
    const provider = createTokenProvider(acmeMultipart, {
      credentials: { username: "u", password: ACME_SECRET, companyName: "c" },
      baseUrl: server.url,
      now: clock.now,
    });
    const response = await provider.fetch(`${server.url}/api/things`);
    expect(response.status).toBe(200);
    expect(server.requests.map((r) => r.path)).toEqual([
      "/auth/login",
      "/api/things",
      "/auth/login",
      "/api/things",
    ]);
  });

  it("still refreshes a token that was not the one refused", async () => {
    const clock = createClock();
    const server = await startServer((request, response) => {
      const access = jwt({ at: clock.now(), exp: T0 / 1000 + 3600 });
      if (request.path === "/auth/login") {
        return sendJson(response, 200, {
          access_token: access,
          refresh_token: jwt({ kind: "refresh", exp: T0 / 1000 + 86_400 }),
        });
      }
      sendJson(response, 200, { access_token: access });
    });
    const provider = createTokenProvider(acmeMultipart, {
      credentials: { username: "u", password: ACME_SECRET, companyName: "c" },
      baseUrl: server.url,
      now: clock.now,
    });
    await provider.getToken();
    clock.advance(1000);
    await provider.getToken({ forceRefresh: true });
    expect(server.requests.map((r) => r.path)).toEqual(["/auth/login", "/auth/refresh"]);
  });
});
