/**
 * "No error, log line, event, cache key or util.inspect output ever contains a credential or a
 * token": every failure mode, through the public provider, scanned everywhere a secret could hide.
 */
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { AuthBinding } from "./binding.js";
import { TokenRequestError, TokenResponseError } from "./errors.js";
import type { TokenEvent } from "./events.js";
import { createTokenProvider } from "./provider.js";
import type { TokenStore } from "./token-store.js";
import {
  T0,
  acmeForm,
  acmeHeader,
  acmeJson,
  acmeMultipart,
  closeAllServers,
  createClock,
  errorSurfaces,
  jwt,
  leaked,
  sendJson,
  sendText,
  startServer,
  unusedUrl,
  type Handler,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

const CLIENT_ID = "cid-7d41e0aa";
const CLIENT_SECRET = "csec-Zq81-xx90-LLk2";
/** Has characters that change under URL and form encoding. */
const ODD_SECRET = "p@ss w/rd&x=1+é";
const USERNAME = "user-alice-5521";
const PASSWORD = "pw-Mv83-qq01";
const COMPANY = "Globex-Co-77";
const MERCHANT = "merch-55190";
const MERCHANT_SECRET = "msec-HH21-bb73";

interface Scenario {
  readonly name: string;
  readonly binding: AuthBinding;
  readonly credentials: Record<string, unknown>;
  readonly handler: Handler;
  /** Strings that must appear nowhere (credentials are always included). */
  readonly tokens?: readonly string[];
  readonly timeoutMs?: number;
  readonly unreachable?: boolean;
  readonly expected: typeof TokenRequestError | typeof TokenResponseError;
}

const jsonCreds = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: "scope-read-19" };
const echo =
  (status: number): Handler =>
  (request, response) =>
    sendJson(response, status, {
      error: `rejected ${request.body}`,
      error_description: `headers ${JSON.stringify(request.headers)}`,
      detail: [{ loc: ["body"], msg: `got ${request.body}`, input: safeJson(request.body) }],
    });

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const DEAD_TOKEN = "tok-dead-91be";

const scenarios: Scenario[] = [
  {
    name: "401 echoing the JSON body",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: echo(401),
    expected: TokenRequestError,
  },
  {
    name: "FastAPI 422 with input",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: (request, response) =>
      sendJson(response, 422, {
        detail: [
          {
            type: "value_error",
            loc: ["body", "client_secret"],
            msg: "Invalid",
            input: request.json(),
          },
        ],
      }),
    expected: TokenRequestError,
  },
  {
    name: "500 text echo",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: (request, response) => sendText(response, 500, `boom: ${request.body}`),
    expected: TokenRequestError,
  },
  {
    name: "429 echoing a form body, URL-encoded",
    binding: acmeForm,
    credentials: { clientId: CLIENT_ID, clientSecret: ODD_SECRET, resource: ["urn:res-1"] },
    handler: (request, response) =>
      sendText(response, 429, `rate limited: ${request.body} ${request.url}`, {
        "retry-after": "3",
      }),
    expected: TokenRequestError,
  },
  {
    name: "header credentials echoed",
    binding: acmeHeader,
    credentials: { merchantId: MERCHANT, secret: MERCHANT_SECRET },
    handler: echo(403),
    expected: TokenRequestError,
  },
  {
    name: "multipart credentials echoed",
    binding: acmeMultipart,
    credentials: { username: USERNAME, password: PASSWORD, companyName: COMPANY },
    handler: (request, response) => sendText(response, 400, request.body),
    expected: TokenRequestError,
  },
  {
    name: "2xx that is not JSON, echoing",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: (request, response) => sendText(response, 200, `<html>${request.body}</html>`),
    expected: TokenResponseError,
  },
  {
    name: "2xx without a token, echoing",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: (request, response) => sendJson(response, 200, { echo: request.json() }),
    expected: TokenResponseError,
  },
  {
    name: "token expired on arrival",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: (_request, response) =>
      sendJson(response, 200, { access_token: DEAD_TOKEN, expires_in: -5 }),
    tokens: [DEAD_TOKEN],
    expected: TokenResponseError,
  },
  {
    name: "JWT expired on arrival",
    binding: acmeMultipart,
    credentials: { username: USERNAME, password: PASSWORD, companyName: COMPANY },
    handler: (_request, response) =>
      sendJson(response, 200, { access_token: jwt({ exp: T0 / 1000 - 60, jti: "dead-jwt-42" }) }),
    tokens: [jwt({ exp: T0 / 1000 - 60, jti: "dead-jwt-42" })],
    expected: TokenResponseError,
  },
  {
    name: "timeout",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: () => {},
    timeoutMs: 50,
    expected: TokenRequestError,
  },
  {
    name: "network failure",
    binding: acmeJson,
    credentials: jsonCreds,
    handler: () => {},
    unreachable: true,
    expected: TokenRequestError,
  },
  {
    name: "a credential that is not a valid header value",
    binding: acmeHeader,
    credentials: { merchantId: MERCHANT, secret: `${MERCHANT_SECRET}\r\nx-injected: 1` },
    handler: (_request, response) => sendJson(response, 200, { data: { token: "never" } }),
    expected: TokenRequestError,
  },
];

function credentialStrings(credentials: Record<string, unknown>): string[] {
  return Object.values(credentials).flatMap((value) =>
    typeof value === "string"
      ? [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)]
      : Array.isArray(value)
        ? value.map(String)
        : [],
  );
}

