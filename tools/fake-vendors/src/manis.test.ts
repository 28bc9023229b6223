import { afterEach, describe, expect, it } from "vitest";
import { startManis, type FakeVendor, type ManisCredentials, type ManisOptions } from "./index.js";

const NOW_MS = Date.UTC(2025, 0, 15, 9, 30, 0, 123);
const NOW_S = Math.floor(NOW_MS / 1000);
const NOW_ISO = "2025-01-15T09:30:00.123Z";

type FakeManis = FakeVendor<ManisCredentials>;
const running: FakeManis[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(options: ManisOptions = {}): Promise<FakeManis> {
  const server = await startManis({ now: () => NOW_MS, ...options });
  running.push(server);
  return server;
}

function postToken(server: FakeManis, headers: Record<string, string>, body?: string) {
  return fetch(`${server.baseUrl}/api/v1/auth/token`, {
    method: "POST",
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

function authHeaders(server: FakeManis): Record<string, string> {
  return { "x-merchant-id": server.credentials.merchantId, "x-secret": server.credentials.secret };
}

describe("startManis", () => {
  it("issues a token for the two headers and no body, expiresAt in milliseconds by default", async () => {
    const server = await start();
    expect(server.baseUrl).toBe(server.origin);
    const response = await postToken(server, authHeaders(server));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      token: server.issuedTokens[0],
      tokenType: "Bearer",
      expiresAt: NOW_MS + 3600_000,
    });
    expect(server.tokenRequests()).toBe(1);
    expect(server.requests[0]).toMatchObject({ body: null, rawBody: "", status: 200 });
  });

  it("can encode expiresAt in seconds and honours lifetimeSeconds and given credentials", async () => {
    const server = await start({
      expiresAtUnit: "s",
      lifetimeSeconds: 300,
      credentials: { merchantId: "m-1" },
    });
    expect(server.credentials.merchantId).toBe("m-1");
    expect(server.credentials.secret).toMatch(/^[0-9a-f]{48}$/);
    const body = await (await postToken(server, authHeaders(server))).json();
    expect(body).toMatchObject({ expiresAt: NOW_S + 300 });
  });

  it("accepts an explicitly empty body", async () => {
    const server = await start();
    expect((await postToken(server, authHeaders(server), "")).status).toBe(200);
  });

  it.each([
    ["x-merchant-id", "x-secret"],
    ["x-secret", "x-merchant-id"],
  ])("answers a missing %s with 400 {message, timestamp}", async (missing, present) => {
    const server = await start();
    const headers = authHeaders(server);
    delete headers[missing];
    expect(Object.keys(headers)).toEqual([present]);
    const response = await postToken(server, headers);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      message: expect.stringContaining(missing),
      timestamp: NOW_ISO,
    });
  });

  it("treats empty header values as missing", async () => {
    const server = await start();
    const response = await postToken(server, { ...authHeaders(server), "x-secret": "" });
    expect(response.status).toBe(400);
  });

  it("answers wrong credentials with 401 JSON", async () => {
    const server = await start();
    const response = await postToken(server, { ...authHeaders(server), "x-secret": "nope" });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: expect.any(String), timestamp: NOW_ISO });
    expect(server.issuedTokens).toEqual([]);
  });

  it("rejects a body, even with valid headers", async () => {
    const server = await start();
    const json = await postToken(
      server,
      { ...authHeaders(server), "content-type": "application/json" },
      JSON.stringify({
        merchantId: server.credentials.merchantId,
        secret: server.credentials.secret,
      }),
    );
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ message: expect.stringMatching(/no body/) });
    const emptyObject = await postToken(
      server,
      { ...authHeaders(server), "content-type": "application/json" },
      "{}",
    );
    expect(emptyObject.status).toBe(400);
    expect(server.requests[0]?.body).toEqual({
      merchantId: server.credentials.merchantId,
      secret: server.credentials.secret,
    });
    expect(server.issuedTokens).toEqual([]);
  });

  it("rejects credentials sent as query parameters", async () => {
    const server = await start();
    const query = new URLSearchParams({
      "x-merchant-id": server.credentials.merchantId,
      "x-secret": server.credentials.secret,
    });
    const response = await fetch(`${server.origin}/api/v1/auth/token?${query}`, {
      method: "POST",
    });
    expect(response.status).toBe(400);
  });

  it("switches 4xx bodies to the problem-details-like shape", async () => {
    const server = await start({ errorShape: "problem" });
    const response = await postToken(server, { "x-merchant-id": server.credentials.merchantId });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      timestamp: NOW_ISO,
      title: "Bad Request",
      type: expect.any(String),
      status: 400,
      soaCode: expect.any(String),
      detail: expect.stringContaining("x-secret"),
    });
    const unauthorized = await postToken(server, { ...authHeaders(server), "x-secret": "nope" });
    expect(await unauthorized.json()).toMatchObject({ status: 401, title: "Unauthorized" });
  });

  it("rejects the wrong method or path", async () => {
    const server = await start();
    const get = await fetch(`${server.origin}/api/v1/auth/token`, { headers: authHeaders(server) });
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({ message: expect.any(String), timestamp: NOW_ISO });
    const wrongPath = await fetch(`${server.origin}/v1/auth/token`, {
      method: "POST",
      headers: authHeaders(server),
    });
    expect(wrongPath.status).toBe(404);
    expect(server.tokenRequests()).toBe(0);
  });
});
