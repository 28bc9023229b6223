import { afterEach, describe, expect, it } from "vitest";
import type { OperationBinding } from "./binding.js";
import { TokenRequestError, TokenResponseError } from "./errors.js";
import { createTokenClient, sendTokenRequest, type TokenRequest } from "./token-request.js";
import {
  ACME_CLIENT_ID,
  ACME_SECRET,
  T0,
  acmeForm,
  acmeHeader,
  acmeJson,
  acmeMultipart,
  closeAllServers,
  errorSurfaces,
  leaked,
  sendJson,
  sendText,
  startServer,
  unusedUrl,
  type TestServer,
  rejection,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

const TOKEN_BODY = { access_token: "tok-1", token_type: "Bearer", expires_in: 3600 };

function okServer(): Promise<TestServer> {
  return startServer((_request, response) => sendJson(response, 200, TOKEN_BODY));
}

function send(
  server: { url: string },
  operation: OperationBinding,
  credentials: Record<string, unknown>,
  extra: Partial<TokenRequest> = {},
): ReturnType<typeof sendTokenRequest> {
  return sendTokenRequest(createTokenClient(server.url, globalThis.fetch), {
    vendor: "Acme",
    operation,
    values: { credentials },
    timeoutMs: 5_000,
    secrets: Object.values(credentials).flatMap((value) =>
      typeof value === "string" ? [value] : [],
    ),
    now: () => T0,
    ...extra,
  });
}

const jsonOp = acmeJson.token.operation;
const formOp = acmeForm.token.operation;
const multipartOp = acmeMultipart.token.operation;
const headerOp = acmeHeader.token.operation;

describe("sendTokenRequest: the wire", () => {
  it("JSON body: method, path, content type, exact body; omitted optional fields", async () => {
    const server = await okServer();
    const reply = await send(server, jsonOp, {
      clientId: ACME_CLIENT_ID,
      clientSecret: ACME_SECRET,
    });
    expect(reply).toEqual({ status: 200, body: TOKEN_BODY });
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/oauth/token");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.body).toBe(
      JSON.stringify({ client_id: ACME_CLIENT_ID, client_secret: ACME_SECRET }),
    );
    expect(request?.headers.authorization).toBeUndefined();
  });

  it("JSON body includes an optional field when given", async () => {
    const server = await okServer();
    await send(server, jsonOp, { clientId: "id", clientSecret: "pw", scope: "read write" });
    expect(server.requests[0]?.json()).toEqual({
      client_id: "id",
      client_secret: "pw",
      scope: "read write",
    });
  });

  it("keeps the base path of the base URL before the operation path", async () => {
    const server = await okServer();
    await send({ url: `${server.url}/apif/v2` }, jsonOp, { clientId: "id", clientSecret: "pw" });
    expect(server.requests[0]?.path).toBe("/apif/v2/oauth/token");
  });

  it("form body: urlencoded, const fields, one field per array value, query fields", async () => {
    const server = await okServer();
    await send(server, formOp, {
      clientId: "id 1",
      clientSecret: "p&w=+",
      resource: ["https://a.example/", "urn:b"],
      expiresIn: 600,
      tenant: "eu",
      verbose: false,
    });
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/oauth2/token");
    expect(request?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request?.body).toBe(
      "grant_type=client_credentials&client_id=id+1&client_secret=p%26w%3D%2B" +
        "&resource=https%3A%2F%2Fa.example%2F&resource=urn%3Ab&expires_in=600&offline=true",
    );
    const form = new URLSearchParams(request?.body);
    expect(form.getAll("resource")).toEqual(["https://a.example/", "urn:b"]);
    expect(form.get("client_secret")).toBe("p&w=+");
    expect(request?.query.get("tenant")).toBe("eu");
    expect(request?.query.get("verbose")).toBe("false");
    expect(request?.query.has("client_secret")).toBe(false);
  });

  it("form body leaves out absent optional fields and sends no query string", async () => {
    const server = await okServer();
    await send(server, formOp, { clientId: "id", clientSecret: "pw" });
    const [request] = server.requests;
    expect(request?.url).toBe("/oauth2/token");
    expect(request?.body).toBe(
      "grant_type=client_credentials&client_id=id&client_secret=pw&offline=true",
    );
  });

  it("multipart body: boundary content type, repeated array fields, const field", async () => {
    const server = await okServer();
    await send(server, multipartOp, {
      username: "alice",
      password: ACME_SECRET,
      companyName: "Acme Corp",
      tags: ["t1", "t2"],
    });
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/auth/login");
    expect(request?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=\S+$/);
    expect(request?.body.match(/name="tag"/g)).toHaveLength(2);
    const form = await request!.formData();
    expect([...form.keys()]).toEqual([
      "username",
      "password",
      "company_name",
      "tag",
      "tag",
      "client",
    ]);
    expect(form.get("username")).toBe("alice");
    expect(form.get("password")).toBe(ACME_SECRET);
    expect(form.get("company_name")).toBe("Acme Corp");
    expect(form.getAll("tag")).toEqual(["t1", "t2"]);
    expect(form.get("client")).toBe("tokenyard");
  });

  it("header credentials: in headers, no body, no content type", async () => {
    const server = await okServer();
    await send(server, headerOp, { merchantId: "m-77", secret: ACME_SECRET });
    const [request] = server.requests;
    expect(request?.method).toBe("GET");
    expect(request?.url).toBe("/merchant/token");
    expect(request?.headers["x-merchant-id"]).toBe("m-77");
    expect(request?.headers["x-secret"]).toBe(ACME_SECRET);
    expect(request?.headers["content-type"]).toBeUndefined();
    expect(request?.body).toBe("");
  });

  it("sends extra headers and refresh/access token fields", async () => {
    const server = await okServer();
    const refreshOp = acmeMultipart.refresh!.operation;
    await sendTokenRequest(createTokenClient(server.url, globalThis.fetch), {
      vendor: "Acme",
      operation: refreshOp,
      values: {
        credentials: { companyName: "Acme Corp" },
        refreshToken: "ref-1",
        accessToken: "tok-0",
      },
      headers: { Authorization: "Bearer tok-0" },
      timeoutMs: 5_000,
      secrets: [],
      now: () => T0,
    });
    const [request] = server.requests;
    expect(request?.path).toBe("/auth/refresh");
    expect(request?.headers.authorization).toBe("Bearer tok-0");
    const form = await request!.formData();
    expect(form.get("refresh_token")).toBe("ref-1");
    expect(form.get("company_name")).toBe("Acme Corp");
  });

  it("uses the fetch it was given", async () => {
    const server = await okServer();
    const seen: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return globalThis.fetch(input, init);
    };
    await sendTokenRequest(createTokenClient(server.url, fetch), {
      vendor: "Acme",
      operation: jsonOp,
      values: { credentials: { clientId: "id", clientSecret: "pw" } },
      timeoutMs: 5_000,
      secrets: [],
      now: () => T0,
    });
    expect(seen).toEqual([`${server.url}/oauth/token`]);
  });
});