describe("no secret anywhere", () => {
  it.each(scenarios)("$name", async (scenario) => {
    const server = await startServer(scenario.handler);
    const baseUrl = scenario.unreachable ? await unusedUrl() : server.url;
    const events: TokenEvent[] = [];
    const clock = createClock();
    const provider = createTokenProvider(scenario.binding, {
      credentials: scenario.credentials,
      baseUrl,
      now: clock.now,
      timeoutMs: scenario.timeoutMs ?? 5_000,
      // Retries run (their events are swept too) without waiting out the backoff.
      sleep: async () => {},
      onEvent: (event: TokenEvent) => events.push(event),
    });
    const errors: unknown[] = [];
    await provider.getToken().catch((error: unknown) => errors.push(error));
    await provider.getAuthorizationHeader().catch((error: unknown) => errors.push(error));
    await provider.fetch(`${server.url}/api`).catch((error: unknown) => errors.push(error));
    expect(errors).toHaveLength(3);
    for (const error of errors) expect(error).toBeInstanceOf(scenario.expected);
    expect(events.some((event) => event.type === "refresh-error")).toBe(true);

    const secrets = [
      ...new Set([...credentialStrings(scenario.credentials), ...(scenario.tokens ?? [])]),
    ];
    const surfaces = [
      ...errors.flatMap(errorSurfaces),
      ...events.flatMap((event) => [JSON.stringify(event), inspect(event, { depth: 10 })]),
      inspect(provider, { depth: 10, showHidden: true }),
      JSON.stringify(provider.stats()),
    ];
    expect(leaked(surfaces, secrets)).toEqual([]);
  });

  it("refresh failures reveal neither the access token nor the refresh token", async () => {
    const clock = createClock();
    let logins = 0;
    const access = jwt({ sub: USERNAME, exp: T0 / 1000 + 3600, jti: "acc-1" });
    const refresh = jwt({ kind: "refresh", exp: T0 / 1000 + 86_400, jti: "ref-1" });
    const server = await startServer((request, response) => {
      if (request.path === "/auth/login") {
        logins += 1;
        if (logins === 1)
          return sendJson(response, 200, { access_token: access, refresh_token: refresh });
        return sendJson(response, 401, { detail: `bad login ${request.body}` });
      }
      // The refresh endpoint echoes everything it was sent, bearer token included.
      sendJson(response, 401, {
        message: `refresh refused: ${request.headers.authorization} ${request.body}`,
        headers: request.headers,
      });
    });
    const events: TokenEvent[] = [];
    const provider = createTokenProvider(acmeMultipart, {
      credentials: { username: USERNAME, password: PASSWORD, companyName: COMPANY },
      baseUrl: server.url,
      now: clock.now,
      onEvent: (event: TokenEvent) => events.push(event),
    });
    const token = await provider.getToken();
    clock.advance(60_000);
    const error = await provider.getToken({ forceRefresh: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(server.requests.map((r) => r.path)).toEqual([
      "/auth/login",
      "/auth/refresh",
      "/auth/login",
    ]);
    expect(events.filter((e) => e.type === "refresh-error")).toHaveLength(2);

    const surfaces = [
      ...errorSurfaces(error),
      ...events.flatMap((event) => [JSON.stringify(event), inspect(event, { depth: 10 })]),
      inspect(token, { depth: 10 }),
      inspect(provider, { depth: 10, showHidden: true }),
    ];
    expect(leaked(surfaces, [access, refresh, USERNAME, PASSWORD, COMPANY])).toEqual([]);
  });

  it("a store whose errors echo what it was given reports nothing secret", async () => {
    const clock = createClock();
    const server = await startServer((_request, response) =>
      sendJson(response, 200, { access_token: "tok-secret-store", expires_in: 600 }),
    );
    const events: TokenEvent[] = [];
    const echo = (what: string) => Promise.reject(new Error(`cannot store ${what}`));
    const store: TokenStore = {
      get: () => undefined,
      set: (key, token) => echo(`${key} = ${JSON.stringify(token)}`),
      delete: (key) => echo(key),
    };
    const provider = createTokenProvider(acmeJson, {
      credentials: jsonCreds,
      baseUrl: server.url,
      now: clock.now,
      store,
      onEvent: (event: TokenEvent) => events.push(event),
    });
    await provider.getToken();
    await provider.invalidate();
    expect(events.filter((e) => e.type === "store-error")).toHaveLength(2);
    const surfaces = events.flatMap((event) => [JSON.stringify(event), inspect(event)]);
    expect(leaked(surfaces, ["tok-secret-store", CLIENT_ID, CLIENT_SECRET])).toEqual([]);
  });

  it("a 401 replay reports nothing secret", async () => {
    const clock = createClock();
    let issued = 0;
    const server = await startServer((request, response) => {
      if (request.path === "/oauth/token") {
        issued += 1;
        return sendJson(response, 200, { access_token: `tok-secret-${issued}`, expires_in: 600 });
      }
      sendJson(response, 401, { error: `token ${request.headers.authorization} revoked` });
    });
    const events: TokenEvent[] = [];
    const provider = createTokenProvider(acmeJson, {
      credentials: jsonCreds,
      baseUrl: server.url,
      now: clock.now,
      onEvent: (event: TokenEvent) => events.push(event),
    });
    const response = await provider.fetch(`${server.url}/api`);
    expect(response.status).toBe(401);
    expect(events.map((e) => e.type)).toContain("replay");
    const surfaces = events.flatMap((event) => [JSON.stringify(event), inspect(event)]);
    expect(leaked(surfaces, ["tok-secret-1", "tok-secret-2", CLIENT_ID, CLIENT_SECRET])).toEqual(
      [],
    );
  });
});
