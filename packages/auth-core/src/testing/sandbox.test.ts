/**
 * The sandbox over plain HTTP: routing, strictness about requests, protected operations,
 * robustness against garbage, and that no answer ever echoes a secret.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  formVendor,
  headerVendor,
  jsonVendor,
  multipartVendor,
  testClock,
} from "./bindings.test-helper.js";
import { until } from "../test-server.test-helper.js";
import { signJwt } from "./issue-token.js";
import type { SandboxAnswer, SandboxBinding } from "./sandbox-binding.js";
import { startSandbox, type Sandbox, type SandboxOptions } from "./index.js";

const open: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

async function start(binding: SandboxBinding, options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox(binding, options);
  open.push(sandbox);
  return sandbox;
}

/** Every answer a test saw, to check none names a secret. */
const answers: string[] = [];

async function expectAnswer(response: Response, expected: SandboxAnswer): Promise<void> {
  const text = await response.text();
  answers.push(text);
  expect(response.status).toBe(expected.status);
  expect(response.headers.get("content-type")).toBe(expected.contentType);
  const body = /json/.test(expected.contentType) ? JSON.parse(text) : text;
  expect(body).toEqual(expected.body);
}

function jsonLogin(sandbox: Sandbox, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sandbox.baseUrl}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

function goodJson(sandbox: Sandbox): Record<string, unknown> {
  const { appName, clientId, clientSecret } = sandbox.credentials;
  return { app_name: appName, client_id: clientId, client_secret: clientSecret };
}

