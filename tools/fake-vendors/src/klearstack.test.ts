import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  signJwt,
  startKlearStack,
  type FakeKlearStack,
  type KlearStackClaims,
  type KlearStackOptions,
} from "./index.js";

const NOW_MS = Date.UTC(2022, 5, 30, 7, 58, 38, 500);
const NOW_S = Math.floor(NOW_MS / 1000);

const running: FakeKlearStack[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A server on a clock the test moves by assigning `clock.now`. */
async function start(options: KlearStackOptions = {}) {
  const clock = { now: NOW_MS };
  const server = await startKlearStack({ now: () => clock.now, ...options });
  running.push(server);
  return { server, clock };
}

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  return data;
}

function loginFields(server: FakeKlearStack): Record<string, string> {
  return {
    username: server.credentials.username,
    password: server.credentials.password,
    company_name: server.credentials.companyName,
  };
}

function login(server: FakeKlearStack, body: BodyInit, headers: Record<string, string> = {}) {
  return fetch(`${server.baseUrl}/access/klearstack/get_access_token`, {
    method: "POST",
    headers,
    body,
  });
}

async function loginOk(server: FakeKlearStack) {
  const response = await login(server, form(loginFields(server)));
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; refresh_token: string };
}

function refresh(
  server: FakeKlearStack,
  accessToken: string | null,
  fields: Record<string, string>,
) {
  return fetch(`${server.baseUrl}/access/klearstack/getaccesstokenfromrefreshtoken`, {
    method: "POST",
    headers: accessToken === null ? {} : { authorization: `Bearer ${accessToken}` },
    body: form(fields),
  });
}

function decode(part: string | undefined): unknown {
  return JSON.parse(Buffer.from(part ?? "", "base64url").toString("utf8"));
}

