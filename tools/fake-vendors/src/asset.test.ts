import { afterEach, describe, expect, it } from "vitest";
import { startAsset, type AssetOptions, type FakeVendor, type AssetCredentials } from "./index.js";

const NOW_MS = Date.UTC(2026, 4, 1, 12, 0, 30, 999);
const NOW_S = Math.floor(NOW_MS / 1000);

type FakeAsset = FakeVendor<AssetCredentials>;
const running: FakeAsset[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(options: AssetOptions = {}): Promise<FakeAsset> {
  const server = await startAsset({ now: () => NOW_MS, ...options });
  running.push(server);
  return server;
}

function validFields(server: FakeAsset): Array<[string, string]> {
  return [
    ["grant_type", "client_credentials"],
    ["client_id", server.credentials.clientId],
    ["client_secret", server.credentials.clientSecret],
  ];
}

function postForm(server: FakeAsset, fields: Array<[string, string]> | string) {
  return fetch(`${server.baseUrl}/v0/auth/token`, {
    method: "POST",
    body: new URLSearchParams(fields),
  });
}

function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;
}

describe("startAsset", () => {
  it("issues a token whose expires_in is an absolute epoch-seconds time by default", async () => {
    const server = await start();
    expect(server.baseUrl).toBe(server.origin);
    const response = await postForm(server, validFields(server));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      access_token: server.issuedTokens[0],
      token_type: "Bearer",
      expires_in: NOW_S + 3600,
    });
    expect(server.tokenRequests()).toBe(1);
    expect(server.requests[0]?.contentType).toBe("application/x-www-form-urlencoded;charset=UTF-8");
  });

  it("honours the requested expires_in and the lifetimeSeconds default", async () => {
    const server = await start({ lifetimeSeconds: 120 });
    const byDefault = await (await postForm(server, validFields(server))).json();
    expect(byDefault).toMatchObject({ expires_in: NOW_S + 120 });
    const requested = await (
      await postForm(server, [...validFields(server), ["expires_in", "900"]])
    ).json();
    expect(requested).toMatchObject({ expires_in: NOW_S + 900 });
  });

  it("can answer with a relative expires_in or none at all", async () => {
    const relative = await start({ expiresIn: "relative" });
    expect(
      await (await postForm(relative, [...validFields(relative), ["expires_in", "600"]])).json(),
    ).toMatchObject({ expires_in: 600 });
    const absent = await start({ expiresIn: "absent" });
    const body = await (await postForm(absent, validFields(absent))).json();
    expect(body).toEqual({ access_token: absent.issuedTokens[0], token_type: "Bearer" });
  });

  it("accepts every optional field, repeated resources included, and records them", async () => {
    const server = await start();
    const response = await postForm(server, [
      ...validFields(server),
      ["business_id", "biz_GA6EG2qFxA97NZHtxeLPUy"],
      ["scope", "ledger:read invoice:create"],
      ["expires_in", "60"],
      ["resource", "https://api.example.com"],
      ["resource", "https://files.example.com/v1"],
    ]);
    expect(response.status).toBe(200);
    expect(server.requests[0]?.body).toEqual({
      grant_type: "client_credentials",
      client_id: server.credentials.clientId,
      client_secret: server.credentials.clientSecret,
      business_id: "biz_GA6EG2qFxA97NZHtxeLPUy",
      scope: "ledger:read invoice:create",
      expires_in: "60",
      resource: ["https://api.example.com", "https://files.example.com/v1"],
    });
    expect(decodeClaims(server.issuedTokens[0] ?? "")).toMatchObject({
      aud: ["https://api.example.com", "https://files.example.com/v1"],
      scope: "ledger:read invoice:create",
      business_id: "biz_GA6EG2qFxA97NZHtxeLPUy",
      exp: NOW_S + 60,
    });
  });

  it("records a single resource as a string", async () => {
    const server = await start();
    await postForm(server, [...validFields(server), ["resource", "https://api.example.com"]]);
    expect(server.requests[0]?.body?.["resource"]).toBe("https://api.example.com");
  });

  it("rejects wrong credentials with 401 {error, data}", async () => {
    const server = await start();
    const response = await postForm(server, [
      ["grant_type", "client_credentials"],
      ["client_id", server.credentials.clientId],
      ["client_secret", "wrong"],
    ]);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "invalid_client", data: null });
  });

  it("answers a missing field with FastAPI's 422 shape", async () => {
    const server = await start();
    const response = await postForm(server, validFields(server).slice(0, 2));
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      detail: [{ loc: ["body", "client_secret"], msg: "Field required", type: "missing" }],
    });
  });

  // Each case: fields to drop from the valid request, fields to add, and the loc expected in detail.
  it.each<[string, string[], Array<[string, string]>, Array<string | number>]>([
    ["missing grant_type", ["grant_type"], [], ["body", "grant_type"]],
    ["a wrong grant_type", ["grant_type"], [["grant_type", "password"]], ["body", "grant_type"]],
    ["a missing client_id", ["client_id"], [], ["body", "client_id"]],
    [
      "an empty client_secret",
      ["client_secret"],
      [["client_secret", ""]],
      ["body", "client_secret"],
    ],
    [
      "a comma-joined resource",
      [],
      [["resource", "https://a.example,https://b.example"]],
      ["body", "resource", 0],
    ],
    [
      "a comma-joined resource with paths",
      [],
      [["resource", "https://a.example/x,https://b.example/y"]],
      ["body", "resource", 0],
    ],
    ["resource[]", [], [["resource[]", "https://a.example"]], ["body", "resource[]"]],
    ["a relative resource", [], [["resource", "/v1/ledger"]], ["body", "resource", 0]],
    [
      "a resource with a fragment",
      [],
      [["resource", "https://a.example/#x"]],
      ["body", "resource", 0],
    ],
    ["an unknown field", [], [["audience", "https://a.example"]], ["body", "audience"]],
    ["a non-integer expires_in", [], [["expires_in", "1.5"]], ["body", "expires_in"]],
    ["a zero expires_in", [], [["expires_in", "0"]], ["body", "expires_in"]],
    ["a negative expires_in", [], [["expires_in", "-5"]], ["body", "expires_in"]],
    ["comma-separated scopes", [], [["scope", "ledger:read,invoice:create"]], ["body", "scope"]],
    [
      "a repeated scope",
      [],
      [
        ["scope", "ledger:read"],
        ["scope", "invoice:create"],
      ],
      ["body", "scope"],
    ],
    ["a repeated client_id", [], [["client_id", "again"]], ["body", "client_id"]],
  ])("rejects %s with 422", async (_name, drop, extra, loc) => {
    const server = await start();
    const fields = validFields(server).filter(([name]) => !drop.includes(name));
    const response = await postForm(server, [...fields, ...extra]);
    expect(response.status).toBe(422);
    const body = (await response.json()) as { detail: Array<{ loc: unknown[] }> };
    expect(body.detail.map((issue) => issue.loc)).toContainEqual(loc);
    expect(server.issuedTokens).toEqual([]);
    expect(server.tokenRequests()).toBe(1);
  });

  it("explains a comma-joined resource and a resource[] field", async () => {
    const server = await start();
    const joined = await postForm(server, [
      ...validFields(server),
      ["resource", "https://a.example,https://b.example"],
    ]);
    expect(await joined.json()).toEqual({
      detail: [
        {
          loc: ["body", "resource", 0],
          msg: expect.stringMatching(/comma-joined.*repeat `resource=`/),
          type: "value_error",
          input: "https://a.example,https://b.example",
        },
      ],
    });
    const bracketed = await postForm(server, [
      ...validFields(server),
      ["resource[]", "https://a.example"],
      ["resource[]", "https://b.example"],
    ]);
    expect(await bracketed.json()).toEqual({
      detail: [
        {
          loc: ["body", "resource[]"],
          msg: expect.stringMatching(/Extra inputs are not permitted.*repeat `resource=`/),
          type: "extra_forbidden",
          input: ["https://a.example", "https://b.example"],
        },
      ],
    });
  });

  it("rejects JSON and multipart bodies with 422", async () => {
    const server = await start();
    const json = await fetch(`${server.origin}/v0/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(Object.fromEntries(validFields(server))),
    });
    expect(json.status).toBe(422);
    expect(await json.json()).toMatchObject({
      detail: [{ loc: ["body"], msg: expect.stringMatching(/x-www-form-urlencoded/) }],
    });
    const form = new FormData();
    for (const [name, value] of validFields(server)) form.append(name, value);
    const multipart = await fetch(`${server.origin}/v0/auth/token`, { method: "POST", body: form });
    expect(multipart.status).toBe(422);
    // The recording still shows what was sent, even though it was refused.
    expect(server.requests[0]?.body).toMatchObject({ grant_type: "client_credentials" });
    expect(server.requests[1]?.body).toMatchObject({ grant_type: "client_credentials" });
  });

  it("puts rate-limit headers on every response and answers 429 past the limit", async () => {
    let now = NOW_MS;
    const server = await startAsset({ now: () => now, rateLimitPerMinute: 2 });
    running.push(server);
    const windowReset = String(Math.floor(NOW_S / 60) * 60 + 60);
    const first = await postForm(server, validFields(server));
    expect(first.headers.get("x-ratelimit-limit")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    expect(first.headers.get("x-ratelimit-reset")).toBe(windowReset);
    const notFound = await fetch(`${server.origin}/v0/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ error: expect.any(String), data: null });
    expect(notFound.headers.get("x-ratelimit-remaining")).toBe("0");
    const limited = await postForm(server, validFields(server));
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: "rate_limit_exceeded", data: null });
    now += 60_000;
    const nextWindow = await postForm(server, validFields(server));
    expect(nextWindow.status).toBe(200);
    expect(nextWindow.headers.get("x-ratelimit-remaining")).toBe("1");
  });

  it("defaults to x-ratelimit-limit 300 and keeps them on scripted failures unless overridden", async () => {
    const server = await start();
    server.failNext(
      { status: 503, body: { error: "maintenance", data: null } },
      {
        status: 429,
        body: { error: "slow down", data: null },
        headers: { "x-ratelimit-remaining": "0" },
      },
    );
    const unavailable = await postForm(server, validFields(server));
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("x-ratelimit-limit")).toBe("300");
    expect(unavailable.headers.get("x-ratelimit-remaining")).toBe("299");
    const limited = await postForm(server, validFields(server));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(await limited.json()).toEqual({ error: "slow down", data: null });
    expect((await postForm(server, validFields(server))).status).toBe(200);
    expect(server.tokenRequests()).toBe(3);
  });

  it("rejects the wrong method or path", async () => {
    const server = await start();
    expect((await fetch(`${server.origin}/v0/auth/token`)).status).toBe(405);
    expect((await fetch(`${server.origin}/v1/auth/token`, { method: "POST" })).status).toBe(404);
    expect(server.tokenRequests()).toBe(0);
  });
});
