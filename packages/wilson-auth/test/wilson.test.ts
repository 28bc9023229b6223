// Wilson's own behaviour: its expiry encodings, its JSON token request, its /auth/company
// endpoint and its server. What every vendor shares runs from the conformance suite.
import {
  describeCaching,
  describeConfiguration,
  describeErrorsAndSecrets,
  T0,
  T0_SECONDS,
  useVendorHarness,
} from "@tokenyard/fake-vendors/conformance";
import { rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { TokenResponseError } from "@tokenyard/auth-core";
import { describe, expect, it } from "vitest";
import { createWilsonAuth, createWilsonClient, servers } from "../src/index.js";
import { wilson } from "./wilson-vendor.js";

describeCaching(wilson);
describeErrorsAndSecrets(wilson);
describeConfiguration(wilson);

const { clock, start, authFor } = useVendorHarness(wilson);

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
  it("scales the default skew down to a tenth of a short lifetime", async () => {
    const server = await start({ expiry: "relative-only", lifetimeSeconds: 60 });
    const auth = authFor(server);
    const first = await auth.getToken();
    clock.set(first.expiresAt - 6_001);
    await auth.getToken();
    expect(server.tokenRequests()).toBe(1);
    clock.set(first.expiresAt - 6_000);
    await auth.getToken();
    expect(server.tokenRequests()).toBe(2);
  });
});

describe("authorization header and middleware", () => {
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
    // The spec's host cannot be reached from a test: recording fetches stand in for it.
    const urls: string[] = [];
    const auth = createWilsonAuth({
      credentials: { appName: "company-abc", clientId: "id", clientSecret: "secret" },
      now: clock.now,
      fetch: async (input, init) => {
        urls.push(new Request(input, init).url);
        return Response.json({ access_token: "t" });
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
    const { credentials, baseUrl } = server;
    await createWilsonAuth({
      credentials,
      baseUrl,
      server: "production",
      now: clock.now,
    }).getToken();
    expect(server.requests.map((request) => request.path)).toEqual([
      "/apif/v2/auth/token",
      "/apif/v2/auth/token",
    ]);
  });
});