describe("startKlearStack login", () => {
  it("issues HS256 access and refresh JWTs for the exact multipart form", async () => {
    const { server } = await start();
    const response = await login(server, form(loginFields(server)));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["access_token", "refresh_token", "release_version"]);
    expect(body["release_version"]).toBe("7.8.9");
    expect(server.issuedTokens).toEqual([body["access_token"]]);
    expect(server.issuedRefreshTokens).toEqual([body["refresh_token"]]);
    expect(server.tokenRequests()).toBe(1);
    expect(server.refreshRequests()).toBe(0);

    for (const [name, type, lifetime] of [
      ["access_token", "access", 900],
      ["refresh_token", "refresh", 86400],
    ] as const) {
      const [header, payload, signature] = (body[name] ?? "").split(".");
      expect(decode(header)).toEqual({ typ: "JWT", alg: "HS256" });
      const claims = decode(payload) as KlearStackClaims;
      expect(claims).toEqual({
        token_type: type,
        exp: NOW_S + lifetime,
        iat: NOW_S,
        jti: expect.stringMatching(/^[0-9a-f]{32}$/),
        user_id: 26,
      });
      const expected = createHmac("sha256", server.jwtSecret)
        .update(`${header}.${payload}`)
        .digest("base64url");
      expect(signature).toBe(expected);
    }
    expect(server.requests[0]?.body).toEqual(loginFields(server));
  });

  it("uses the configured lifetimes, user id and secret", async () => {
    const { server } = await start({
      lifetimeSeconds: 60,
      refreshLifetimeSeconds: 120,
      userId: 7,
      jwtSecret: "s3cret",
    });
    const tokens = await loginOk(server);
    expect(decode(tokens.access_token.split(".")[1])).toMatchObject({
      exp: NOW_S + 60,
      user_id: 7,
    });
    expect(decode(tokens.refresh_token.split(".")[1])).toMatchObject({ exp: NOW_S + 120 });
    const claims = decode(tokens.access_token.split(".")[1]) as KlearStackClaims;
    expect(signJwt(claims, "s3cret")).toBe(tokens.access_token);
  });

  it("rejects wrong credentials or company with 401 JSON", async () => {
    const { server } = await start();
    for (const wrong of ["password", "username", "company_name"]) {
      const response = await login(server, form({ ...loginFields(server), [wrong]: "wrong" }));
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "Incorrect username or password." });
    }
    expect(server.issuedTokens).toEqual([]);
  });

  it.each(["username", "password", "company_name"])(
    "answers a missing %s with a 500 text/plain message naming it",
    async (field) => {
      const { server } = await start();
      const fields = loginFields(server);
      delete fields[field];
      const response = await login(server, form(fields));
      expect(response.status).toBe(500);
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
      const text = await response.text();
      expect(text).toMatch(/^One or Many Required parameters from/);
      expect(text).toContain(field);
    },
  );

  it("answers url-encoded and JSON bodies with 500 text/plain, like the vendor", async () => {
    const { server } = await start();
    const urlEncoded = await login(server, new URLSearchParams(loginFields(server)));
    expect(urlEncoded.status).toBe(500);
    expect(urlEncoded.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await urlEncoded.text()).toMatch(/multipart\/form-data/);
    const json = await login(server, JSON.stringify(loginFields(server)), {
      "content-type": "application/json",
    });
    expect(json.status).toBe(500);
    expect(server.issuedTokens).toEqual([]);
    // Still recorded with their parsed fields, so a test can show what the client sent.
    expect(server.requests[0]?.body).toEqual(loginFields(server));
  });

  it("rejects multipart without a boundary, malformed multipart, extra, repeated and file fields", async () => {
    const { server } = await start();
    const encoded = new Request("http://x/", { method: "POST", body: form(loginFields(server)) });
    const raw = await encoded.text();
    const noBoundary = await login(server, raw, { "content-type": "multipart/form-data" });
    expect(noBoundary.status).toBe(400);
    expect(await noBoundary.text()).toMatch(/boundary/i);
    const wrongBoundary = await login(server, raw, {
      "content-type": "multipart/form-data; boundary=not-the-one",
    });
    expect(wrongBoundary.status).toBe(400);

    const extra = form({ ...loginFields(server), grant_type: "password" });
    expect((await login(server, extra)).status).toBe(400);
    const repeated = form(loginFields(server));
    repeated.append("username", server.credentials.username);
    expect((await login(server, repeated)).status).toBe(400);
    const withFile = form({
      username: server.credentials.username,
      company_name: server.credentials.companyName,
    });
    withFile.append("password", new Blob([server.credentials.password]), "password.txt");
    expect((await login(server, withFile)).status).toBe(400);
    expect(server.issuedTokens).toEqual([]);
  });

  it("rejects the wrong method or path", async () => {
    const { server } = await start();
    const get = await fetch(`${server.origin}/access/klearstack/get_access_token`);
    expect(get.status).toBe(405);
    const oldName = await fetch(`${server.origin}/access/klearstack/getaccesstoken`, {
      method: "POST",
      body: form(loginFields(server)),
    });
    expect(oldName.status).toBe(404);
    expect(await oldName.json()).toEqual({ error: expect.any(String) });
  });
});

