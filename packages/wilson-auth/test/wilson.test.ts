import { inspect } from "node:util";
import {
  ConfigurationError,
  createMemoryStore,
  TokenRequestError,
  TokenResponseError,
  type TokenEvent,
} from "@tokenyard/auth-core";
import { startWilson, type FakeWilson, type WilsonOptions } from "@tokenyard/fake-vendors";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createWilsonAuth,
  createWilsonClient,
  servers,
  type WilsonAuthOptions,
} from "../src/index.js";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";

// Deliberately not on a whole second, so relative (T0 + n s) and absolute (whole epoch seconds)
// expiries differ by 123 ms and a test can tell which one was used.
const T0 = 1_760_000_000_123;
const T0_SECONDS = Math.floor(T0 / 1000);
let time = T0;
const now = (): number => time;

const running: FakeWilson[] = [];
async function start(options: WilsonOptions = {}): Promise<FakeWilson> {
  const server = await startWilson({ now, ...options });
  running.push(server);
  return server;
}

function authFor(server: FakeWilson, options: Partial<WilsonAuthOptions> = {}) {
  return createWilsonAuth({
    credentials: server.credentials,
    baseUrl: server.baseUrl,
    now,
    ...options,
  });
}

function secretsOf(server: FakeWilson): string[] {
  const { appName, clientId, clientSecret } = server.credentials;
  return [appName, clientId, clientSecret, ...server.issuedTokens];
}

beforeEach(() => {
  time = T0;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe("token response", () => {
  it("reads a relative-only expiry as seconds from the injected clock", async () => {
    const server = await start({ expiry: "relative-only", lifetimeSeconds: 120 });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe(T0 + 120_000);
    expect(token.obtainedAt).toBe(T0);
    expect(token.tokenType).toBe("Bearer");
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(token.raw).toEqual({
      access_token: server.issuedTokens[0],
      expires_in: 120,
      ext_expires_in: 120,
      token_type: "Bearer",
    });
    expect(token.refreshToken).toBeUndefined();
    expect(token.refreshTokenExpiresAt).toBeUndefined();
  });

  it("reads an absolute-only expiry as epoch seconds", async () => {
    const server = await start({ expiry: "absolute-only" });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe((T0_SECONDS + 3599) * 1000);
    expect(token.obtainedAt).toBe(T0);
    expect(token.raw).toEqual({
      access_token: server.issuedTokens[0],
      expires_at: T0_SECONDS + 3599,
      token_type: "Bearer",
    });
  });

  it("prefers the relative expiry when the response has both", async () => {
    const server = await start({ expiry: "both" });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe(T0 + 3_599_000);
    expect(token.raw).toEqual({
      access_token: server.issuedTokens[0],
      expires_at: T0_SECONDS + 3599,
      expires_in: 3599,
      ext_expires_in: 3599,
      token_type: "Bearer",
    });
  });

  it("trusts expires_in over an expires_at from a vendor clock that is off by an hour", async () => {
    const server = await start();
    const body = {
      access_token: "scripted-token",
      expires_at: T0_SECONDS + 600 + 3600,
      expires_in: 600,
      token_type: "Bearer",
    };
    server.failNext({ status: 200, body });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe(T0 + 600_000);
    expect(token.raw).toEqual(body);
  });

  it("sends any casing of bearer as `Bearer` but keeps the vendor's tokenType", async () => {
    const server = await start();
    server.failNext({
      status: 200,
      body: { access_token: "lower-case-token", expires_in: 600, token_type: "bearer" },
    });
    const auth = authFor(server);
    expect((await auth.getToken()).tokenType).toBe("bearer");
    expect(await auth.getAuthorizationHeader()).toBe("Bearer lower-case-token");
  });

  it("rejects a token that expired before it arrived", async () => {
    const server = await start();
    server.failNext({
      status: 200,
      body: { access_token: "stale-token", expires_at: T0_SECONDS - 1, token_type: "Bearer" },
    });
    const error = await rejectionOf(authFor(server).getToken());
    expect(error).toBeInstanceOf(TokenResponseError);
  });
});

describe("request on the wire", () => {
  it("posts the three credentials as a JSON object to /apif/v2/auth/token", async () => {
    const server = await start();
    await authFor(server).getToken();
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/apif/v2/auth/token");
    expect(request?.contentType).toMatch(/^application\/json\b/);
    expect(JSON.parse(request?.rawBody ?? "")).toEqual({
      app_name: server.credentials.appName,
      client_id: server.credentials.clientId,
      client_secret: server.credentials.clientSecret,
    });
    expect(request?.status).toBe(200);
  });
});

describe("cache", () => {
  it("serves a second call from the cache", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    const second = await auth.getToken();
    expect(second.accessToken).toBe(first.accessToken);
    expect(server.tokenRequests()).toBe(1);
    expect(auth.stats()).toMatchObject({ hits: 1, misses: 1, requests: 1, failures: 0 });
  });

  it("never hands out a token within the default 30 s skew of its expiry", async () => {
    const server = await start({ expiry: "relative-only" });
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 30_001;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(server.tokenRequests()).toBe(1);
    time = first.expiresAt - 30_000;
    const second = await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
    expect(second.accessToken).toBe(server.issuedTokens[1]);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.obtainedAt).toBe(time);
  });

  it("scales the default skew down to a tenth of a short lifetime", async () => {
    const server = await start({ expiry: "relative-only", lifetimeSeconds: 60 });
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 6_001;
    await auth.getToken();
    expect(server.tokenRequests()).toBe(1);
    time = first.expiresAt - 6_000;
    await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
  });

  it("honours expirySkewMs: 0 as zero", async () => {
    const server = await start({ expiry: "relative-only" });
    const auth = authFor(server, { expirySkewMs: 0 });
    const first = await auth.getToken();
    time = first.expiresAt - 1;
    await auth.getToken();
    expect(server.tokenRequests()).toBe(1);
    time = first.expiresAt;
    await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
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
    const store = createMemoryStore({ now });
    const alice = authFor(server, { store });
    const aliceAgain = authFor(server, { store });
    const mallory = authFor(server, {
      store,
      retries: 0,
      credentials: { ...server.credentials, clientSecret: "not-the-secret" },
    });
    const token = await alice.getToken();
    // Same credentials, same store: shared (proves the store really is shared).
    expect((await aliceAgain.getToken()).accessToken).toBe(token.accessToken);
    expect(server.tokenRequests()).toBe(1);
    // Other credentials: their own request, which the vendor refuses.
    const error = await rejectionOf(mallory.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(server.tokenRequests()).toBe(2);
  });

  it("fetches a new token after invalidate()", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    await auth.invalidate();
    const second = await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.accessToken).toBe(server.issuedTokens[1]);
  });

  it("fetches a new token on forceRefresh and caches it", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    const forced = await auth.getToken({ forceRefresh: true });
    expect(server.tokenRequests()).toBe(2);
    expect(forced.accessToken).not.toBe(first.accessToken);
    expect((await auth.getToken()).accessToken).toBe(forced.accessToken);
    expect(server.tokenRequests()).toBe(2);
  });
});

