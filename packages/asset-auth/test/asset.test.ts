import { inspect } from "node:util";
import {
  ConfigurationError,
  createMemoryStore,
  TokenRequestError,
  TokenResponseError,
  type TokenEvent,
} from "@tokenyard/auth-core";
import { startAsset, type AssetOptions, type FakeVendor } from "@tokenyard/fake-vendors";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createAssetAuth,
  createAssetClient,
  servers,
  type AssetAuthOptions,
  type AssetCredentials,
} from "../src/index.js";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";

type FakeAsset = FakeVendor<{ clientId: string; clientSecret: string }>;

// Not on a whole second: relative (T0 + n s) and absolute (whole epoch seconds) expiries differ.
const T0 = 1_760_000_000_123;
const T0_SECONDS = Math.floor(T0 / 1000);
let time = T0;
const now = (): number => time;

const running: FakeAsset[] = [];
async function start(options: AssetOptions = {}): Promise<FakeAsset> {
  const server = await startAsset({ now, ...options });
  running.push(server);
  return server;
}

function authFor(
  server: FakeAsset,
  options: Partial<AssetAuthOptions> = {},
  extra: Partial<AssetCredentials> = {},
) {
  return createAssetAuth({
    credentials: { ...server.credentials, ...extra },
    baseUrl: server.baseUrl,
    now,
    ...options,
  });
}

function secretsOf(server: FakeAsset): string[] {
  return [server.credentials.clientId, server.credentials.clientSecret, ...server.issuedTokens];
}