describe("startKlearStack refresh", () => {
  it("issues a new access token (and no refresh token) for a live access + refresh pair", async () => {
    const { server, clock } = await start();
    const tokens = await loginOk(server);
    clock.now = NOW_MS + 600_000; // ten minutes in, as the docs advise
    const response = await refresh(server, tokens.access_token, {
      refresh_token: tokens.refresh_token,
      company_name: server.credentials.companyName,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(["access_token", "release_version"]);
    expect(body["access_token"]).not.toBe(tokens.access_token);
    expect(decode(body["access_token"]?.split(".")[1])).toMatchObject({
      token_type: "access",
      iat: NOW_S + 600,
      exp: NOW_S + 600 + 900,
    });
    expect(server.issuedTokens).toEqual([tokens.access_token, body["access_token"]]);
    expect(server.issuedRefreshTokens).toHaveLength(1);
    expect(server.refreshRequests()).toBe(1);
    expect(server.tokenRequests()).toBe(1);
  });

  it("refuses an expired access token, even with a live refresh token", async () => {
    const { server, clock } = await start();
    const tokens = await loginOk(server);
    const fields = {
      refresh_token: tokens.refresh_token,
      company_name: server.credentials.companyName,
    };
    clock.now = (NOW_S + 899) * 1000;
    expect((await refresh(server, tokens.access_token, fields)).status).toBe(200);
    clock.now = (NOW_S + 900) * 1000;
    const expired = await refresh(server, tokens.access_token, fields);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ error: expect.stringMatching(/expired/) });
  });

  it("refuses an expired refresh token", async () => {
    const { server, clock } = await start({ lifetimeSeconds: 86400, refreshLifetimeSeconds: 600 });
    const tokens = await loginOk(server);
    clock.now = (NOW_S + 600) * 1000;
    const response = await refresh(server, tokens.access_token, {
      refresh_token: tokens.refresh_token,
      company_name: server.credentials.companyName,
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "refresh token has expired" });
  });

  it("refuses missing or malformed authorization, swapped tokens, forged tokens and a wrong company", async () => {
    const { server } = await start();
    const tokens = await loginOk(server);
    const company = server.credentials.companyName;
    const good = { refresh_token: tokens.refresh_token, company_name: company };

    expect((await refresh(server, null, good)).status).toBe(401);
    const noScheme = await fetch(
      `${server.origin}/access/klearstack/getaccesstokenfromrefreshtoken`,
      {
        method: "POST",
        headers: { authorization: tokens.access_token },
        body: form(good),
      },
    );
    expect(noScheme.status).toBe(401);
    // The refresh token in the header, the access token in the body.
    expect((await refresh(server, tokens.refresh_token, good)).status).toBe(401);
    expect(
      (
        await refresh(server, tokens.access_token, {
          refresh_token: tokens.access_token,
          company_name: company,
        })
      ).status,
    ).toBe(401);
    const claims = decode(tokens.access_token.split(".")[1]) as KlearStackClaims;
    const forged = signJwt({ ...claims, exp: claims.exp + 3600 }, "another secret");
    expect((await refresh(server, forged, good)).status).toBe(401);
    const [header, , signature] = tokens.access_token.split(".");
    const extended = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString(
      "base64url",
    );
    expect((await refresh(server, `${header}.${extended}.${signature}`, good)).status).toBe(401);
    const wrongCompany = await refresh(server, tokens.access_token, {
      ...good,
      company_name: "other",
    });
    expect(wrongCompany.status).toBe(401);
    expect(await wrongCompany.json()).toEqual({ error: expect.stringMatching(/company_name/) });
    expect(server.issuedTokens).toHaveLength(1);
    expect(server.refreshRequests()).toBe(7);
  });

  it("answers a missing refresh field like login does and requires multipart", async () => {
    const { server } = await start();
    const tokens = await loginOk(server);
    const missing = await refresh(server, tokens.access_token, {
      company_name: server.credentials.companyName,
    });
    expect(missing.status).toBe(500);
    expect(await missing.text()).toContain("refresh_token");
    const urlEncoded = await fetch(
      `${server.origin}/access/klearstack/getaccesstokenfromrefreshtoken`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.access_token}` },
        body: new URLSearchParams({
          refresh_token: tokens.refresh_token,
          company_name: server.credentials.companyName,
        }),
      },
    );
    expect(urlEncoded.status).toBe(500);
  });

  it("lets failNext script refresh answers too, in arrival order", async () => {
    const { server } = await start();
    const tokens = await loginOk(server);
    server.failNext({ status: 401, body: { error: "Token is invalid or expired" } });
    const scripted = await refresh(server, tokens.access_token, {
      refresh_token: tokens.refresh_token,
      company_name: server.credentials.companyName,
    });
    expect(scripted.status).toBe(401);
    expect(await scripted.json()).toEqual({ error: "Token is invalid or expired" });
    expect(server.refreshRequests()).toBe(1);
    expect((await login(server, form(loginFields(server)))).status).toBe(200);
  });
});
