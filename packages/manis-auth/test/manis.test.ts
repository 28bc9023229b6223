import { inspect } from "node:util";
import {
  ConfigurationError,
  createMemoryStore,
  TokenRequestError,
  TokenResponseError,
  type TokenEvent,
} from "@tokenyard/auth-core";
import { startManis, type FakeVendor, type ManisOptions } from "@tokenyard/fake-vendors";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createManisAuth,
  createManisClient,
  servers,
  type ManisAuthOptions,
} from "../src/index.js";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";

type FakeManis = FakeVendor<{ merchantId: string; secret: string }>;

const T0 = 1_760_000_000_123;
const T0_SECONDS = Math.floor(T0 / 1000);
let time = T0;
const now = (): number => time;

const TOKEN_PATH = "/api/v1/auth/token";

const running: FakeManis[] = [];
async function start(options: ManisOptions = {}): Promise<FakeManis> {
  const server = await startManis({ now, ...options });
  running.push(server);
  return server;
}

function authFor(server: FakeManis, options: Partial<ManisAuthOptions> = {}) {
  return createManisAuth({
    credentials: server.credentials,
    baseUrl: server.baseUrl,
    now,
    ...options,
  });
}

function secretsOf(server: FakeManis): string[] {
  return [server.credentials.merchantId, server.credentials.secret, ...server.issuedTokens];
}