beforeEach(() => {
  time = T0;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe("token response", () => {
  it("reads an absolute expires_in (epoch seconds, the documented form)", async () => {
    const server = await start({ expiresIn: "absolute" });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe((T0_SECONDS + 3600) * 1000);
    expect(token.obtainedAt).toBe(T0);
    expect(token.tokenType).toBe("Bearer");
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(token.raw).toEqual({
      access_token: server.issuedTokens[0],
      token_type: "Bearer",
      expires_in: T0_SECONDS + 3600,
    });
    expect(token.refreshToken).toBeUndefined();
  });

  it("reads an absolute expires_in for a requested lifetime", async () => {
    const server = await start({ expiresIn: "absolute" });
    const token = await authFor(server, {}, { expiresIn: 1800 }).getToken();
    expect(token.expiresAt).toBe((T0_SECONDS + 1800) * 1000);
  });

  it("reads a relative expires_in (older docs) as seconds from the injected clock", async () => {
    const server = await start({ expiresIn: "relative", lifetimeSeconds: 1234 });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe(T0 + 1_234_000);
    expect(token.raw).toEqual({
      access_token: server.issuedTokens[0],
      token_type: "Bearer",
      expires_in: 1234,
    });
  });

  it("falls back to the requested expiresIn when the response has no expiry", async () => {
    const server = await start({ expiresIn: "absent", lifetimeSeconds: 1234 });
    const token = await authFor(server, {}, { expiresIn: 1800 }).getToken();
    expect(token.expiresAt).toBe(T0 + 1_800_000);
    expect(token.raw).toEqual({ access_token: server.issuedTokens[0], token_type: "Bearer" });
  });

  it("falls back to 3600 s when neither the response nor the request has a lifetime", async () => {
    const server = await start({ expiresIn: "absent", lifetimeSeconds: 1234 });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe(T0 + 3_600_000);
    expect(token.obtainedAt).toBe(T0);
  });
});

describe("request on the wire", () => {
  it("sends a url-encoded client-credentials grant without unset optional fields", async () => {
    const server = await start();
    await authFor(server).getToken();
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/v0/auth/token");
    expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded\b/);
    expect(request?.body).toEqual({
      grant_type: "client_credentials",
      client_id: server.credentials.clientId,
      client_secret: server.credentials.clientSecret,
    });
    const names = [...new URLSearchParams(request?.rawBody).keys()].sort();
    expect(names).toEqual(["client_id", "client_secret", "grant_type"]);
    expect(request?.status).toBe(200);
  });

  it("sends every optional field, with one resource= per value", async () => {
    const server = await start();
    const resource = ["https://api.getasset.com/ledger", "https://api.getasset.com/invoices"];
    await authFor(
      server,
      {},
      { businessId: "biz_42", scope: "ledger:read invoice:create", expiresIn: 900, resource },
    ).getToken();
    const [request] = server.requests;
    expect(request?.body).toEqual({
      grant_type: "client_credentials",
      client_id: server.credentials.clientId,
      client_secret: server.credentials.clientSecret,
      business_id: "biz_42",
      scope: "ledger:read invoice:create",
      expires_in: "900",
      resource,
    });
    const params = new URLSearchParams(request?.rawBody);
    expect(params.getAll("resource")).toEqual(resource);
    expect(params.has("resource[]")).toBe(false);
    expect(request?.status).toBe(200);
  });

  it("sends a single resource as a single field", async () => {
    const server = await start();
    await authFor(server, {}, { resource: ["https://api.getasset.com/ledger"] }).getToken();
    expect(server.requests[0]?.body?.["resource"]).toBe("https://api.getasset.com/ledger");
  });
});

describe("cache", () => {
  it("serves a second call from the cache", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(server.tokenRequests()).toBe(1);
    expect(auth.stats()).toMatchObject({ hits: 1, misses: 1, requests: 1 });
  });

  it("never hands out a token within the expiry skew", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 30_001;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(server.tokenRequests()).toBe(1);
    time = first.expiresAt - 30_000;
    const second = await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
    expect(second.accessToken).toBe(server.issuedTokens[1]);
    expect(second.expiresAt).toBe((Math.floor(time / 1000) + 3600) * 1000);
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
  });

  it("never shares a token between credential sets that differ only in scope or resource", async () => {
    const server = await start();
    const store = createMemoryStore({ now });
    const plain = await authFor(server, { store }).getToken();
    const again = await authFor(server, { store }).getToken();
    expect(again.accessToken).toBe(plain.accessToken);
    expect(server.tokenRequests()).toBe(1);

    const scoped = await authFor(server, { store }, { scope: "ledger:read" }).getToken();
    const business = await authFor(server, { store }, { businessId: "biz_1" }).getToken();
    const other = await authFor(
      server,
      { store },
      { resource: ["https://api.getasset.com/other"] },
    ).getToken();
    expect(server.tokenRequests()).toBe(4);
    expect(new Set([plain, scoped, business, other].map((t) => t.accessToken)).size).toBe(4);
  });

  it("never shares a token between different client secrets", async () => {
    const server = await start();
    const store = createMemoryStore({ now });
    await authFor(server, { store }).getToken();
    const error = await rejectionOf(
      authFor(server, { store, retries: 0 }, { clientSecret: "another-secret" }).getToken(),
    );
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(server.tokenRequests()).toBe(2);
  });

  it("fetches a new token after invalidate() and on forceRefresh", async () => {
    const server = await start();
    const auth = authFor(server);
    await auth.getToken();
    await auth.invalidate();
    const second = await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
    const third = await auth.getToken({ forceRefresh: true });
    expect(server.tokenRequests()).toBe(3);
    expect(server.issuedTokens).toEqual([
      expect.any(String),
      second.accessToken,
      third.accessToken,
    ]);
    expect(new Set(server.issuedTokens).size).toBe(3);
  });
});

