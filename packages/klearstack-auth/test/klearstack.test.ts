// KlearStack's own behaviour: JWT expiries, multipart login and refresh, the refresh token's
// rules, its text/plain errors, and its lack of a server. What every vendor shares runs from the
// conformance suite.
import {
  describeCaching,
  describeConfiguration,
  describeErrorsAndSecrets,
  T0,
  T0_SECONDS,
  useVendorHarness,
  type ObservedEvent,
  servedUnder,
} from "@tokenyard/fake-vendors/conformance";
import { signJwt } from "@tokenyard/fake-vendors";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { TokenRequestError, TokenResponseError } from "@tokenyard/auth-core";
import { describe, expect, it } from "vitest";
import { createKlearStackClient, servers } from "../src/index.js";
import { klearStack, LOGIN_PATH, REFRESH_PATH } from "./klearstack-vendor.js";

describeCaching(klearStack);
describeErrorsAndSecrets(klearStack);
// The spec names no usable host.
describeConfiguration(klearStack, [
  ["no baseUrl", { credentials: klearStack.validOptions.credentials }, "baseUrl"],
]);

const { clock, start, authFor, secretsOf } = useVendorHarness(klearStack);

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
  it("makes one refresh for 1,000 concurrent callers", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    server.setDelay(20);
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => auth.getToken()));
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(new Set(tokens.map((token) => token.accessToken))).toEqual(
      new Set([server.issuedTokens[1]]),
    );
  });
});

describe("refresh", () => {
  it("near expiry, uses the refresh operation with the current token as bearer", async () => {
    const server = await start();
    const auth = authFor(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    const refreshed = await auth.getToken();
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(1);
    expect(refreshed.accessToken).toBe(server.issuedTokens[1]);
    expect(refreshed.expiresAt).toBe((Math.floor(clock.now() / 1000) + 900) * 1000);
    expect(refreshed.obtainedAt).toBe(clock.now());
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
    clock.set(refreshed.expiresAt - 10_000);
    await auth.getToken();
    expect(server.refreshRequests()).toBe(2);
    expect(server.tokenRequests()).toBe(1);
  });

  it("logs in again when the refresh token has expired", async () => {
    const server = await start({ refreshLifetimeSeconds: 60 });
    const auth = authFor(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    await auth.getToken();
    expect(server.refreshRequests()).toBe(0);
    expect(server.tokenRequests()).toBe(2);
  });

  it("falls back to a login when the refresh is refused", async () => {
    const server = await start();
    const auth = authFor(server, { retries: 0 });
    const first = await auth.getToken();
    clock.set(first.expiresAt - 10_000);
    server.failNext({ status: 401, body: { error: "refresh token has been revoked" } });
    const next = await auth.getToken();
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(2);
    expect(next.accessToken).toBe(server.issuedTokens[1]);
    expect(next.refreshToken).toBe(server.issuedRefreshTokens[1]);
  });
});

describe("errors", () => {
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
});

describe("secrets", () => {
  it("appear in no error or event of a refused refresh followed by a refused login", async () => {
    const server = await start();
    const events: ObservedEvent[] = [];
    const auth = authFor(server, { retries: 0, onEvent: (event) => void events.push(event) });
    const token = await auth.getToken();
    clock.set(token.expiresAt - 10_000);
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
    // A refresh and a login, then (server closed) a refresh and a login.
    expect(events.filter((event) => event.type === "refresh-error")).toHaveLength(4);
    expectNoSecrets(events, secretsOf(server), "events");
  });
});

describe("authorization header and middleware", () => {
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
});

describe("servers", () => {
  it("lists the spec's staging server", () => {
    expect(servers).toEqual({ staging: "https://staging.klearstackapp.com" });
  });

  it("puts the operation path after baseUrl exactly, base path included", async () => {
    const server = await start();
    const tenant = await servedUnder("/tenant-a", server.origin);
    const auth = authFor(server, { baseUrl: `${tenant.url}/` });
    const first = await auth.getToken();
    expect(first.accessToken).toBe(server.issuedTokens[0]);
    expect(first.expiresAt).toBe((T0_SECONDS + 900) * 1000);
    clock.set(first.expiresAt - 10_000);
    expect((await auth.getToken()).accessToken).toBe(server.issuedTokens[1]);
    expect(tenant.paths).toEqual([`/tenant-a${LOGIN_PATH}`, `/tenant-a${REFRESH_PATH}`]);
    expect(server.requests.map((r) => [r.path, r.status])).toEqual([
      [LOGIN_PATH, 200],
      [REFRESH_PATH, 200],
    ]);
  });
});