describe("sendTokenRequest: failures", () => {
  const creds = { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET };

  it("non-2xx with an OAuth JSON body → TokenRequestError with status, body, vendor message", async () => {
    const server = await startServer((_request, response) =>
      sendJson(response, 401, { error: "invalid_client", error_description: "Client unknown" }),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBe(401);
    expect(error.body).toEqual({ error: "invalid_client", error_description: "Client unknown" });
    expect(error.message).toBe("Acme createToken failed: HTTP 401: invalid_client Client unknown");
    expect(error.vendor).toBe("Acme");
    expect(error.operation).toBe("createToken");
    expect(error.attempts).toBe(1);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.cause).toBeUndefined();
  });

  it("non-2xx with a text body keeps the text", async () => {
    const server = await startServer((_request, response) =>
      sendText(response, 503, "upstream unavailable\n"),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.status).toBe(503);
    expect(error.body).toBe("upstream unavailable\n");
    expect(error.message).toBe("Acme createToken failed: HTTP 503: upstream unavailable");
  });

  it("non-2xx with an empty body says only the status", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(403, { "content-length": "0" });
      response.end();
    });
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.status).toBe(403);
    expect(error.body).toBeUndefined();
    expect(error.message).toBe("Acme createToken failed: HTTP 403");
  });

  it.each([
    [{ message: "Merchant disabled" }, "Merchant disabled"],
    [{ title: "Forbidden", detail: "Merchant disabled" }, "Forbidden Merchant disabled"],
    [{ error: "x", message: "x" }, "x"],
    [{ detail: "Not authenticated" }, "Not authenticated"],
  ])("puts the vendor's words in the message: %j", async (body, words) => {
    const server = await startServer((_request, response) => sendJson(response, 400, body));
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.message).toBe(`Acme createToken failed: HTTP 400: ${words}`);
  });

  it("truncates a long vendor message", async () => {
    const server = await startServer((_request, response) =>
      sendText(response, 500, "x".repeat(1000)),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.message).toBe(`Acme createToken failed: HTTP 500: ${"x".repeat(300)}…`);
    expect(error.body).toBe("x".repeat(1000));
  });

  it("retryAfterMs from Retry-After seconds", async () => {
    const server = await startServer((_request, response) =>
      sendJson(response, 429, { error: "slow_down" }, { "retry-after": "7" }),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(7000);
  });

  it("retryAfterMs from a Retry-After HTTP date, by the injected clock", async () => {
    const server = await startServer((_request, response) =>
      sendJson(response, 503, {}, { "retry-after": new Date(T0 + 45_000).toUTCString() }),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.retryAfterMs).toBe(45_000);
  });

  it("retryAfterMs from x-ratelimit-reset", async () => {
    const server = await startServer((_request, response) =>
      sendJson(response, 429, {}, { "x-ratelimit-reset": String(T0 / 1000 + 20) }),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.retryAfterMs).toBe(20_000);
  });

  it("a 2xx that is not JSON → TokenResponseError, without the body in the message", async () => {
    const server = await startServer((_request, response) =>
      sendText(response, 200, `<html>${ACME_SECRET}</html>`),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenResponseError;
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.status).toBe(200);
    expect(error.operation).toBe("createToken");
    expect(error.message).toContain("not JSON");
    expect(leaked(errorSurfaces(error), [ACME_SECRET])).toEqual([]);
  });

  it("an empty 2xx → TokenResponseError", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(204);
      response.end();
    });
    const error = (await rejection(send(server, jsonOp, creds))) as TokenResponseError;
    expect(error).toBeInstanceOf(TokenResponseError);
    expect(error.status).toBe(204);
  });

  it("network failure → TokenRequestError without status, with the cause", async () => {
    const url = await unusedUrl();
    const error = (await rejection(send({ url }, jsonOp, creds))) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBeUndefined();
    expect("status" in error).toBe(false);
    expect(error.message).toContain("Acme createToken could not reach the vendor");
    expect(error.cause).toBeInstanceOf(Error);
    expect(inspectCauses(error)).toContain("ECONNREFUSED");
  });

  it("timeout → TokenRequestError saying it timed out, without status", async () => {
    const server = await startServer(() => {
      /* never answers */
    });
    const started = performance.now();
    const error = (await rejection(
      send(server, jsonOp, creds, { timeoutMs: 100 }),
    )) as TokenRequestError;
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.message).toBe("Acme createToken timed out after 100 ms");
    expect(error.status).toBeUndefined();
    expect((error.cause as Error).name).toBe("TimeoutError");
  });

  it("a timeout also covers a body that never ends", async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"access_token":');
    });
    const error = (await rejection(
      send(server, jsonOp, creds, { timeoutMs: 100 }),
    )) as TokenRequestError;
    expect(error.message).toBe("Acme createToken timed out after 100 ms");
  });

  it("a caller's abort rejects with the signal's reason", async () => {
    const server = await startServer(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const pending = rejection(send(server, jsonOp, creds, { signal: controller.signal }));
    await server.received(1);
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });

  it("a signal aborted before the call rejects with its reason and sends nothing", async () => {
    const server = await okServer();
    const reason = new Error("already gone");
    const error = await rejection(
      send(server, jsonOp, creds, { signal: AbortSignal.abort(reason) }),
    );
    expect(error).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it("redacts secrets a vendor echoes in an error body (FastAPI 422 `input`)", async () => {
    const server = await startServer((request, response) =>
      sendJson(response, 422, {
        detail: [
          {
            type: "string_too_short",
            loc: ["body", "client_secret"],
            msg: `Value ${ACME_SECRET} is invalid`,
            input: request.json(),
          },
        ],
      }),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.status).toBe(422);
    expect(error.body).toEqual({
      detail: [
        {
          type: "string_too_short",
          loc: ["body", "client_secret"],
          msg: "Value [redacted] is invalid",
          input: { client_id: "[redacted]", client_secret: "[redacted]" },
        },
      ],
    });
    expect(error.message).toBe(
      "Acme createToken failed: HTTP 422: body.client_secret: Value [redacted] is invalid",
    );
    expect(leaked(errorSurfaces(error), [ACME_SECRET, ACME_CLIENT_ID])).toEqual([]);
  });

  it("redacts secrets echoed in a text error body", async () => {
    const server = await startServer((_request, response) =>
      sendText(response, 400, `bad secret: ${ACME_SECRET}`),
    );
    const error = (await rejection(send(server, jsonOp, creds))) as TokenRequestError;
    expect(error.body).toBe("bad secret: [redacted]");
    expect(leaked(errorSurfaces(error), [ACME_SECRET])).toEqual([]);
  });

  it("a credential that cannot be a header value fails without revealing it", async () => {
    const server = await okServer();
    const secret = `bad\n${ACME_SECRET}`;
    const error = (await rejection(
      send(server, headerOp, { merchantId: "m-1", secret }, { secrets: ["m-1", secret] }),
    )) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeInstanceOf(Error);
    expect(leaked(errorSurfaces(error), [ACME_SECRET])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});

function inspectCauses(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    parts.push(`${current.name}: ${current.message} ${(current as { code?: string }).code ?? ""}`);
  }
  return parts.join("\n");
}