describe("errors", () => {
  it("turns Wilson's 401 into a TokenRequestError with status, body and message", async () => {
    const server = await start();
    const auth = authFor(server, {
      retries: 0,
      credentials: { ...server.credentials, clientSecret: "wrong-secret-value" },
    });
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toBeInstanceOf(Error);
    const failure = error as TokenRequestError;
    expect(failure.name).toBe("TokenRequestError");
    expect(failure.status).toBe(401);
    expect(failure.body).toEqual({
      error: "invalid_client",
      error_description: "Invalid app_name, client_id or client_secret.",
    });
    expect(failure.message).toContain("Invalid app_name, client_id or client_secret.");
    expect(failure.vendor).toBe("Wilson");
    expect(failure.operation).toBe("getAccessToken");
    expectNoSecrets(error, [...secretsOf(server), "wrong-secret-value"]);
    // A failure is not cached: the next call asks again.
    await rejectionOf(auth.getToken());
    expect(server.tokenRequests()).toBe(2);
  });

  it("turns a 5xx into a TokenRequestError", async () => {
    const server = await start();
    server.failNext({
      status: 503,
      body: { error: "temporarily_unavailable", error_description: "Try again later" },
    });
    const error = await rejectionOf(authFor(server, { retries: 0 }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(503);
    expect((error as TokenRequestError).message).toContain("Try again later");
  });

  it("turns a 2xx without a token into a TokenResponseError", async () => {
    const server = await start();
    server.failNext({ status: 200, body: { token_type: "Bearer", expires_in: 3599 } });
    const error = await rejectionOf(authFor(server).getToken());
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error).not.toBeInstanceOf(TokenRequestError);
    expect((error as TokenResponseError).status).toBe(200);
  });

  it("turns a 2xx that is not JSON into a TokenResponseError", async () => {
    const server = await start();
    server.failNext({ status: 200, body: "<html>maintenance</html>" });
    const error = await rejectionOf(authFor(server).getToken());
    expect(error).toBeInstanceOf(TokenResponseError);
  });

  it("reports a dropped connection as a TokenRequestError without status, with a cause", async () => {
    const server = await start();
    server.failNext("drop");
    const error = await rejectionOf(authFor(server, { retries: 0 }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBeUndefined();
    expect((error as TokenRequestError).cause).toBeDefined();
  });

  it("reports a closed server as a TokenRequestError without status, with a cause", async () => {
    const server = await start();
    await server.close();
    const error = await rejectionOf(authFor(server, { retries: 0 }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBeUndefined();
    expect((error as TokenRequestError).cause).toBeInstanceOf(Error);
  });

  it("times out after timeoutMs", async () => {
    const server = await start();
    server.setDelay(2_000);
    const error = await rejectionOf(authFor(server, { retries: 0, timeoutMs: 50 }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBeUndefined();
    expect((error as TokenRequestError).cause).toBeDefined();
  });

  it("rejects an aborted caller with the signal's reason while others still get the token", async () => {
    const server = await start();
    server.setDelay(50);
    const auth = authFor(server);
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const aborted = rejectionOf(auth.getToken({ signal: controller.signal }));
    const patient = auth.getToken();
    await vi.waitFor(() => expect(server.requests).toHaveLength(1), { interval: 1 });
    controller.abort(reason);
    expect(await aborted).toBe(reason);
    expect((await patient).accessToken).toBe(server.issuedTokens[0]);
    expect(server.tokenRequests()).toBe(1);
  });

  it("rejects a caller whose signal is already aborted, without a request", async () => {
    const server = await start();
    const reason = new Error("too late");
    const error = await rejectionOf(
      authFor(server).getToken({ signal: AbortSignal.abort(reason) }),
    );
    expect(error).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  // A signal aborted while getToken() still awaits the cache key or the store is seen too.
  it("rejects a caller whose signal aborts before its request is under way", async () => {
    const server = await start();
    server.setDelay(50);
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const pending = rejectionOf(authFor(server).getToken({ signal: controller.signal }));
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });
});

describe("secrets", () => {
  it("appear in no error, cause or event of any failure", async () => {
    const server = await start();
    const events: TokenEvent[] = [];
    const auth = authFor(server, { retries: 0, onEvent: (event) => events.push(event) });
    await auth.getToken();
    const failures: Array<[string, () => void]> = [
      ["401", () => server.failNext({ status: 401, body: { error: "invalid_client" } })],
      ["503", () => server.failNext({ status: 503, body: "down" })],
      ["no token", () => server.failNext({ status: 200, body: { token_type: "Bearer" } })],
      ["drop", () => server.failNext("drop")],
    ];
    for (const [label, script] of failures) {
      script();
      const error = await rejectionOf(auth.getToken({ forceRefresh: true }));
      expect(error, label).toBeInstanceOf(Error);
      expectNoSecrets(error, secretsOf(server), label);
    }
    const wrong = authFor(server, {
      retries: 0,
      onEvent: (event) => events.push(event),
      credentials: { ...server.credentials, clientId: "wrong-client-id" },
    });
    expectNoSecrets(await rejectionOf(wrong.getToken()), [...secretsOf(server), "wrong-client-id"]);
    await server.close();
    expectNoSecrets(await rejectionOf(auth.getToken({ forceRefresh: true })), secretsOf(server));

    expect(events.filter((event) => event.type === "refresh-error")).toHaveLength(6);
    expectNoSecrets(events, [...secretsOf(server), "wrong-client-id"], "events");
  });

  it("are hidden from util.inspect of the provider and the token", async () => {
    const server = await start();
    const auth = authFor(server);
    const token = await auth.getToken();
    expect(inspect(auth, { depth: 10 })).toContain("Wilson");
    expectNoSecrets(inspect(auth, { depth: 10 }), secretsOf(server), "provider");
    expect(inspect(token, { depth: 10 })).toContain("[redacted]");
    expectNoSecrets(inspect(token, { depth: 10 }), secretsOf(server), "token");
  });
});

describe("configuration", () => {
  const create = (options: unknown) => () => createWilsonAuth(options as WilsonAuthOptions);
  const credentials = { appName: "company-abc", clientId: "id-123", clientSecret: "s3cr3t-value" };
  const cases: Array<[string, unknown, string]> = [
    [
      "a missing credential",
      { credentials: { appName: "a", clientId: "b" } },
      "credentials.clientSecret",
    ],
    [
      "an empty credential",
      { credentials: { ...credentials, clientId: "" } },
      "credentials.clientId",
    ],
    [
      "an unknown credential",
      { credentials: { ...credentials, tenant: "x" } },
      "credentials.tenant",
    ],
    ["no credentials", {}, "credentials"],
    ["an unknown server", { credentials, server: "staging" }, "server"],
    [
      "plain http to a remote host",
      { credentials, baseUrl: "http://wilson.example.com/apif/v2" },
      "baseUrl",
    ],
    ["a relative baseUrl", { credentials, baseUrl: "/apif/v2" }, "baseUrl"],
    ["a negative timeoutMs", { credentials, timeoutMs: -1 }, "timeoutMs"],
    ["a negative expirySkewMs", { credentials, expirySkewMs: -5 }, "expirySkewMs"],
    ["a fractional retries", { credentials, retries: 1.5 }, "retries"],
  ];
  it.each(cases)("throws ConfigurationError synchronously for %s", (_label, options, option) => {
    expect(create(options)).toThrow(ConfigurationError);
    try {
      create(options)();
    } catch (error) {
      expect((error as ConfigurationError).option).toBe(option);
      expect((error as Error).message).not.toContain("s3cr3t-value");
    }
  });

  it("accepts plain http to loopback and makes no request while constructing", async () => {
    const server = await start();
    expect(() => authFor(server)).not.toThrow();
    expect(server.requests).toHaveLength(0);
  });
});

describe("authorization header and middleware", () => {
  it("getAuthorizationHeader() is `Bearer <token>`", async () => {
    const server = await start();
    const header = await authFor(server).getAuthorizationHeader();
    expect(server.issuedTokens).toHaveLength(1);
    expect(header).toBe(`Bearer ${server.issuedTokens[0]}`);
  });

  it("authenticates a real GET /auth/company through createWilsonClient + middleware()", async () => {
    const server = await start();
    const auth = authFor(server);
    const client = createWilsonClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    const { data, response } = await client.GET("/auth/company");
    expect(response.status).toBe(200);
    expect(data).toEqual(server.company);
    const call = server.requests.find((request) => request.path === "/apif/v2/auth/company");
    expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
    // A second call reuses the cached token.
    await client.GET("/auth/company");
    expect(server.tokenRequests()).toBe(1);
  });

  it("on a 401 renews the token once and replays the request", async () => {
    // The vendor's clock runs ahead: it thinks our still-cached token has expired.
    let serverTime = T0;
    const server = await start({ now: () => serverTime });
    const auth = authFor(server);
    const client = createWilsonClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    expect((await client.GET("/auth/company")).response.status).toBe(200);
    serverTime = T0 + 3_600_000;
    const { data, response } = await client.GET("/auth/company");
    expect(response.status).toBe(200);
    expect(data).toEqual(server.company);
    expect(server.tokenRequests()).toBe(2);
    expect(auth.stats().replays).toBe(1);
  });

  it("hands a second 401 to the caller instead of throwing", async () => {
    const server = await start();
    const forged = { expires_in: 3599, token_type: "Bearer" };
    server.failNext(
      { status: 200, body: { ...forged, access_token: "forged-1" } },
      { status: 200, body: { ...forged, access_token: "forged-2" } },
    );
    const auth = authFor(server);
    const client = createWilsonClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    const { response, error } = await client.GET("/auth/company");
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ error: "invalid_token" });
    expect(server.tokenRequests()).toBe(2);
    const companyCalls = server.requests.filter((r) => r.path === "/apif/v2/auth/company");
    expect(companyCalls.map((r) => r.headers["authorization"])).toEqual([
      "Bearer forged-1",
      "Bearer forged-2",
    ]);
  });

  it("provider.fetch sets the header too", async () => {
    const server = await start();
    const auth = authFor(server);
    const response = await auth.fetch(`${server.baseUrl}/auth/company`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(server.company);
  });
});

describe("servers", () => {
  it("has the spec's production server", () => {
    expect(servers).toEqual({ production: "https://wilson.40mat.com/apif/v2" });
    expect(servers.production).toBe("https://wilson.40mat.com/apif/v2");
  });

  it("defaults to production and puts the operation path after its base path", async () => {
    const urls: string[] = [];
    const auth = createWilsonAuth({
      credentials: { appName: "company-abc", clientId: "id", clientSecret: "secret" },
      now,
      fetch: async (input, init) => {
        urls.push(new Request(input, init).url);
        return Response.json({ access_token: "t", expires_in: 3599, token_type: "Bearer" });
      },
    });
    await auth.getToken();
    expect(urls).toEqual(["https://wilson.40mat.com/apif/v2/auth/token"]);

    const clientUrls: string[] = [];
    const client = createWilsonClient({
      fetch: async (request: Request) => {
        clientUrls.push(request.url);
        return Response.json({ id: 1 });
      },
    });
    await client.GET("/auth/company");
    expect(clientUrls).toEqual(["https://wilson.40mat.com/apif/v2/auth/company"]);
  });

  it("baseUrl replaces the server URL exactly, base path included", async () => {
    const server = await start();
    await authFor(server, { baseUrl: `${server.baseUrl}/` }).getToken();
    await authFor(server, { baseUrl: server.baseUrl, server: "production" }).getToken();
    expect(server.requests.map((request) => request.path)).toEqual([
      "/apif/v2/auth/token",
      "/apif/v2/auth/token",
    ]);
  });
});