beforeEach(() => {
  time = T0;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe("token response", () => {
  it("reads expiresAt in epoch milliseconds", async () => {
    const server = await start({ expiresAtUnit: "ms" });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe(T0 + 3_600_000);
    expect(token.obtainedAt).toBe(T0);
    expect(token.tokenType).toBe("Bearer");
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(token.raw).toEqual({
      token: server.issuedTokens[0],
      tokenType: "Bearer",
      expiresAt: T0 + 3_600_000,
    });
    expect(token.refreshToken).toBeUndefined();
  });

  it("reads expiresAt in epoch seconds", async () => {
    const server = await start({ expiresAtUnit: "s", lifetimeSeconds: 600 });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe((T0_SECONDS + 600) * 1000);
    expect(token.obtainedAt).toBe(T0);
    expect(token.raw).toEqual({
      token: server.issuedTokens[0],
      tokenType: "Bearer",
      expiresAt: T0_SECONDS + 600,
    });
  });

  it("keeps the vendor's tokenType and sends any casing of bearer as `Bearer`", async () => {
    const server = await start();
    server.failNext({
      status: 200,
      body: { token: "mnt_scripted", tokenType: "BEARER", expiresAt: T0 + 60_000 },
    });
    const auth = authFor(server);
    expect((await auth.getToken()).tokenType).toBe("BEARER");
    expect(await auth.getAuthorizationHeader()).toBe("Bearer mnt_scripted");
  });

  it("rejects a token whose expiresAt has already passed", async () => {
    const server = await start();
    server.failNext({
      status: 200,
      body: { token: "mnt_stale", tokenType: "Bearer", expiresAt: T0 - 1 },
    });
    expect(await rejectionOf(authFor(server).getToken())).toBeInstanceOf(TokenResponseError);
  });
});

describe("request on the wire", () => {
  it("posts the two headers and no body", async () => {
    const server = await start();
    await authFor(server).getToken();
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(TOKEN_PATH);
    expect(request?.headers["x-merchant-id"]).toBe(server.credentials.merchantId);
    expect(request?.headers["x-secret"]).toBe(server.credentials.secret);
    expect(request?.rawBody).toBe("");
    expect(request?.body).toBeNull();
    expect(request?.contentType).toBeNull();
    expect(request?.headers["authorization"]).toBeUndefined();
    expect(request?.status).toBe(200);
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
    expect(second.expiresAt).toBe(time + 3_600_000);
  });

  it("honours an explicit expirySkewMs", async () => {
    const server = await start();
    const auth = authFor(server, { expirySkewMs: 120_000 });
    const first = await auth.getToken();
    time = first.expiresAt - 120_001;
    await auth.getToken();
    expect(server.tokenRequests()).toBe(1);
    time = first.expiresAt - 120_000;
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
  });

  it("never shares a token between different credentials, even in one store", async () => {
    const server = await start();
    const store = createMemoryStore({ now });
    const token = await authFor(server, { store }).getToken();
    expect((await authFor(server, { store }).getToken()).accessToken).toBe(token.accessToken);
    expect(server.tokenRequests()).toBe(1);
    const other = authFor(server, {
      store,
      retries: 0,
      credentials: { ...server.credentials, merchantId: "merchant-other" },
    });
    expect(await rejectionOf(other.getToken())).toBeInstanceOf(TokenRequestError);
    expect(server.tokenRequests()).toBe(2);
  });

  it("fetches a new token after invalidate() and on forceRefresh", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    await auth.invalidate();
    const second = await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
    expect(second.accessToken).not.toBe(first.accessToken);
    const third = await auth.getToken({ forceRefresh: true });
    expect(server.tokenRequests()).toBe(3);
    expect(third.accessToken).toBe(server.issuedTokens[2]);
    expect((await auth.getToken()).accessToken).toBe(third.accessToken);
  });
});

describe("errors", () => {
  it("turns the {message, timestamp} 401 into a TokenRequestError", async () => {
    const server = await start({ errorShape: "message" });
    const auth = authFor(server, {
      retries: 0,
      credentials: { ...server.credentials, secret: "wrong-secret-value" },
    });
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(401);
    expect(failure.body).toEqual({
      message: "Invalid merchant id or secret",
      timestamp: new Date(T0).toISOString(),
    });
    expect(failure.message).toContain("Invalid merchant id or secret");
    expect(failure.vendor).toBe("Manis");
    expectNoSecrets(error, [...secretsOf(server), "wrong-secret-value"]);
  });

  it("turns a problem-details 401 into a TokenRequestError", async () => {
    const server = await start({ errorShape: "problem" });
    const auth = authFor(server, {
      retries: 0,
      credentials: { ...server.credentials, secret: "wrong-secret-value" },
    });
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(401);
    expect(failure.body).toEqual({
      timestamp: new Date(T0).toISOString(),
      title: "Unauthorized",
      type: "about:blank",
      status: 401,
      soaCode: "AUTH-401",
      detail: "Invalid merchant id or secret",
    });
    expect(failure.message).toContain("Invalid merchant id or secret");
    expectNoSecrets(error, [...secretsOf(server), "wrong-secret-value"]);
  });

  it("turns a 2xx without a token into a TokenResponseError", async () => {
    const server = await start();
    server.failNext({ status: 200, body: { tokenType: "Bearer", expiresAt: T0 + 60_000 } });
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
    const auth = authFor(server, { retries: 0, onEvent: (event) => void events.push(event) });
    await auth.getToken();
    const timestamp = new Date(T0).toISOString();
    const failures: Array<[string, () => void]> = [
      ["401", () => server.failNext({ status: 401, body: { message: "Unauthorized", timestamp } })],
      ["400", () => server.failNext({ status: 400, body: { title: "Bad Request", status: 400 } })],
      ["502", () => server.failNext({ status: 502, body: "Bad Gateway" })],
      ["no token", () => server.failNext({ status: 200, body: { tokenType: "Bearer" } })],
      ["drop", () => server.failNext("drop")],
    ];
    for (const [label, script] of failures) {
      script();
      const error = await rejectionOf(auth.getToken({ forceRefresh: true }));
      expect(error, label).toBeInstanceOf(Error);
      expectNoSecrets(error, secretsOf(server), label);
    }
    await server.close();
    expectNoSecrets(await rejectionOf(auth.getToken({ forceRefresh: true })), secretsOf(server));
    expect(events.filter((event) => event.type === "refresh-error")).toHaveLength(6);
    expectNoSecrets(events, secretsOf(server), "events");
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
  const create = (options: unknown) => () => createManisAuth(options as ManisAuthOptions);
  const credentials = { merchantId: "merchant-1", secret: "s3cr3t-value" };
  const baseUrl = "https://manis.example.com";
  const cases: Array<[string, unknown, string]> = [
    ["a missing secret", { baseUrl, credentials: { merchantId: "m" } }, "credentials.secret"],
    [
      "a missing merchantId",
      { baseUrl, credentials: { secret: "s3cr3t-value" } },
      "credentials.merchantId",
    ],
    [
      "a header name as credential",
      { baseUrl, credentials: { ...credentials, "x-secret": "s" } },
      "credentials.x-secret",
    ],
    ["no baseUrl", { credentials }, "baseUrl"],
    ["an unknown server", { credentials, server: "production" }, "server"],
    [
      "plain http to a remote host",
      { credentials, baseUrl: "http://manis.example.com" },
      "baseUrl",
    ],
    ["a negative timeoutMs", { credentials, baseUrl, timeoutMs: -1 }, "timeoutMs"],
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

  it("createManisClient + middleware() sends the header", async () => {
    const server = await start();
    const auth = authFor(server);
    const client = createManisClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    // The spec has only the token operation; any path of the fake records the header.
    const { response } = await client.GET("/api/v1/payments" as never);
    expect(response.status).toBe(404);
    const call = server.requests.find((request) => request.path === "/api/v1/payments");
    expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
    // The app's calls carry the token only, never the credential headers.
    expect(call?.headers["x-secret"]).toBeUndefined();
  });

  it("provider.fetch sends the header", async () => {
    const server = await start();
    const auth = authFor(server);
    await auth.fetch(`${server.baseUrl}/api/v1/orders`);
    const call = server.requests.find((request) => request.path === "/api/v1/orders");
    expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
  });
});

describe("servers", () => {
  it("has none: the spec publishes no usable host", () => {
    expect(servers).toEqual({});
  });

  it("puts the operation path after baseUrl exactly, base path included", async () => {
    const urls: string[] = [];
    const auth = createManisAuth({
      credentials: { merchantId: "m", secret: "s" },
      baseUrl: "https://gateway.example.com/manis",
      now,
      fetch: async (input, init) => {
        urls.push(new Request(input, init).url);
        return Response.json({ token: "t", tokenType: "Bearer", expiresAt: T0 + 60_000 });
      },
    });
    await auth.getToken();
    expect(urls).toEqual([`https://gateway.example.com/manis${TOKEN_PATH}`]);
  });
});
