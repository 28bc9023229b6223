import { inspect } from "node:util";
import {
  ConfigurationError,
  createMemoryStore,
  TokenRequestError,
  TokenResponseError,
  type TokenEvent,
} from "@tokenyard/auth-core";
import {
  signJwt,
  startKlearStack,
  type FakeKlearStack,
  type KlearStackOptions,
} from "@tokenyard/fake-vendors";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createKlearStackAuth,
  createKlearStackClient,
  servers,
  type KlearStackAuthOptions,
} from "../src/index.js";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";

const T0 = 1_760_000_000_123;
const T0_SECONDS = Math.floor(T0 / 1000);
let time = T0;
const now = (): number => time;

const LOGIN_PATH = "/access/klearstack/get_access_token";
const REFRESH_PATH = "/access/klearstack/getaccesstokenfromrefreshtoken";

const running: FakeKlearStack[] = [];
async function start(options: KlearStackOptions = {}): Promise<FakeKlearStack> {
  const server = await startKlearStack({ now, ...options });
  running.push(server);
  return server;
}

function authFor(server: FakeKlearStack, options: Partial<KlearStackAuthOptions> = {}) {
  return createKlearStackAuth({
    credentials: server.credentials,
    baseUrl: server.baseUrl,
    now,
    ...options,
  });
}

function secretsOf(server: FakeKlearStack): string[] {
  const { username, password, companyName } = server.credentials;
  return [username, password, companyName, ...server.issuedTokens, ...server.issuedRefreshTokens];
}

beforeEach(() => {
  time = T0;
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

describe("token response", () => {
  it("takes the expiry from the access token's JWT exp and keeps the refresh token", async () => {
    const server = await start();
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe((T0_SECONDS + 900) * 1000);
    expect(token.obtainedAt).toBe(T0);
    expect(token.tokenType).toBe("Bearer");
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(token.refreshToken).toBe(server.issuedRefreshTokens[0]);
    expect(token.refreshTokenExpiresAt).toBe((T0_SECONDS + 86_400) * 1000);
    expect(token.raw).toEqual({
      access_token: server.issuedTokens[0],
      refresh_token: server.issuedRefreshTokens[0],
      release_version: "7.8.9",
    });
  });

  it("follows the JWT's own lifetimes, not a fixed 15 minutes", async () => {
    const server = await start({ lifetimeSeconds: 120, refreshLifetimeSeconds: 7200 });
    const token = await authFor(server).getToken();
    expect(token.expiresAt).toBe((T0_SECONDS + 120) * 1000);
    expect(token.refreshTokenExpiresAt).toBe((T0_SECONDS + 7200) * 1000);
  });

  it("rejects an access token whose exp has already passed", async () => {
    const server = await start();
    const claims = { token_type: "access", iat: T0_SECONDS - 900, exp: T0_SECONDS - 1, jti: "x" };
    server.failNext({
      status: 200,
      body: { access_token: signJwt(claims, "k"), refresh_token: "r", release_version: "1" },
    });
    expect(await rejectionOf(authFor(server).getToken())).toBeInstanceOf(TokenResponseError);
  });
});

describe("request on the wire", () => {
  it("logs in with multipart/form-data username, password and company_name", async () => {
    const server = await start();
    await authFor(server).getToken();
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe(LOGIN_PATH);
    expect(request?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.body).toEqual({
      username: server.credentials.username,
      password: server.credentials.password,
      company_name: server.credentials.companyName,
    });
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
    expect(server.refreshRequests()).toBe(0);
    expect(auth.stats()).toMatchObject({ hits: 1, misses: 1, requests: 1 });
  });

  it("never hands out a token within the expiry skew", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 30_001;
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(server.tokenRequests() + server.refreshRequests()).toBe(1);
    time = first.expiresAt - 30_000;
    const second = await auth.getToken();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(server.tokenRequests() + server.refreshRequests()).toBe(2);
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

  it("makes one refresh for 1,000 concurrent callers", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 10_000;
    server.setDelay(20);
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => auth.getToken()));
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(new Set(tokens.map((token) => token.accessToken))).toEqual(
      new Set([server.issuedTokens[1]]),
    );
  });

  it("never shares a token between different credentials, even in one store", async () => {
    const server = await start();
    const store = createMemoryStore({ now });
    const token = await authFor(server, { store }).getToken();
    expect((await authFor(server, { store }).getToken()).accessToken).toBe(token.accessToken);
    const other = authFor(server, {
      store,
      retries: 0,
      credentials: { ...server.credentials, companyName: "another-company" },
    });
    expect(await rejectionOf(other.getToken())).toBeInstanceOf(TokenRequestError);
    expect(server.tokenRequests()).toBe(2);
  });

  it("logs in again after invalidate() and on forceRefresh", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    await auth.invalidate();
    const second = await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
    expect(second.accessToken).not.toBe(first.accessToken);
    const third = await auth.getToken({ forceRefresh: true });
    expect(server.tokenRequests() + server.refreshRequests()).toBe(3);
    expect(third.accessToken).not.toBe(second.accessToken);
    expect((await auth.getToken()).accessToken).toBe(third.accessToken);
  });
});

