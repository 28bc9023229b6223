/**
 * Test-only helpers (never exported from index.ts, never built): a real node:http server on
 * 127.0.0.1 that records every request, a made-up vendor "Acme" with one binding per wire shape,
 * and a few utilities. Tests talk HTTP to it through the real global fetch.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import type { AuthBinding } from "./binding.js";

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query, e.g. `/oauth/token?tenant=a`. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** Parses a multipart or urlencoded body the way a server would. */
  formData(): Promise<FormData>;
  json(): unknown;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests whose path is `path`. */
  requestsTo(path: string): RecordedRequest[];
  /** Resolves when the server has received `count` requests in total. */
  received(count: number): Promise<void>;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

const servers = new Set<TestServer>();

/** Starts a recording server on 127.0.0.1, port 0. Close it with {@link closeAllServers}. */
export async function startServer(handler: Handler = notFound): Promise<TestServer> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const raw = Buffer.concat(chunks);
      const url = incoming.url ?? "/";
      const parsed = new URL(url, "http://127.0.0.1");
      const recorded: RecordedRequest = {
        method: incoming.method ?? "GET",
        url,
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: incoming.headers,
        body: raw.toString("utf8"),
        formData: () =>
          new Response(raw, {
            headers: { "content-type": incoming.headers["content-type"] ?? "" },
          }).formData(),
        json: () => JSON.parse(raw.toString("utf8")) as unknown,
      };
      requests.push(recorded);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      Promise.resolve(current(recorded, response)).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 599, { testServerError: String(error) });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (path) => requests.filter((request) => request.path === path),
    received: (count) =>
      requests.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    handle(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        servers.delete(testServer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.add(testServer);
  return testServer;
}

/** For `afterEach`: closes every server started by {@link startServer}. */
export async function closeAllServers(): Promise<void> {
  await Promise.all([...servers].map((server) => server.close()));
}

/** A URL on 127.0.0.1 where nothing listens (a server was bound to it and closed). */
export async function unusedUrl(): Promise<string> {
  const server = await startServer();
  await server.close();
  return server.url;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export function sendText(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "text/plain", ...headers });
  response.end(body);
}

function notFound(_request: RecordedRequest, response: ServerResponse): void {
  sendJson(response, 404, { error: "not_found" });
}

