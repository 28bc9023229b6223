// Manis's own behaviour: its expiresAt units, its header-only token request, its problem-details
// errors, and its lack of a server. What every vendor shares runs from the conformance suite.
import {
  describeCaching,
  describeConfiguration,
  describeErrorsAndSecrets,
  T0,
  T0_SECONDS,
  useVendorHarness,
  servedUnder,
} from "@tokenyard/fake-vendors/conformance";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { TokenRequestError, TokenResponseError } from "@tokenyard/auth-core";
import { describe, expect, it } from "vitest";
import { createManisClient, servers } from "../src/index.js";
import { manis } from "./manis-vendor.js";

const TOKEN_PATH = "/api/v1/auth/token";
const { credentials, baseUrl } = manis.validOptions;

describeCaching(manis);
describeErrorsAndSecrets(manis);
describeConfiguration(manis, [
  // Credentials travel as headers, but the options name them, not the headers.
  [
    "a header name as credential",
    { baseUrl, credentials: { ...credentials, "x-secret": "s" } },
    "credentials.x-secret",
  ],
  // The spec names no usable host.
  ["no baseUrl", { credentials }, "baseUrl"],
]);

const { start, authFor, secretsOf } = useVendorHarness(manis);

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

describe("errors", () => {
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
});

describe("authorization header and middleware", () => {
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
});

describe("servers", () => {
  it("has none: the spec publishes no usable host", () => {
    expect(servers).toEqual({});
  });

  it("puts the operation path after baseUrl exactly, base path included", async () => {
    const server = await start();
    const gateway = await servedUnder("/manis", server.origin);
    const token = await authFor(server, { baseUrl: gateway.url }).getToken();
    expect(token.accessToken).toBe(server.issuedTokens[0]);
    expect(token.expiresAt).toBe(T0 + 3_600_000);
    expect(gateway.paths).toEqual([`/manis${TOKEN_PATH}`]);
    expect(server.requests.map((r) => [r.path, r.status])).toEqual([[TOKEN_PATH, 200]]);
  });
});