describe("refresh", () => {
  it("near expiry, uses the refresh operation with the current token as bearer", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 10_000;
    const refreshed = await auth.getToken();
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(refreshed.accessToken).toBe(server.issuedTokens[1]);
    expect(refreshed.expiresAt).toBe((Math.floor(time / 1000) + 900) * 1000);
    expect(refreshed.obtainedAt).toBe(time);
    // The refresh response has no refresh token: the login's one is kept.
    expect(refreshed.refreshToken).toBe(first.refreshToken);
    expect(refreshed.refreshTokenExpiresAt).toBe(first.refreshTokenExpiresAt);
    expect(refreshed.raw).toEqual({
      access_token: server.issuedTokens[1],
      release_version: "7.8.9",
    });

    const request = server.requests.find((r) => r.path === REFRESH_PATH);
    expect(request?.method).toBe("POST");
    expect(request?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.headers["authorization"]).toBe(`Bearer ${first.accessToken}`);
    expect(request?.body).toEqual({
      refresh_token: first.refreshToken,
      company_name: server.credentials.companyName,
    });
    expect(request?.status).toBe(200);

    // The refreshed token is cached, and can itself be refreshed later.
    expect((await auth.getToken()).accessToken).toBe(refreshed.accessToken);
    time = refreshed.expiresAt - 10_000;
    await auth.getToken();
    expect(server.refreshRequests()).toBe(2);
    expect(server.tokenRequests()).toBe(1);
  });

  it("logs in again once the access token has expired", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt;
    const next = await auth.getToken();
    expect(server.refreshRequests()).toBe(0);
    expect(server.tokenRequests()).toBe(2);
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(next.refreshToken).toBe(server.issuedRefreshTokens[1]);
  });

  it("logs in again when the refresh token has expired", async () => {
    const server = await start({ refreshLifetimeSeconds: 60 });
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 10_000;
    await auth.getToken();
    expect(server.refreshRequests()).toBe(0);
    expect(server.tokenRequests()).toBe(2);
  });

  it("falls back to a login when the refresh is refused", async () => {
    const server = await start();
    const auth = authFor(server, { retries: 0 });
    const first = await auth.getToken();
    time = first.expiresAt - 10_000;
    server.failNext({ status: 401, body: { error: "refresh token has been revoked" } });
    const next = await auth.getToken();
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(2);
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(next.refreshToken).toBe(server.issuedRefreshTokens[1]);
  });

  // DESIGN.md: inside the refresh window (default min(5 min, lifetime/3)) a caller gets the
  // still-valid token at once and one background refresh starts.
  it("inside the refresh window serves the cached token and refreshes in the background", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    time = first.expiresAt - 120_000; // inside the 5 min window, far outside the 30 s skew
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(server.refreshRequests()).toBe(1), { timeout: 300 });
    expect((await auth.getToken()).accessToken).toBe(server.issuedTokens[1]);
  });
});

