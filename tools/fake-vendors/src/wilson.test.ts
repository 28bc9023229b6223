import { afterEach, describe, expect, it } from "vitest";
import { startWilson, type FakeWilson, type WilsonOptions } from "./index.js";

const NOW_MS = Date.UTC(2025, 4, 22, 16, 5, 3, 250);
const NOW_S = Math.floor(NOW_MS / 1000);

const running: FakeWilson[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(options: WilsonOptions = {}): Promise<FakeWilson> {
  const server = await startWilson({ now: () => NOW_MS, ...options });
  running.push(server);
  return server;
}

function validBody(server: FakeWilson): Record<string, unknown> {
  return {
    app_name: server.credentials.appName,
    client_id: server.credentials.clientId,
    client_secret: server.credentials.clientSecret,
  };
}

function postToken(server: FakeWilson, body: string, contentType = "application/json") {
  return fetch(`${server.baseUrl}/auth/token`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
}

describe("startWilson", () => {
  it("serves under /apif/v2 on 127.0.0.1 with random default credentials", async () => {
    const server = await start();
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.baseUrl).toBe(`${server.origin}/apif/v2`);
    expect(server.credentials.appName).toMatch(/^company-[0-9a-f]+$/);
    const other = await start();
    expect(other.credentials.clientSecret).not.toBe(server.credentials.clientSecret);
  });

  it("issues a token for the exact JSON body, with both expiry encodings from the injected clock", async () => {
    const server = await start();
    const response = await postToken(server, JSON.stringify(validBody(server)));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: server.issuedTokens[0],
      expires_at: NOW_S + 3599,
      expires_in: 3599,
      ext_expires_in: 3599,
      token_type: "Bearer",
    });
    expect(Object.keys(body)).toEqual([
      "access_token",
      "expires_at",
      "expires_in",
      "ext_expires_in",
      "token_type",
    ]);
    expect(server.tokenRequests()).toBe(1);
    expect(server.refreshRequests()).toBe(0);
    expect(server.requests[0]).toMatchObject({
      method: "POST",
      path: "/apif/v2/auth/token",
      contentType: "application/json",
      body: { app_name: server.credentials.appName },
      status: 200,
    });
  });

  it("issues Entra-like JWT-shaped tokens whose exp matches expires_at", async () => {
    const server = await start();
    const body = (await (await postToken(server, JSON.stringify(validBody(server)))).json()) as {
      access_token: string;
    };
    const [header, payload] = body.access_token.split(".");
    expect(JSON.parse(Buffer.from(header ?? "", "base64url").toString())).toMatchObject({
      typ: "JWT",
      nonce: expect.any(String),
    });
    expect(JSON.parse(Buffer.from(payload ?? "", "base64url").toString())).toMatchObject({
      iat: NOW_S,
      exp: NOW_S + 3599,
    });
  });

  it("accepts a utf-8 charset parameter and credentials passed in", async () => {
    const server = await start({
      credentials: { appName: "company-abc", clientId: "id", clientSecret: "secret" },
      lifetimeSeconds: 60,
    });
    expect(server.credentials).toEqual({
      appName: "company-abc",
      clientId: "id",
      clientSecret: "secret",
    });
    const response = await postToken(
      server,
      JSON.stringify({ app_name: "company-abc", client_id: "id", client_secret: "secret" }),
      "application/json; charset=UTF-8",
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ expires_at: NOW_S + 60, expires_in: 60 });
  });

  it("can send only the relative or only the absolute expiry", async () => {
    const relative = await start({ expiry: "relative-only" });
    const relBody = await (await postToken(relative, JSON.stringify(validBody(relative)))).json();
    expect(relBody).not.toHaveProperty("expires_at");
    expect(relBody).toMatchObject({ expires_in: 3599, ext_expires_in: 3599 });

    const absolute = await start({ expiry: "absolute-only" });
    const absBody = await (await postToken(absolute, JSON.stringify(validBody(absolute)))).json();
    expect(absBody).not.toHaveProperty("expires_in");
    expect(absBody).not.toHaveProperty("ext_expires_in");
    expect(absBody).toMatchObject({ expires_at: NOW_S + 3599, token_type: "Bearer" });
  });

  it("rejects wrong credentials with 401 invalid_client", async () => {
    const server = await start();
    const response = await postToken(
      server,
      JSON.stringify({ ...validBody(server), client_secret: "nope" }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: "invalid_client",
      error_description: expect.any(String),
    });
    expect(server.issuedTokens).toEqual([]);
  });

  it.each([
    [
      "a missing field",
      (b: Record<string, unknown>) => ({ ...b, client_secret: undefined }),
      /client_secret/,
    ],
    ["an unknown field", (b: Record<string, unknown>) => ({ ...b, scope: "x" }), /unknown.*scope/],
    ["a non-string field", (b: Record<string, unknown>) => ({ ...b, client_id: 42 }), /client_id/],
    ["an empty field", (b: Record<string, unknown>) => ({ ...b, app_name: "" }), /app_name/],
    [
      "a camelCase field name",
      (b: Record<string, unknown>) => ({
        appName: b["app_name"],
        client_id: b["client_id"],
        client_secret: b["client_secret"],
      }),
      /appName/,
    ],
  ])("rejects %s with 400", async (_name, mutate, message) => {
    const server = await start();
    const response = await postToken(server, JSON.stringify(mutate(validBody(server))));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe("invalid_request");
    expect(body.error_description).toMatch(message);
  });

  it("rejects a non-JSON body, a JSON array and a non-JSON content type", async () => {
    const server = await start();
    expect((await postToken(server, "{not json")).status).toBe(400);
    expect((await postToken(server, "[]")).status).toBe(400);
    const form = new URLSearchParams(validBody(server) as Record<string, string>).toString();
    const formResponse = await postToken(server, form, "application/x-www-form-urlencoded");
    expect(formResponse.status).toBe(415);
    expect(await formResponse.json()).toMatchObject({ error_description: /application\/json/ });
    const noType = await fetch(`${server.baseUrl}/auth/token`, {
      method: "POST",
      body: new Blob([JSON.stringify(validBody(server))]),
    });
    expect(noType.status).toBe(415);
    const latin1 = await postToken(
      server,
      JSON.stringify(validBody(server)),
      "application/json; charset=latin1",
    );
    expect(latin1.status).toBe(415);
    expect(server.issuedTokens).toEqual([]);
  });

  it("rejects the wrong method or path", async () => {
    const server = await start();
    const get = await fetch(`${server.baseUrl}/auth/token`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const wrongVersion = await fetch(`${server.origin}/apif/v1/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(validBody(server)),
    });
    expect(wrongVersion.status).toBe(404);
    const noPrefix = await fetch(`${server.origin}/auth/token`, { method: "POST" });
    expect(noPrefix.status).toBe(404);
    expect(server.tokenRequests()).toBe(0);
  });

  describe("GET /auth/company", () => {
    it("answers for an issued, unexpired bearer token and refuses anything else", async () => {
      let now = NOW_MS;
      const server = await startWilson({ now: () => now, company: { id: 7, name: "Acme" } });
      running.push(server);
      const token = (
        (await (await postToken(server, JSON.stringify(validBody(server)))).json()) as {
          access_token: string;
        }
      ).access_token;
      const company = (authorization?: string) =>
        fetch(`${server.baseUrl}/auth/company`, {
          headers: authorization === undefined ? {} : { authorization },
        });

      const ok = await company(`Bearer ${token}`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ id: 7, name: "Acme" });
      expect((await company()).status).toBe(401);
      expect((await company(token)).status).toBe(401);
      expect((await company("Bearer not-issued")).status).toBe(401);

      now = NOW_MS + 3598 * 1000;
      expect((await company(`Bearer ${token}`)).status).toBe(200);
      now = (NOW_S + 3599) * 1000;
      const expired = await company(`Bearer ${token}`);
      expect(expired.status).toBe(401);
      expect(await expired.json()).toMatchObject({ error: "invalid_token" });
      // Only the login counts as a token request.
      expect(server.tokenRequests()).toBe(1);
    });
  });
});
