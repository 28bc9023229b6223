// Asset's own behaviour: its expires_in encodings, its url-encoded grant with optional fields,
// its FastAPI and rate-limit errors, and its servers. What every vendor shares runs from the
// conformance suite.
import {
  describeCaching,
  describeConfiguration,
  describeErrorsAndSecrets,
  T0,
  T0_SECONDS,
  useVendorHarness,
} from "@tokenyard/fake-vendors/conformance";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { createMemoryStore, TokenRequestError } from "@tokenyard/auth-core";
import { describe, expect, it } from "vitest";
import {
  createAssetAuth,
  createAssetClient,
  servers,
  type AssetCredentials,
} from "../src/index.js";
import { asset } from "./asset-vendor.js";

const { credentials } = asset.validOptions;

describeCaching(asset);
describeErrorsAndSecrets(asset);
describeConfiguration(asset, [
  // Wire names are not option names.
  [
    "a wire field as credential",
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
]);

const { start, authFor, secretsOf } = useVendorHarness(asset);
type FakeAsset = Awaited<ReturnType<typeof start>>;

/** A provider whose credentials add Asset's optional request fields to the fake's. */
function authWith(
  server: FakeAsset,
  extra: Partial<AssetCredentials>,
  options: Parameters<typeof authFor>[1] = {},
) {
  return authFor(server, { ...options, credentials: { ...server.credentials, ...extra } });
}

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
    const token = await authWith(server, { expiresIn: 1800 }).getToken();
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
    const token = await authWith(server, { expiresIn: 1800 }).getToken();
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
    await authWith(server, {
      businessId: "biz_42",
      scope: "ledger:read invoice:create",
      expiresIn: 900,
      resource,
    }).getToken();
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
    await authWith(server, { resource: ["https://api.getasset.com/ledger"] }).getToken();
    expect(server.requests[0]?.body?.["resource"]).toBe("https://api.getasset.com/ledger");
  });
});

describe("cache", () => {
  it("never shares a token between credential sets that differ only in scope or resource", async () => {
    const server = await start();
    const store = createMemoryStore({ now: () => T0 });
    const plain = await authFor(server, { store }).getToken();
    const again = await authFor(server, { store }).getToken();
    expect(again.accessToken).toBe(plain.accessToken);
    expect(server.tokenRequests()).toBe(1);

    const scoped = await authWith(server, { scope: "ledger:read" }, { store }).getToken();
    const business = await authWith(server, { businessId: "biz_1" }, { store }).getToken();
    const other = await authWith(
      server,
      { resource: ["https://api.getasset.com/other"] },
      { store },
    ).getToken();
    expect(server.tokenRequests()).toBe(4);
    expect(new Set([plain, scoped, business, other].map((t) => t.accessToken)).size).toBe(4);
  });
});

describe("errors", () => {
  it("turns FastAPI's 422 {detail} into a TokenRequestError naming the field", async () => {
    const server = await start();
    const scope = "ledger:read,invoice:create";
    const error = await rejectionOf(authWith(server, { scope }, { retries: 0 }).getToken());
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
    // x-ratelimit-reset is the end of the current one-minute window, in unix seconds: 39.877 s on.
    expect(failure.retryAfterMs).toBe(39_877);
  });
});

describe("authorization header and middleware", () => {
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
});

describe("servers", () => {
  it("has the spec's servers, sandbox first", () => {
    expect(servers).toEqual({
      sandbox: "https://api.sandbox.getasset.com",
      production: "https://api.getasset.com",
    });
    expect(Object.keys(servers)).toEqual(["sandbox", "production"]);
  });

  it("defaults to sandbox and selects production by name", async () => {
    // The spec's hosts cannot be reached from a test: a recording fetch stands in for them.
    const urls: string[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      urls.push(new Request(input, init).url);
      return Response.json({ access_token: "t" });
    };
    const credentials = { clientId: "client", clientSecret: "secret" };
    await createAssetAuth({ credentials, fetch, now: () => T0 }).getToken();
    await createAssetAuth({ credentials, fetch, now: () => T0, server: "production" }).getToken();
    expect(urls).toEqual([
      "https://api.sandbox.getasset.com/v0/auth/token",
      "https://api.getasset.com/v0/auth/token",
    ]);
  });

  it("lets baseUrl override a named server", async () => {
    const server = await start();
    const token = await createAssetAuth({
      credentials: server.credentials,
      server: "production",
      baseUrl: server.baseUrl,
      now: () => T0,
    }).getToken();
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(server.requests.map((request) => [request.path, request.status])).toEqual([
      ["/v0/auth/token", 200],
    ]);
  });
});