describe("errors", () => {
  it("turns the 401 {error} into a TokenRequestError with the vendor's message", async () => {
    const server = await start();
    const auth = authFor(server, {
      retries: 0,
      credentials: { ...server.credentials, password: "wrong-password-value" },
    });
    const error = await rejectionOf(auth.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    const failure = error as TokenRequestError;
    expect(failure.status).toBe(401);
    expect(failure.body).toEqual({ error: "Incorrect username or password." });
    expect(failure.message).toContain("Incorrect username or password.");
    expect(failure.vendor).toBe("KlearStack");
    expectNoSecrets(error, [...secretsOf(server), "wrong-password-value"]);
  });

  it("turns the documented text/plain 500 into a TokenRequestError with the text as body", async () => {
    const server = await start();
    const text =
      'One or Many Required parameters from username must be missing, E.g error "username"';
    server.failNext({ status: 500, body: text });
    const error = await rejectionOf(authFor(server, { retries: 0 }).getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(500);
    expect((error as TokenRequestError).body).toBe(text);
    expect((error as TokenRequestError).message).toContain(text);
  });

  it("turns a 2xx without an access token into a TokenResponseError", async () => {
    const server = await start();
    server.failNext({ status: 200, body: { refresh_token: "r", release_version: "7.8.9" } });
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
  it("appear in no error, cause or event of any login or refresh failure", async () => {
    const server = await start();
    const events: TokenEvent[] = [];
    const auth = authFor(server, { retries: 0, onEvent: (event) => void events.push(event) });
    await auth.getToken();
    const failures: Array<[string, () => void]> = [
      [
        "401",
        () => server.failNext({ status: 401, body: { error: "Incorrect username or password." } }),
      ],
      ["500", () => server.failNext({ status: 500, body: "Internal Server Error" })],
      ["no token", () => server.failNext({ status: 200, body: { release_version: "1" } })],
      ["drop", () => server.failNext("drop")],
    ];
    for (const [label, script] of failures) {
      // Without a cached token there is nothing to refresh: this is a login.
      await auth.invalidate();
      script();
      const error = await rejectionOf(auth.getToken());
      expect(error, label).toBeInstanceOf(Error);
      expectNoSecrets(error, secretsOf(server), label);
    }
    // A refused refresh, then a refused login: the caller sees the login's error.
    const token = await auth.getToken();
    time = token.expiresAt - 10_000;
    server.failNext(
      { status: 401, body: { error: "access token has expired" } },
      { status: 401, body: { error: "Incorrect username or password." } },
    );
    const both = await rejectionOf(auth.getToken());
    expect(both).toBeInstanceOf(TokenRequestError);
    expect(server.refreshRequests()).toBe(1);
    expectNoSecrets(both, secretsOf(server), "refresh then login");
    await server.close();
    expectNoSecrets(await rejectionOf(auth.getToken({ forceRefresh: true })), secretsOf(server));
    // 4 logins, a refresh and a login, then (server closed) a refresh and a login.
    expect(events.filter((event) => event.type === "refresh-error")).toHaveLength(8);
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
  const create = (options: unknown) => () => createKlearStackAuth(options as KlearStackAuthOptions);
  const credentials = { username: "u@example.test", password: "s3cr3t-value", companyName: "acme" };
  const baseUrl = "https://klearstack.example.com";
  const cases: Array<[string, unknown, string]> = [
    [
      "a missing password",
      { baseUrl, credentials: { username: "u", companyName: "c" } },
      "credentials.password",
    ],
    [
      "a missing companyName",
      { baseUrl, credentials: { username: "u", password: "p" } },
      "credentials.companyName",
    ],
    [
      "an unknown credential",
      { baseUrl, credentials: { ...credentials, userId: "26" } },
      "credentials.userId",
    ],
    ["no baseUrl", { credentials }, "baseUrl"],
    ["an unknown server", { credentials, server: "production" }, "server"],
    [
      "plain http to a remote host",
      { credentials, baseUrl: "http://klearstack.example.com" },
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

  it("createKlearStackClient + middleware() authenticates a call the vendor checks", async () => {
    const server = await start();
    const auth = authFor(server);
    const { refreshToken } = await auth.getToken();
    const client = createKlearStackClient({ baseUrl: server.baseUrl });
    client.use(auth.middleware());
    // The refresh endpoint verifies the bearer token's signature and expiry: a real check.
    const { data, response } = await client.POST(REFRESH_PATH, {
      body: { refresh_token: refreshToken ?? "", company_name: server.credentials.companyName },
      bodySerializer: (body) => {
        const form = new FormData();
        for (const [name, value] of Object.entries(body)) form.append(name, value);
        return form;
      },
    });
    expect(response.status).toBe(200);
    expect(data?.access_token).toBe(server.issuedTokens[1]);
    const call = server.requests.at(-1);
    expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
  });

  it("provider.fetch sends the header", async () => {
    const server = await start();
    const auth = authFor(server);
    await auth.fetch(`${server.baseUrl}/access/klearstack/getuserid`);
    const call = server.requests.find((r) => r.path === "/access/klearstack/getuserid");
    expect(call?.headers["authorization"]).toBe(`Bearer ${server.issuedTokens[0]}`);
  });
});

describe("servers", () => {
  it("lists the spec's staging server", () => {
    expect(servers).toEqual({ staging: "https://staging.klearstackapp.com" });
  });

  it("puts the operation path after baseUrl exactly, base path included", async () => {
    const urls: string[] = [];
    const accessToken = signJwt({ token_type: "access", exp: T0_SECONDS + 900 }, "k");
    const auth = createKlearStackAuth({
      credentials: { username: "u", password: "p", companyName: "c" },
      baseUrl: "https://klearstack.example.com/tenant-a/",
      now,
      fetch: async (input, init) => {
        urls.push(new Request(input, init).url);
        return Response.json({
          access_token: accessToken,
          refresh_token: "r",
          release_version: "1",
        });
      },
    });
    expect((await auth.getToken()).expiresAt).toBe((T0_SECONDS + 900) * 1000);
    expect(urls).toEqual([`https://klearstack.example.com/tenant-a${LOGIN_PATH}`]);
  });
});