function formLogin(sandbox: Sandbox, fields: Array<[string, string]>): Promise<Response> {
  return fetch(`${sandbox.baseUrl}/v0/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

function goodForm(sandbox: Sandbox): Array<[string, string]> {
  return [
    ["client_id", String(sandbox.credentials["clientId"])],
    ["client_secret", String(sandbox.credentials["clientSecret"])],
    ["grant_type", "client_credentials"],
  ];
}

describe("credentials", () => {
  it("are random per sandbox for every required credential, overridable per name", async () => {
    const a = await start(jsonVendor);
    const b = await start(jsonVendor, { credentials: { clientId: "mine" } });
    expect(a.credentials["clientSecret"]).toMatch(/^sbx-clientSecret-[0-9a-f]{16}$/);
    expect(a.credentials["clientSecret"]).not.toBe(b.credentials["clientSecret"]);
    expect(b.credentials["clientId"]).toBe("mine");
    expect(Object.keys(a.credentials)).toEqual(["appName", "clientId", "clientSecret"]);
  });

  it("a wrong value of any required credential → badCredentials", async () => {
    const sandbox = await start(jsonVendor);
    for (const wire of ["app_name", "client_id", "client_secret"]) {
      const response = await jsonLogin(sandbox, { ...goodJson(sandbox), [wire]: "nope" });
      await expectAnswer(response, jsonVendor.errors.badCredentials);
    }
    await expectAnswer(await jsonLogin(sandbox, goodJson(sandbox)), {
      status: 200,
      contentType: "application/json",
      body: expect.objectContaining({ token_type: "Bearer" }),
    });
    expect(sandbox.requests.map((r) => r.problem)).toEqual([
      "credentials do not match",
      "credentials do not match",
      "credentials do not match",
      undefined,
    ]);
  });

  it("header credentials are compared too", async () => {
    const sandbox = await start(headerVendor);
    const response = await fetch(`${sandbox.baseUrl}/api/v1/auth/token`, {
      method: "POST",
      headers: { "x-merchant-id": String(sandbox.credentials["merchantId"]), "x-secret": "x" },
    });
    await expectAnswer(response, headerVendor.errors.badCredentials);
  });
});

describe("strictness: anything the spec does not allow → badRequest, verbatim", () => {
  it("JSON vendor", async () => {
    const sandbox = await start(jsonVendor);
    const good = goodJson(sandbox);
    const bad: Array<[string, Promise<Response>]> = [
      [
        "form instead of JSON",
        fetch(`${sandbox.baseUrl}/auth/token`, {
          method: "POST",
          body: new URLSearchParams(good as Record<string, string>),
        }),
      ],
      ["no content type", jsonLogin(sandbox, good, { headers: {} })],
      ["missing required", jsonLogin(sandbox, { ...good, client_secret: undefined })],
      ["unknown field", jsonLogin(sandbox, { ...good, password: "x" })],
      ["wrong type", jsonLogin(sandbox, { ...good, scope: 5 })],
      ["null", jsonLogin(sandbox, { ...good, scope: null })],
      ["not JSON", jsonLogin(sandbox, '{"app_name":')],
      ["not an object", jsonLogin(sandbox, [good])],
      ["empty body", jsonLogin(sandbox, "")],
      [
        "unknown query parameter",
        fetch(`${sandbox.baseUrl}/auth/token?debug=1`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(good),
        }),
      ],
    ];
    for (const [, response] of bad)
      await expectAnswer(await response, jsonVendor.errors.badRequest);
    expect(sandbox.requests.map((r) => r.problem)).toEqual([
      "expected Content-Type application/json",
      "expected Content-Type application/json",
      'missing required body input "client_secret"',
      'unknown body field "password"',
      'body input "scope" is not a string',
      'body input "scope" is not a string',
      "body is not valid JSON",
      "JSON body must be an object",
      "body is not valid JSON",
      'unknown query parameter "debug"',
    ]);
    expect(sandbox.tokenRequests()).toBe(bad.length);
    expect(sandbox.issuedTokens).toEqual([]);
    // An optional field of the right type is fine, and so is a charset parameter.
    const ok = await jsonLogin(
      sandbox,
      { ...good, scope: "read" },
      { headers: { "content-type": "application/json; charset=utf-8" } },
    );
    expect(ok.status).toBe(200);
  });

  it("form vendor: const, repeated fields, numeric strings", async () => {
    const sandbox = await start(formVendor);
    const good = goodForm(sandbox);
    const bad: Array<Array<[string, string]>> = [
      [...good.slice(0, 2), ["grant_type", "password"]],
      good.slice(0, 2),
      [...good, ["client_id", String(sandbox.credentials["clientId"])]],
      [...good, ["expires_in", "soon"]],
      [...good, ["expires_in", "0"]],
      [...good, ["expires_in", "-5"]],
      [...good, ["scope", "read"]],
    ];
    for (const fields of bad)
      await expectAnswer(await formLogin(sandbox, fields), formVendor.errors.badRequest);
    expect(sandbox.requests.map((r) => r.problem)).toEqual([
      'body input "grant_type" must be the documented constant',
      'missing required body input "grant_type"',
      'body input "client_id" sent more than once',
      'body input "expires_in" is not a number',
      "requested lifetime is not positive",
      "requested lifetime is not positive",
      'unknown body field "scope"',
    ]);
    const json = await fetch(`${sandbox.baseUrl}/v0/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(Object.fromEntries(good)),
    });
    await expectAnswer(json, formVendor.errors.badRequest);
    const ok = await formLogin(sandbox, [
      ...good,
      ["resource", "https://a.example/"],
      ["resource", "https://b.example/"],
      ["expires_in", "60"],
    ]);
    expect(ok.status).toBe(200);
    expect(sandbox.requests.at(-1)!.fields).toMatchObject({
      resource: ["https://a.example/", "https://b.example/"],
    });
  });

  it("multipart vendor: needs multipart with a boundary, text fields only", async () => {
    const sandbox = await start(multipartVendor);
    const { username, password, companyName } = sandbox.credentials as Record<string, string>;
    const url = `${sandbox.baseUrl}/access/get_access_token`;
    const form = (extra?: (f: FormData) => void): FormData => {
      const f = new FormData();
      f.append("username", username!);
      f.append("password", password!);
      f.append("company_name", companyName!);
      extra?.(f);
      return f;
    };
    const bad = [
      fetch(url, {
        method: "POST",
        body: new URLSearchParams({
          username: username!,
          password: password!,
          company_name: companyName!,
        }),
      }),
      fetch(url, { method: "POST", headers: { "content-type": "multipart/form-data" }, body: "x" }),
      fetch(url, {
        method: "POST",
        headers: { "content-type": "multipart/form-data; boundary=zzz" },
        body: "garbage",
      }),
      fetch(url, { method: "POST", body: form((f) => f.delete("password")) }),
      fetch(url, {
        method: "POST",
        body: form((f) => f.append("avatar", new Blob(["x"]), "a.png")),
      }),
      fetch(url, { method: "POST", body: form((f) => f.append("username", username!)) }),
    ];
    for (const response of bad)
      await expectAnswer(await response, multipartVendor.errors.badRequest);
    expect(sandbox.requests.map((r) => r.problem)).toEqual([
      "expected Content-Type multipart/form-data",
      "multipart body without boundary",
      "body is not valid multipart/form-data",
      'missing required body input "password"',
      'field "avatar" is a file',
      'body input "username" sent more than once',
    ]);
    expect((await fetch(url, { method: "POST", body: form() })).status).toBe(200);
  });

  it("header vendor: no body allowed, required headers", async () => {
    const sandbox = await start(headerVendor);
    const url = `${sandbox.baseUrl}/api/v1/auth/token`;
    const headers = {
      "x-merchant-id": String(sandbox.credentials["merchantId"]),
      "x-secret": String(sandbox.credentials["secret"]),
    };
    await expectAnswer(
      await fetch(url, { method: "POST", headers, body: "{}" }),
      headerVendor.errors.badRequest,
    );
    await expectAnswer(
      await fetch(url, { method: "POST", headers: { "x-secret": headers["x-secret"] } }),
      headerVendor.errors.badRequest,
    );
    expect((await fetch(url, { method: "POST", headers })).status).toBe(200);
  });

  it("refresh checks its own inputs before any token", async () => {
    const sandbox = await start(multipartVendor);
    const form = new FormData();
    form.append("refresh_token", "x");
    const response = await fetch(`${sandbox.baseUrl}/access/refresh`, {
      method: "POST",
      body: form,
    });
    await expectAnswer(response, multipartVendor.errors.badRequest);
    expect(sandbox.refreshRequests()).toBe(1);
  });
});