describe("errors", () => {
  it("turns Asset's 401 {error, data} into a TokenRequestError", async () => {
    const server = await start();
    const error = await rejectionOf(
      authFor(server, { retries: 0 }, { clientSecret: "wrong-secret-value" }).getToken(),
    );
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(401);
    expect(failure.body).toEqual({ error: "invalid_client", data: null });
    expect(failure.message).toContain("invalid_client");
    expect(failure.vendor).toBe("Asset");
    expectNoSecrets(error, [...secretsOf(server), "wrong-secret-value"]);
  });

  it("turns FastAPI's 422 {detail} into a TokenRequestError naming the field", async () => {
    const server = await start();
    const scope = "ledger:read,invoice:create";
    const error = await rejectionOf(authFor(server, { retries: 0 }, { scope }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(422);
    expect(failure.body).toMatchObject({
      detail: [{ loc: ["body", "scope"], type: "value_error" }],
    });
    expect(failure.message).toContain("scope must be scope tokens separated by single spaces");
    // The vendor echoes the rejected input; it is a credential value, so it must not survive.
    expectNoSecrets(error, [...secretsOf(server), scope]);
  });

  it("turns other documented {error, data} failures into TokenRequestError", async () => {
    const server = await start();
    server.failNext({ status: 403, body: { error: "business_not_allowed", data: { id: 7 } } });
    const error = await rejectionOf(authFor(server, { retries: 0 }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(403);
    expect((error as TokenRequestError).body).toEqual({
      error: "business_not_allowed",
      data: { id: 7 },
    });
    expect((error as TokenRequestError).message).toContain("business_not_allowed");
  });

  it("turns the 429 of a real rate limit into a TokenRequestError with retryAfterMs", async () => {
    const server = await start({ rateLimitPerMinute: 1 });
    const auth = authFor(server, { retries: 0 });
    await auth.getToken();
    const error = await rejectionOf(auth.getToken({ forceRefresh: true }));
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(429);
    expect(failure.body).toEqual({ error: "rate_limit_exceeded", data: null });
    // x-ratelimit-reset is the end of the current one-minute window, in unix seconds.
    expect(failure.retryAfterMs).toBe((Math.floor(T0_SECONDS / 60) * 60 + 60) * 1000 - T0);
  });

  it("turns a 2xx without a token into a TokenResponseError", async () => {
    const server = await start();
    server.failNext({ status: 200, body: { token_type: "Bearer", expires_in: 3600 } });
    const error = await rejectionOf(authFor(server).getToken());
    expect(error).toBeInstanceOf(TokenResponseError);
    expect((error as TokenResponseError).status).toBe(200);
  });

  it("reports a dropped connection or a closed server without status, with a cause", async () => {
    const server = await start();
    server.failNext("drop");
    const dropped = await rejectionOf(authFor(server, { retries: 0 }).getToken());
    expect(dropped).toBeInstanceOf(TokenRequestError);
    expect((dropped as TokenRequestError).status).toBeUndefined();
    expect((dropped as TokenRequestError).cause).toBeDefined();
    await server.close();
    const closed = await rejectionOf(authFor(server, { retries: 0 }).getToken());
    expect(closed).toBeInstanceOf(TokenRequestError);
    expect((closed as TokenRequestError).status).toBeUndefined();
    expect((closed as TokenRequestError).cause).toBeInstanceOf(Error);
  });
});

describe("secrets", () => {
  it("appear in no error, cause or event of any failure", async () => {
    const server = await start();
    const events: TokenEvent[] = [];
    const onEvent = (event: TokenEvent): void => void events.push(event);
    const extra = { businessId: "biz_secretive", scope: "ledger:read" };
    const auth = authFor(server, { retries: 0, onEvent }, extra);
    await auth.getToken();
    const secrets = (): string[] => [...secretsOf(server), ...Object.values(extra)];
    const failures: Array<[string, () => void]> = [
      [
        "401",
        () => server.failNext({ status: 401, body: { error: "invalid_client", data: null } }),
      ],
      [
        "422",
        () =>
          server.failNext({
            status: 422,
            body: { detail: [{ loc: ["body"], msg: "x", type: "y" }] },
          }),
      ],
      ["503", () => server.failNext({ status: 503, body: { error: "maintenance", data: null } })],
      ["no token", () => server.failNext({ status: 200, body: { token_type: "Bearer" } })],
      ["drop", () => server.failNext("drop")],
    ];
    for (const [label, script] of failures) {
      script();
      const error = await rejectionOf(auth.getToken({ forceRefresh: true }));
      expect(error, label).toBeInstanceOf(Error);
      expectNoSecrets(error, secrets(), label);
    }
    await server.close();
    expectNoSecrets(await rejectionOf(auth.getToken({ forceRefresh: true })), secrets());
    expect(events.filter((event) => event.type === "refresh-error")).toHaveLength(6);
    expectNoSecrets(events, secrets(), "events");
  });

  it("are hidden from util.inspect of the provider and the token", async () => {
    const server = await start();
    const auth = authFor(server);
    const token = await auth.getToken();
    expectNoSecrets(inspect(auth, { depth: 10 }), secretsOf(server), "provider");
    expectNoSecrets(inspect(token, { depth: 10 }), secretsOf(server), "token");
  });
});

describe("configuration", () => {
  const create = (options: unknown) => () => createAssetAuth(options as AssetAuthOptions);
  const credentials = { clientId: "client_abc", clientSecret: "s3cr3t-value" };
  const cases: Array<[string, unknown, string]> = [
    ["a missing clientSecret", { credentials: { clientId: "a" } }, "credentials.clientSecret"],
    [
      "a missing clientId",
      { credentials: { clientSecret: "s3cr3t-value" } },
      "credentials.clientId",
    ],
    [
      "an unknown credential",
      { credentials: { ...credentials, grantType: "x" } },
      "credentials.grantType",
    ],
    [
      "a resource that is not a list",
      { credentials: { ...credentials, resource: "https://a" } },
      "credentials.resource",
    ],
    [
      "an expiresIn that is not a number",
      { credentials: { ...credentials, expiresIn: "60" } },
      "credentials.expiresIn",
    ],
    ["an unknown server", { credentials, server: "staging" }, "server"],
    ["plain http to a remote host", { credentials, baseUrl: "http://api.getasset.com" }, "baseUrl"],
    ["a negative timeoutMs", { credentials, timeoutMs: -1 }, "timeoutMs"],
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
});

describe("authorization header and middleware", () => {
  it("getAuthorizationHeader() is `Bearer <token>`", async () => {
    const server = await start();
    const header = await authFor(server).getAuthorizationHeader();
    expect(header).toBe(`Bearer ${server.issuedTokens[0]}`);
  });

  it("createAssetClient + middleware() sends the header", async () => {
    const server = await start();
    const auth = authFor(server);
    const client = createAssetClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    // The spec has only the token operation; any path of the fake records the header.
    const { response } = await client.GET("/v0/ledger/accounts" as never);
    expect(response.status).toBe(404);
    const call = server.requests.find((request) => request.path === "/v0/ledger/accounts");
    expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
  });

  it("provider.fetch sends the header", async () => {
    const server = await start();
    const auth = authFor(server);
    await auth.fetch(`${server.origin}/v0/businesses`);
    const call = server.requests.find((request) => request.path === "/v0/businesses");
    expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
  });
});

describe("servers", () => {
  it("has the spec's servers, sandbox first", () => {
    expect(servers).toEqual({
      sandbox: "https://api.sandbox.getasset.com",
      production: "https://api.getasset.com",
    });
    expect(Object.keys(servers)).toEqual(["sandbox", "production"]);
  });

  it("defaults to sandbox, selects production by name, and lets baseUrl override", async () => {
    const urls: string[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      urls.push(new Request(input, init).url);
      return Response.json({ access_token: "t", token_type: "Bearer" });
    };
    const credentials = { clientId: "client", clientSecret: "secret" };
    await createAssetAuth({ credentials, fetch, now }).getToken();
    await createAssetAuth({ credentials, fetch, now, server: "production" }).getToken();
    await createAssetAuth({
      credentials,
      fetch,
      now,
      server: "production",
      baseUrl: "https://asset.internal.example/proxy",
    }).getToken();
    expect(urls).toEqual([
      "https://api.sandbox.getasset.com/v0/auth/token",
      "https://api.getasset.com/v0/auth/token",
      "https://asset.internal.example/proxy/v0/auth/token",
    ]);
  });
});