/** A deferred promise, for servers that answer when the test says so. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// ---------------------------------------------------------------------------------------------
// Time and JWTs
// ---------------------------------------------------------------------------------------------

/** 2026-05-01T00:00:00Z: the injected "now" of every test. */
export const T0 = Date.UTC(2026, 4, 1);
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** A settable clock for `now`. */
export function createClock(start = T0): {
  now: () => number;
  set(at: number): void;
  advance(ms: number): void;
} {
  let at = start;
  return {
    now: () => at,
    set(next) {
      at = next;
    },
    advance(ms) {
      at += ms;
    },
  };
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** An unsigned-looking JWT with the given claims (auth-core decodes without verifying). */
export function jwt(claims: Record<string, unknown>): string {
  return `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(claims))}.c2ln`;
}

// ---------------------------------------------------------------------------------------------
// Secrets and the "no secret anywhere" scan
// ---------------------------------------------------------------------------------------------

/** Every place a secret could hide in an error: message, JSON, inspect output, cause chain. */
export function errorSurfaces(error: unknown): string[] {
  const surfaces = [inspect(error, { depth: 10 }), safeStringify(error)];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (current instanceof Error) {
      surfaces.push(current.message, String(current.stack), safeStringify(current));
      current = current.cause;
    } else {
      surfaces.push(String(current), safeStringify(current));
      break;
    }
  }
  return surfaces;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/** The secrets among `secrets` that occur anywhere in `surfaces`. */
export function leaked(surfaces: readonly string[], secrets: readonly string[]): string[] {
  return secrets.filter((secret) => surfaces.some((surface) => surface.includes(secret)));
}

// ---------------------------------------------------------------------------------------------
// Acme: a made-up vendor, one binding per wire shape
// ---------------------------------------------------------------------------------------------

export const ACME_SECRET = "acme-SECRET-9f3b2c71d0";
export const ACME_CLIENT_ID = "acme-client-4411";

/** JSON body: `{client_id, client_secret, scope?}`, `token_type` read with a fallback. */
export const acmeJson: AuthBinding = {
  vendor: "Acme",
  id: "acme",
  spec: "specs/acme.yaml",
  servers: { production: "https://api.acme.example/v1", sandbox: "https://sandbox.acme.example" },
  defaultServer: "production",
  credentials: [
    { name: "clientId", required: true, type: "string" },
    { name: "clientSecret", required: true, type: "string" },
    { name: "scope", required: false, type: "string" },
  ],
  token: {
    operation: {
      operationId: "createToken",
      method: "post",
      path: "/oauth/token",
      body: "json",
      fields: [
        { wire: "client_id", in: "body", from: "credentials.clientId" },
        { wire: "client_secret", in: "body", from: "credentials.clientSecret" },
        { wire: "scope", in: "body", from: "credentials.scope" },
      ],
    },
    accessToken: "/access_token",
    tokenType: { from: "/token_type", fallback: "Bearer" },
    expiry: [{ from: "/expires_in", as: "seconds" }],
  },
};

/**
 * Form body: a const `grant_type`, an array `resource` (one field per value), an optional
 * number, a boolean const, and a query parameter.
 */
export const acmeForm: AuthBinding = {
  vendor: "Acme",
  id: "acme-form",
  spec: "specs/acme.yaml",
  servers: {},
  defaultServer: null,
  credentials: [
    { name: "clientId", required: true, type: "string" },
    { name: "clientSecret", required: true, type: "string" },
    { name: "resource", required: false, type: "string[]" },
    { name: "expiresIn", required: false, type: "number" },
    { name: "tenant", required: false, type: "string" },
    { name: "verbose", required: false, type: "boolean" },
  ],
  token: {
    operation: {
      operationId: "issueToken",
      method: "post",
      path: "/oauth2/token",
      body: "form",
      fields: [
        { wire: "grant_type", in: "body", from: { const: "client_credentials" } },
        { wire: "client_id", in: "body", from: "credentials.clientId" },
        { wire: "client_secret", in: "body", from: "credentials.clientSecret" },
        { wire: "resource", in: "body", from: "credentials.resource" },
        { wire: "expires_in", in: "body", from: "credentials.expiresIn" },
        { wire: "offline", in: "body", from: { const: true } },
        { wire: "tenant", in: "query", from: "credentials.tenant" },
        { wire: "verbose", in: "query", from: "credentials.verbose" },
      ],
    },
    accessToken: "/access_token",
    tokenType: "bearer",
    expiry: [{ from: "/expires_in", as: "auto" }],
  },
};

/** Multipart login, JWT expiry, a refresh token, and a refresh operation sent with the bearer. */
export const acmeMultipart: AuthBinding = {
  vendor: "Acme",
  id: "acme-mp",
  spec: "specs/acme.yaml",
  servers: { staging: "https://staging.acme.example" },
  defaultServer: null,
  credentials: [
    { name: "username", required: true, type: "string" },
    { name: "password", required: true, type: "string" },
    { name: "companyName", required: true, type: "string" },
    { name: "tags", required: false, type: "string[]" },
  ],
  token: {
    operation: {
      operationId: "login",
      method: "post",
      path: "/auth/login",
      body: "multipart",
      fields: [
        { wire: "username", in: "body", from: "credentials.username" },
        { wire: "password", in: "body", from: "credentials.password" },
        { wire: "company_name", in: "body", from: "credentials.companyName" },
        { wire: "tag", in: "body", from: "credentials.tags" },
        { wire: "client", in: "body", from: { const: "tokenyard" } },
      ],
    },
    accessToken: "/access_token",
    tokenType: "Bearer",
    expiry: [{ from: "/access_token", as: "jwt-exp" }],
    defaultLifetimeSeconds: 900,
    refreshToken: { from: "/refresh_token", expiry: "jwt-exp" },
  },
  refresh: {
    operation: {
      operationId: "refreshToken",
      method: "post",
      path: "/auth/refresh",
      body: "multipart",
      fields: [
        { wire: "refresh_token", in: "body", from: "refreshToken" },
        { wire: "company_name", in: "body", from: "credentials.companyName" },
      ],
    },
    authorization: "current-access-token",
  },
};

/** Header credentials, no body, epoch-ms expiry. */
export const acmeHeader: AuthBinding = {
  vendor: "Acme",
  id: "acme-hdr",
  spec: "specs/acme.yaml",
  servers: { production: "https://pay.acme.example" },
  defaultServer: "production",
  credentials: [
    { name: "merchantId", required: true, type: "string" },
    { name: "secret", required: true, type: "string" },
  ],
  token: {
    operation: {
      operationId: "getToken",
      method: "get",
      path: "/merchant/token",
      fields: [
        { wire: "x-merchant-id", in: "header", from: "credentials.merchantId" },
        { wire: "x-secret", in: "header", from: "credentials.secret" },
      ],
    },
    accessToken: "/data/token",
    tokenType: "Bearer",
    expiry: [{ from: "/data/expiresAt", as: "epoch-ms" }],
  },
};

// ---------------------------------------------------------------------------------------------
// Lifecycle helpers: an Acme token endpoint driven by the test clock, and injectable sleep
// ---------------------------------------------------------------------------------------------

/**
 * Decides one answer of {@link startAcmeTokens}: write a response (or drop the connection) and
 * return true, or return false to let the endpoint issue a token as usual.
 */
export type AcmeAnswer = (
  request: RecordedRequest,
  response: ServerResponse,
) => boolean | Promise<boolean>;

/**
 * Acme's JSON token endpoint (`acmeJson`, path `/oauth/token`) on 127.0.0.1: issues
 * `tok-<client_id>-<n>` (type "bearer") `lifetimeSeconds` long. `state.gate` holds every answer
 * until it resolves; `state.answer` overrides answers (failures, drops, custom headers).
 * `answered(n)` resolves once `n` responses have been written or dropped.
 */
export async function startAcmeTokens(
  clock: { now(): number },
  settings: { lifetimeSeconds?: number } = {},
) {
  const state = {
    issued: 0,
    lifetimeSeconds: settings.lifetimeSeconds ?? 3600,
    gate: undefined as Promise<void> | undefined,
    answer: undefined as AcmeAnswer | undefined,
  };
  let answeredCount = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = await startServer(async (request, response) => {
    response.once("close", () => {
      answeredCount += 1;
      for (const waiter of waiters.filter((w) => answeredCount >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
    if (request.path !== "/oauth/token") return sendJson(response, 404, {});
    if (state.gate) await state.gate;
    if (state.answer && (await state.answer(request, response))) return;
    const { client_id } = request.json() as { client_id: string };
    state.issued += 1;
    sendJson(response, 200, {
      access_token: `tok-${client_id}-${state.issued}`,
      token_type: "bearer",
      expires_in: state.lifetimeSeconds,
    });
  });
  return {
    server,
    state,
    tokenRequests: () => server.requestsTo("/oauth/token").length,
    answered: () => answeredCount,
    /** Resolves once `count` responses in total have gone out (or connections were dropped). */
    whenAnswered: (count: number): Promise<void> =>
      answeredCount >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve })),
  };
}

/** Answers with `status` and a JSON error body (and any extra headers). */
export function failWith(status: number, headers: Record<string, string> = {}): AcmeAnswer {
  return (_request, response) => {
    sendJson(response, status, { error: `status_${status}` }, headers);
    return true;
  };
}

/** Drops the connection without an answer: fetch sees a network error. */
export const dropConnection: AcmeAnswer = (_request, response) => {
  response.socket?.destroy();
  return true;
};

/** Never answers (until the server closes): for timeouts. */
export const neverAnswer: AcmeAnswer = () => new Promise<boolean>(() => {});

/**
 * A `sleep` option that records every wait and returns at once, optionally advancing the test
 * clock by the time slept.
 */
export function recordingSleep(clock?: { advance(ms: number): void }): {
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
} {
  const sleeps: number[] = [];
  return {
    sleeps,
    sleep: (ms) => {
      sleeps.push(ms);
      clock?.advance(ms);
      return Promise.resolve();
    },
  };
}

/** The promise's rejection; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** Lets pending I/O callbacks and microtasks run: one macrotask turn. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Lets the event loop turn until `condition()` holds; fails after `maxTurns` turns. */
export async function until(condition: () => boolean, what = "condition", maxTurns = 2000) {
  for (let turn = 0; turn < maxTurns; turn += 1) {
    if (condition()) return;
    await nextTurn();
  }
  throw new Error(`timed out waiting for ${what}`);
}