describe("routing and robustness", () => {
  it("unknown path → 404, wrong method → 405 with Allow", async () => {
    const sandbox = await start(jsonVendor);
    const missing = await fetch(`${sandbox.url}/auth/token`, { method: "POST" });
    expect(missing.status).toBe(404);
    answers.push(await missing.text());
    const wrong = await fetch(`${sandbox.baseUrl}/auth/token`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("POST");
    answers.push(await wrong.text());
    expect(sandbox.requests.map((r) => r.operationId)).toEqual([null, null]);
    expect(sandbox.tokenRequests()).toBe(0);
  });

  it("bodies over 1 MiB → 413", async () => {
    const sandbox = await start(jsonVendor);
    const response = await jsonLogin(sandbox, `{"x":"${"a".repeat(1024 * 1024)}"}`);
    expect(response.status).toBe(413);
    answers.push(await response.text());
    // Still serving.
    expect((await jsonLogin(sandbox, goodJson(sandbox))).status).toBe(200);
  });

  it("survives raw garbage on the socket", async () => {
    const sandbox = await start(jsonVendor);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(sandbox.url).port), "127.0.0.1", () => {
        socket.end("\u0000\u00ff GARBAGE\r\n\r\n{{{");
      });
      socket.on("close", () => resolve());
      socket.on("error", () => resolve());
      socket.resume();
    });
    expect((await jsonLogin(sandbox, goodJson(sandbox))).status).toBe(200);
  });

  it("close() ends idle keep-alive connections promptly and is idempotent", async () => {
    const sandbox = await startSandbox(jsonVendor);
    expect((await jsonLogin(sandbox, goodJson(sandbox))).status).toBe(200);
    const started = performance.now();
    await sandbox.close();
    await sandbox.close();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("close() releases a delayed answer", async () => {
    const sandbox = await startSandbox(jsonVendor);
    sandbox.setDelay(60_000);
    const pending = jsonLogin(sandbox, goodJson(sandbox)).catch((error: unknown) => error);
    await until(() => sandbox.requests.length === 1, "the request to arrive");
    await sandbox.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it("rejects invalid lifetimes and delays", async () => {
    await expect(startSandbox(jsonVendor, { lifetimeSeconds: 0 })).rejects.toThrow(RangeError);
    const sandbox = await start(jsonVendor);
    expect(() => sandbox.setLifetime(-1)).toThrow(RangeError);
    expect(() => sandbox.setDelay(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe("protected operations", () => {
  it("200 with the example for a live token; else badCredentials", async () => {
    const clock = testClock();
    const sandbox = await start(jsonVendor, { now: clock.now, lifetimeSeconds: 60 });
    const me = (token?: string): Promise<Response> =>
      fetch(
        `${sandbox.baseUrl}/me`,
        token ? { headers: { authorization: `Bearer ${token}` } } : {},
      );
    const login = async (): Promise<string> =>
      ((await (await jsonLogin(sandbox, goodJson(sandbox))).json()) as { access_token: string })
        .access_token;

    const first = await login();
    await expectAnswer(await me(first), {
      status: 200,
      contentType: "application/json",
      body: { app: "demo", scopes: ["read"] },
    });
    await expectAnswer(await me(), jsonVendor.errors.badCredentials);
    await expectAnswer(await me("not-a-jwt"), jsonVendor.errors.badCredentials);
    const forged = signJwt(
      { sub: "sandbox-jsonco", iat: 0, exp: 9e9, jti: "x", token_type: "access" },
      "another secret",
    );
    await expectAnswer(await me(forged), jsonVendor.errors.badCredentials);
    const selfSigned = signJwt(
      { sub: "sandbox-jsonco", iat: 0, exp: 9e9, jti: "x", token_type: "refresh" },
      sandbox.jwtSecret,
    );
    await expectAnswer(await me(selfSigned), jsonVendor.errors.badCredentials);

    const second = await login();
    sandbox.revoke(first);
    await expectAnswer(await me(first), jsonVendor.errors.badCredentials);
    expect((await me(second)).status).toBe(200);
    sandbox.revoke();
    expect((await me(second)).status).toBe(401);
    const third = await login();
    expect((await me(third)).status).toBe(200);
    clock.advance(60_000);
    expect((await me(third)).status).toBe(401);
    // Faults are for token operations only.
    sandbox.fail({ status: 500 });
    expect((await me(third)).status).toBe(401);
    expect((await jsonLogin(sandbox, goodJson(sandbox))).status).toBe(500);
  });
});

describe("no secrets", () => {
  it("no answer or recorded problem seen in these tests names a credential or token", async () => {
    // Runs last in this file: `answers` holds every error answer the tests above received.
    const sandbox = await start(jsonVendor);
    await jsonLogin(sandbox, { ...goodJson(sandbox), client_secret: "wrong-secret-value" });
    const token = (await (await jsonLogin(sandbox, goodJson(sandbox))).json()) as {
      access_token: string;
    };
    const refused = await fetch(`${sandbox.baseUrl}/me`, {
      method: "POST",
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    answers.push(await refused.text());
    const secrets = [
      ...Object.values(sandbox.credentials).map(String),
      "wrong-secret-value",
      token.access_token,
      "sbx-",
    ];
    expect(answers.length).toBeGreaterThan(20);
    for (const text of [...answers, ...sandbox.requests.map((r) => r.problem ?? "")]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});
