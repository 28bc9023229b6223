/**
 * The sandbox against the real client: tokens obtained through createTokenProvider over HTTP,
 * with the expiry, refresh and error behaviour each binding promises.
 */
import { afterEach, describe, expect, it } from "vitest";
import { TokenRequestError, TokenResponseError } from "../errors.js";
import { decodeJwtClaims } from "../jwt.js";
import { createTokenProvider } from "../provider.js";
import {
  formVendor,
  headerVendor,
  jsonVendor,
  multipartVendor,
  testClock,
  withExpiry,
} from "./bindings.test-helper.js";
import type { SandboxBinding } from "./sandbox-binding.js";
import { startSandbox, type Sandbox, type SandboxOptions } from "./index.js";

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

async function setup(
  binding: SandboxBinding,
  options: SandboxOptions & { client?: object } = {},
): Promise<{
  sandbox: Sandbox;
  provider: ReturnType<typeof createTokenProvider<Record<string, unknown>>>;
  clock: ReturnType<typeof testClock>;
}> {
  const clock = testClock();
  const sandbox = await startSandbox(binding, { now: clock.now, ...options });
  open.push(sandbox);
  const provider = createTokenProvider<Record<string, unknown>>(binding.auth, {
    credentials: sandbox.credentials,
    baseUrl: sandbox.baseUrl,
    now: clock.now,
    retries: 0,
    sleep: async () => undefined,
    ...options.client,
  });
  return { sandbox, provider, clock };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

describe("expiry encodings reach the client as the right expiresAt", () => {
  it("JSON vendor: relative expires_in wins, epoch-seconds expires_at agrees", async () => {
    const { sandbox, provider, clock } = await setup(jsonVendor);
    const token = await provider.getToken();
    expect(token.expiresAt).toBe(clock.now() + 3_600_000);
    expect(token.tokenType).toBe("Bearer");
    expect(token.raw).toEqual({
      access_token: token.accessToken,
      token_type: "Bearer",
      expires_in: 3600,
      expires_at: clock.now() / 1000 + 3600,
    });
    expect(sandbox.issuedTokens).toEqual([token.accessToken]);
    expect(sandbox.requests[0]).toMatchObject({
      operationId: "getAccessToken",
      method: "POST",
      path: "/api/v2/auth/token",
      contentType: "application/json",
      fields: { app_name: sandbox.credentials["appName"] },
      status: 200,
    });
  });

  it("JSON vendor: omit makes the client fall back to the absolute field, then the default", async () => {
    const first = await setup(jsonVendor, { omit: ["/expires_in"], lifetimeSeconds: 120 });
    expect((await first.provider.getToken()).expiresAt).toBe(first.clock.now() + 120_000);
    const second = await setup(jsonVendor, {
      omit: ["/expires_in", "/expires_at", "/token_type"],
      lifetimeSeconds: 120,
    });
    const token = await second.provider.getToken();
    expect(token.expiresAt).toBe(second.clock.now() + 3_600_000); // defaultLifetimeSeconds
    expect(token.raw).toEqual({ access_token: token.accessToken });
    expect(token.tokenType).toBe("Bearer"); // the binding's fallback
  });

  it.each([
    ["iso", (t: Record<string, unknown>, now: number) => new Date(now + 600_000).toISOString()],
    ["epoch-ms", (_: Record<string, unknown>, now: number) => now + 600_000],
  ] as const)("JSON vendor with an %s expiry", async (as, expected) => {
    const binding = withExpiry(jsonVendor, [{ from: "/expires_at", as }]);
    const { provider, clock } = await setup(binding, { lifetimeSeconds: 600 });
    const token = await provider.getToken();
    expect(token.expiresAt).toBe(clock.now() + 600_000);
    expect(token.raw["expires_at"]).toBe(expected(token.raw, clock.now()));
  });

  it("form vendor: auto is absolute epoch seconds by default, relative on request", async () => {
    const absolute = await setup(formVendor);
    const token = await absolute.provider.getToken();
    expect(token.raw["expires_in"]).toBe(absolute.clock.now() / 1000 + 3600);
    expect(token.expiresAt).toBe(absolute.clock.now() + 3_600_000);

    const relative = await setup(formVendor, { autoExpiry: "relative", lifetimeSeconds: 900 });
    const other = await relative.provider.getToken();
    expect(other.raw["expires_in"]).toBe(900);
    expect(other.expiresAt).toBe(relative.clock.now() + 900_000);
  });

  it("form vendor: honours the requested lifetime and records const and repeated fields", async () => {
    const { sandbox, provider, clock } = await setup(formVendor, {
      credentials: { expiresIn: 120, resource: ["https://a.example/", "https://b.example/"] },
    });
    const token = await provider.getToken();
    expect(token.expiresAt).toBe(clock.now() + 120_000);
    expect(sandbox.requests[0]!.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(sandbox.requests[0]!.fields).toEqual({
      client_id: sandbox.credentials["clientId"],
      client_secret: sandbox.credentials["clientSecret"],
      grant_type: "client_credentials",
      expires_in: "120",
      resource: ["https://a.example/", "https://b.example/"],
    });
  });

  it("header vendor: epoch-auto in milliseconds by default, seconds with epochUnit s", async () => {
    const ms = await setup(headerVendor);
    const token = await ms.provider.getToken();
    expect(token.raw["expiresAt"]).toBe(ms.clock.now() + 3_600_000);
    expect(token.expiresAt).toBe(ms.clock.now() + 3_600_000);
    expect(ms.sandbox.requests[0]).toMatchObject({ contentType: null, fields: null });
    expect(ms.sandbox.requests[0]!.headers["x-secret"]).toBe(ms.sandbox.credentials["secret"]);

    const s = await setup(headerVendor, { epochUnit: "s", lifetimeSeconds: 1800 });
    const other = await s.provider.getToken();
    expect(other.raw["expiresAt"]).toBe(s.clock.now() / 1000 + 1800);
    expect(other.expiresAt).toBe(s.clock.now() + 1_800_000);
  });

  it("multipart vendor: JWTs with real exp claims for both tokens", async () => {
    const { sandbox, provider, clock } = await setup(multipartVendor);
    const token = await provider.getToken();
    expect(token.expiresAt).toBe(clock.now() + 900_000);
    expect(token.refreshTokenExpiresAt).toBe(clock.now() + 86_400_000);
    expect(decodeJwtClaims(token.accessToken)).toMatchObject({
      sub: "sandbox-multico",
      token_type: "access",
      iat: clock.now() / 1000,
      exp: clock.now() / 1000 + 900,
    });
    expect(decodeJwtClaims(token.refreshToken)).toMatchObject({ token_type: "refresh" });
    expect(sandbox.issuedRefreshTokens).toEqual([token.refreshToken]);
    expect(sandbox.requests[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(token.raw).toEqual({
      access_token: token.accessToken,
      refresh_token: token.refreshToken,
      release_version: "7.8.9",
    });
  });

  it("setLifetime applies to the tokens issued next", async () => {
    const { sandbox, provider, clock } = await setup(jsonVendor);
    await provider.getToken();
    sandbox.setLifetime(60);
    expect((await provider.getToken({ forceRefresh: true })).expiresAt).toBe(clock.now() + 60_000);
  });
});

describe("refresh", () => {
  it("refreshes with the bearer and refresh token, answering a new access token only", async () => {
    const { sandbox, provider, clock } = await setup(multipartVendor);
    const first = await provider.getToken();
    clock.advance(60_000);
    const second = await provider.getToken({ forceRefresh: true });
    expect(sandbox.tokenRequests()).toBe(1);
    expect(sandbox.refreshRequests()).toBe(1);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).toBe(first.refreshToken);
    expect(second.expiresAt).toBe(clock.now() + 900_000);
    expect(second.raw).toEqual({ access_token: second.accessToken, release_version: "7.8.9" });
    const request = sandbox.requests[1]!;
    expect(request).toMatchObject({ operationId: "refresh", status: 200 });
    expect(request.headers["authorization"]).toBe(`Bearer ${first.accessToken}`);
    expect(request.fields).toEqual({
      refresh_token: first.refreshToken,
      company_name: sandbox.credentials["companyName"],
    });
    expect(sandbox.issuedTokens).toEqual([first.accessToken, second.accessToken]);
    expect(sandbox.issuedRefreshTokens).toHaveLength(1);
  });

  it("refuses a revoked bearer or refresh token, so the client logs in again", async () => {
    for (const which of ["access", "refresh"] as const) {
      const { sandbox, provider } = await setup(multipartVendor);
      const first = await provider.getToken();
      sandbox.revoke(which === "access" ? first.accessToken : first.refreshToken);
      await provider.getToken({ forceRefresh: true });
      expect(sandbox.refreshRequests()).toBe(1);
      expect(sandbox.requests[1]).toMatchObject({ status: 401 });
      expect(sandbox.tokenRequests()).toBe(2);
    }
  });

  it("refuses a refresh token signed by someone else, or used as an access token", async () => {
    const { sandbox, provider } = await setup(multipartVendor);
    const token = await provider.getToken();
    const form = new FormData();
    form.append("refresh_token", token.accessToken);
    form.append("company_name", String(sandbox.credentials["companyName"]));
    const asAccess = await fetch(`${sandbox.baseUrl}/access/refresh`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(asAccess.status).toBe(401);
    const forged = await startSandbox(multipartVendor, { credentials: sandbox.credentials });
    open.push(forged);
    const body = new FormData();
    body.append("refresh_token", String(token.refreshToken));
    body.append("company_name", String(sandbox.credentials["companyName"]));
    const elsewhere = await fetch(`${forged.baseUrl}/access/refresh`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(elsewhere.status).toBe(401);
    expect(await elsewhere.json()).toEqual(multipartVendor.errors.badCredentials.body);
  });
});

describe("faults reach the client as the errors it promises", () => {
  it("401 and 403 carry the spec's badCredentials body", async () => {
    const { sandbox, provider } = await setup(jsonVendor);
    sandbox.fail({ status: 401 }, { status: 403 });
    for (const status of [401, 403]) {
      const error = await rejection(provider.getToken());
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).toMatchObject({ status, body: jsonVendor.errors.badCredentials.body });
    }
    await expect(provider.getToken()).resolves.toMatchObject({ tokenType: "Bearer" });
    expect(sandbox.tokenRequests()).toBe(3);
  });

  it("a badRequest-status fault carries the spec's badRequest body, text included", async () => {
    const { sandbox, provider } = await setup(multipartVendor);
    sandbox.fail({ status: 500 });
    const error = await rejection(provider.getToken());
    expect(error).toMatchObject({ status: 500, body: multipartVendor.errors.badRequest.body });
  });

  it("429 with retryAfter → retryAfterMs; a custom body is sent as given", async () => {
    const { sandbox, provider } = await setup(jsonVendor);
    sandbox.fail({ status: 429, retryAfter: 7, body: { error: "slow_down" } });
    const error = await rejection(provider.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 7000, body: { error: "slow_down" } });
  });

  it("500 and 503 are retried by the client, then the token arrives", async () => {
    const { sandbox, provider } = await setup(jsonVendor, { client: { retries: 2 } });
    sandbox.fail({ status: 500 }, { status: 503, retryAfter: 0 });
    await expect(provider.getToken()).resolves.toMatchObject({ tokenType: "Bearer" });
    expect(sandbox.requests.map((r) => r.status)).toEqual([500, 503, 200]);
  });

  it("503 without a spec answer gets a generic { error } body", async () => {
    const { sandbox, provider } = await setup(headerVendor);
    sandbox.fail({ status: 503 });
    const error = await rejection(provider.getToken());
    expect(error).toMatchObject({ status: 503, body: { error: "service_unavailable" } });
  });

  it("drop → a TokenRequestError without status", async () => {
    const { sandbox, provider } = await setup(formVendor);
    sandbox.fail("drop");
    const error = await rejection(provider.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBeUndefined();
    expect(sandbox.requests[0]!.status).toBe(0);
  });

  it("malformed-json and no-token → TokenResponseError", async () => {
    const { sandbox, provider } = await setup(jsonVendor);
    sandbox.fail("malformed-json", "no-token");
    for (let i = 0; i < 2; i++) {
      const error = await rejection(provider.getToken());
      expect(error).toBeInstanceOf(TokenResponseError);
      expect(error).toMatchObject({ status: 200 });
    }
    expect(sandbox.issuedTokens).toEqual([]);
    expect(sandbox.tokenRequests()).toBe(2);
  });

  it("no-token on refresh → the client falls back to a login", async () => {
    const { sandbox, provider } = await setup(multipartVendor);
    await provider.getToken();
    sandbox.fail("no-token");
    await provider.getToken({ forceRefresh: true });
    expect(sandbox.refreshRequests()).toBe(1);
    expect(sandbox.tokenRequests()).toBe(2);
  });

  it("latency: answers late (real timers), and times a short-timeout client out", async () => {
    const { sandbox, provider } = await setup(jsonVendor, { client: { timeoutMs: 50 } });
    sandbox.fail({ latencyMs: 300 });
    const error = await rejection(provider.getToken());
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBeUndefined();

    const patient = await setup(jsonVendor);
    patient.sandbox.fail({ latencyMs: 120 });
    const started = performance.now();
    await patient.provider.getToken();
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("setDelay delays every answer", async () => {
    const { sandbox, provider } = await setup(headerVendor);
    sandbox.setDelay(100);
    const started = performance.now();
    await provider.getToken();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("rejects faults that cannot be sent when queued", async () => {
    const { sandbox } = await setup(jsonVendor);
    expect(() => sandbox.fail({ status: 99 })).toThrow(RangeError);
    expect(() => sandbox.fail({ status: 429, retryAfter: -1 })).toThrow(RangeError);
    expect(() => sandbox.fail({ latencyMs: Number.NaN })).toThrow(RangeError);
    expect(() => sandbox.fail("explode" as never)).toThrow(RangeError);
  });
});

describe("protected operations", () => {
  it("the client's fetch renews and replays once a token is revoked", async () => {
    const { sandbox, provider } = await setup(jsonVendor);
    const me = `${sandbox.baseUrl}/me`;
    const first = await provider.fetch(me);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ app: "demo", scopes: ["read"] });
    sandbox.revoke();
    const second = await provider.fetch(me);
    expect(second.status).toBe(200);
    expect(sandbox.tokenRequests()).toBe(2);
    expect(sandbox.requests.map((r) => [r.operationId, r.status])).toEqual([
      ["getAccessToken", 200],
      ["whoAmI", 200],
      ["whoAmI", 401],
      ["getAccessToken", 200],
      ["whoAmI", 200],
    ]);
  });
});
