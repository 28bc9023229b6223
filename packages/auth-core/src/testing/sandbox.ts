/**
 * The sandbox server: a node:http stand-in for a vendor's token endpoints, driven entirely by
 * the {@link SandboxBinding} generated from the vendor's spec. This file owns the HTTP side
 * (routing, body limits, recording, delays, faults, shutdown); what a valid request is, how a
 * token looks and how faults answer live in their own files.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { credentialOf, type WireField } from "../binding.js";
import { readPointer } from "../json-pointer.js";
import { credentialName, credentialsMatch, sandboxCredentials } from "./credentials.js";
import { checkFault, statusFaultAnswer, truncatedJson, type SandboxFault } from "./faults.js";
import { issueJwt, requestedLifetime, tokenBody, verifyJwt } from "./issue-token.js";
import type { SandboxAnswer, SandboxBinding, SandboxOperation } from "./sandbox-binding.js";
import {
  decodeFields,
  inputKey,
  validateRequest,
  type InputValue,
  type RawRequest,
} from "./validate-request.js";

/** Options of {@link startSandbox}. */
export interface SandboxOptions<Credentials extends object = Record<string, unknown>> {
  /** Accepted credentials; whatever is not given is random (`sbx-<name>-<hex>`). */
  readonly credentials?: Partial<Credentials> | undefined;
  /** Port on 127.0.0.1; default 0 (the OS picks a free one). */
  readonly port?: number | undefined;
  /** Clock in epoch ms for every issued time and liveness check; default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Access-token lifetime in seconds; default the spec's `defaultLifetime`, else 3600. */
  readonly lifetimeSeconds?: number | undefined;
  /** Refresh-token lifetime in seconds; default 86400. */
  readonly refreshLifetimeSeconds?: number | undefined;
  /** Unit of `epoch-auto` expiries: `"ms"` (default) or `"s"`. */
  readonly epochUnit?: "ms" | "s" | undefined;
  /** `auto` expiries: absolute epoch seconds (default, Asset's documented behaviour) or relative. */
  readonly autoExpiry?: "absolute" | "relative" | undefined;
  /** JSON pointers deleted from every success body, e.g. to make a client use a fallback. */
  readonly omit?: readonly string[] | undefined;
  /** HMAC key of the issued JWTs; default 32 random bytes. */
  readonly jwtSecret?: string | undefined;
}

/** One request as the sandbox saw it. */
export interface SandboxRequest {
  /** The operation it reached; `null` for an unknown path or a wrong method. */
  readonly operationId: string | null;
  /** As sent, e.g. `"POST"`. */
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Lowercased names; repeated headers joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string | null;
  /** Decoded body fields (JSON members, or form/multipart strings, arrays when repeated); `null` without a usable body. */
  readonly fields: Readonly<Record<string, unknown>> | null;
  /** Status answered; `0` while pending or when the connection was dropped. */
  status: number;
  /** Why the sandbox refused it (names fields, never values), when it did. */
  problem?: string;
}

/** A running sandbox. Close it in `afterEach`/`afterAll`. */
export interface Sandbox<Credentials extends object = Record<string, unknown>> {
  /** Origin, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Origin plus the spec's base path: what a client takes as `baseUrl`. */
  readonly baseUrl: string;
  /** The credentials it accepts. */
  readonly credentials: Credentials;
  /** Every request, in arrival order. */
  readonly requests: readonly SandboxRequest[];
  /** Requests that reached the token operation (faulted ones included). */
  tokenRequests(): number;
  /** Requests that reached the refresh operation (0 without one). */
  refreshRequests(): number;
  /** Access tokens delivered, in order. */
  readonly issuedTokens: readonly string[];
  /** Refresh tokens delivered, in order. */
  readonly issuedRefreshTokens: readonly string[];
  /** The HMAC key of its JWTs, to verify or forge tokens in a test. */
  readonly jwtSecret: string;
  /** Queues faults for the next token/refresh requests, one per request. */
  fail(...faults: SandboxFault[]): void;
  /** Lifetime in seconds of access tokens issued from now on. */
  setLifetime(seconds: number): void;
  /** Delays every answer by `ms` (real timers). */
  setDelay(ms: number): void;
  /** Makes protected operations and refresh reject `token`, or every token issued so far. */
  revoke(token?: string): void;
  /** Stops listening and closes every connection, idle keep-alive ones included. */
  close(): Promise<void>;
}

// Token requests are a few hundred bytes; a megabyte is a client bug, not a request.
const MAX_BODY_BYTES = 1024 * 1024;
const NOT_FOUND: SandboxAnswer = {
  status: 404,
  contentType: "application/json",
  body: { error: "not_found" },
};
const TOO_LARGE: SandboxAnswer = {
  status: 413,
  contentType: "application/json",
  body: { error: "payload_too_large" },
};

type Kind = "token" | "refresh" | "protected";
interface Route {
  readonly kind: Kind;
  readonly operation: SandboxOperation;
  readonly pattern: RegExp;
}
interface Reply extends SandboxAnswer {
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent instead of encoding `body`. */
  readonly text?: string;
  readonly problem?: string;
}

/**
 * Starts a vendor sandbox on 127.0.0.1: the token operation (and refresh, and protected
 * operations) served under `basePath`, strict about requests, answering with the spec's shapes,
 * expiry encodings and error bodies. Tokens are real HS256 JWTs.
 *
 * @throws RangeError for an invalid lifetime option.
 */
export async function startSandbox<Credentials extends object = Record<string, unknown>>(
  binding: SandboxBinding,
  options: SandboxOptions<Credentials> = {},
): Promise<Sandbox<Credentials>> {
  const { auth, errors } = binding;
  const now = options.now ?? Date.now;
  const credentials = sandboxCredentials(auth, options.credentials);
  const secret = options.jwtSecret ?? randomBytes(32).toString("hex");
  const subject = `sandbox-${auth.id}`;
  const choices = {
    epochUnit: options.epochUnit ?? "ms",
    autoExpiry: options.autoExpiry ?? "absolute",
  } as const;
  const omit = options.omit ?? [];
  let lifetime = checkSeconds(
    "lifetimeSeconds",
    options.lifetimeSeconds ?? auth.token.defaultLifetimeSeconds ?? 3600,
  );
  const refreshLifetime = checkSeconds(
    "refreshLifetimeSeconds",
    options.refreshLifetimeSeconds ?? 86400,
  );

  const requests: SandboxRequest[] = [];
  const issuedTokens: string[] = [];
  const issuedRefreshTokens: string[] = [];
  const revoked = new Set<string>();
  const faults: SandboxFault[] = [];
  const sleepers = new Set<() => void>();
  let delayMs = 0;
  let closed = false;

  const routes: Route[] = [
    { kind: "token" as const, operation: binding.token },
    ...(binding.refresh ? [{ kind: "refresh" as const, operation: binding.refresh }] : []),
    ...binding.protected.map((operation) => ({ kind: "protected" as const, operation })),
  ].map((route) => ({ ...route, pattern: pathPattern(binding.basePath + route.operation.path) }));

  /** A token of `kind` this sandbox signed, unexpired by its clock and not revoked. */
  const isLive = (token: unknown, kind: "access" | "refresh"): boolean => {
    if (typeof token !== "string" || revoked.has(token)) return false;
    const claims = verifyJwt(token, secret);
    return claims !== null && claims.token_type === kind && now() < claims.exp * 1000;
  };
  const bearerIsLive = (request: RawRequest): boolean => {
    const match = /^Bearer +(\S+)$/i.exec(request.headers["authorization"] ?? "");
    return isLive(match?.[1], "access");
  };
  const refused = (answer: SandboxAnswer, problem: string): Reply => ({ ...answer, problem });

  /** The lifetime the client asked for through a `credentials.<name>` expiry rule, if any. */
  const lifetimeAsked = (
    fields: readonly WireField[],
    values: ReadonlyMap<string, InputValue>,
  ): number | "invalid" | undefined => {
    for (const rule of auth.token.expiry) {
      const name = credentialOf(rule.from);
      if (name === undefined) continue;
      const field = fields.find((f) => credentialName(f) === name);
      const value = field && values.get(inputKey(field));
      if (value === undefined) continue;
      return requestedLifetime(value, rule.as, now()) ?? "invalid";
    }
    return undefined;
  };

  const issue = (
    operation: SandboxOperation,
    fields: readonly WireField[],
    values: ReadonlyMap<string, InputValue>,
    withRefreshToken: boolean,
    noToken: boolean,
  ): Reply => {
    const asked = lifetimeAsked(fields, values);
    if (asked === "invalid")
      return refused(errors.badRequest, "requested lifetime is not positive");
    const seconds = asked ?? lifetime;
    const at = now();
    const access = issueJwt("access", subject, at, seconds, secret).token;
    const refresh =
      withRefreshToken && auth.token.refreshToken
        ? issueJwt("refresh", subject, at, refreshLifetime, secret).token
        : undefined;
    const body = tokenBody({
      auth,
      example: operation.success.example,
      accessToken: access,
      refreshToken: refresh,
      nowMs: at,
      lifetimeSeconds: seconds,
      choices,
      onlyDocumented: operation !== binding.token,
      omit: noToken ? [...omit, auth.token.accessToken] : omit,
    });
    // Only what the client can actually read counts as delivered.
    if (readPointer(body, auth.token.accessToken) === access) issuedTokens.push(access);
    if (refresh !== undefined && readPointer(body, auth.token.refreshToken!.from) === refresh)
      issuedRefreshTokens.push(refresh);
    return { status: operation.success.status, contentType: "application/json", body };
  };

  const handlers: Record<
    Kind,
    (route: Route, request: RawRequest, noToken: boolean) => Promise<Reply>
  > = {
    async token({ operation }, request, noToken) {
      const checked = await validateRequest(operation, request);
      if (!checked.ok) return refused(errors.badRequest, checked.problem);
      if (operation.bearer && !bearerIsLive(request))
        return refused(errors.badCredentials, "no live bearer token");
      const { fields } = auth.token.operation;
      if (!credentialsMatch(auth, fields, checked.values, credentials))
        return refused(errors.badCredentials, "credentials do not match");
      return issue(operation, fields, checked.values, true, noToken);
    },
    async refresh({ operation }, request, noToken) {
      const checked = await validateRequest(operation, request);
      if (!checked.ok) return refused(errors.badRequest, checked.problem);
      const needsBearer =
        operation.bearer || auth.refresh?.authorization === "current-access-token";
      if (needsBearer && !bearerIsLive(request))
        return refused(errors.badCredentials, "no live bearer access token");
      const fields = auth.refresh?.operation.fields ?? [];
      for (const field of fields) {
        const value = checked.values.get(inputKey(field));
        if (field.from === "refreshToken" && !isLive(value, "refresh"))
          return refused(errors.badCredentials, `"${field.wire}" is not a live refresh token`);
        if (field.from === "accessToken" && !isLive(value, "access"))
          return refused(errors.badCredentials, `"${field.wire}" is not a live access token`);
      }
      if (!credentialsMatch(auth, fields, checked.values, credentials))
        return refused(errors.badCredentials, "credentials do not match");
      // A new refresh token only where the spec documents one in the refresh answer.
      const rotates =
        auth.token.refreshToken !== undefined &&
        readPointer(operation.success.example, auth.token.refreshToken.from) !== undefined;
      return issue(operation, fields, checked.values, rotates, noToken);
    },
    async protected({ operation }, request) {
      if (operation.bearer && !bearerIsLive(request))
        return refused(errors.badCredentials, "no live bearer access token");
      const checked = await validateRequest(operation, request);
      if (!checked.ok) return refused(errors.badRequest, checked.problem);
      return {
        status: operation.success.status,
        contentType: "application/json",
        body: structuredClone(operation.success.example),
      };
    },
  };

  // Resolves early on close(), so a pending delayed answer never keeps a test process alive.
  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const wake = (): void => {
            clearTimeout(timer);
            sleepers.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, ms);
          sleepers.add(wake);
        });

  const send = (res: ServerResponse, record: SandboxRequest, reply: Reply): void => {
    if (reply.problem !== undefined) record.problem = reply.problem;
    if (closed || res.destroyed || res.writableEnded) return;
    const payload = Buffer.from(reply.text ?? encode(reply), "utf8");
    record.status = reply.status;
    res.writeHead(reply.status, {
      ...reply.headers,
      "content-type": reply.contentType,
      "content-length": String(payload.length),
    });
    res.end(payload);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = flattenHeaders(req);
    const body = await readBody(req, MAX_BODY_BYTES);
    const target = req.url ?? "/";
    const queryAt = target.indexOf("?");
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const method = (req.method ?? "").toLowerCase();
    const samePath = routes.filter((route) => route.pattern.test(path));
    const route = samePath.find((r) => r.operation.method === method);
    const request: RawRequest = {
      headers,
      query: new URLSearchParams(queryAt === -1 ? "" : target.slice(queryAt + 1)),
      body: body ?? Buffer.alloc(0),
    };
    const record: SandboxRequest = {
      operationId: route?.operation.operationId ?? null,
      method: req.method ?? "",
      path,
      headers,
      contentType: headers["content-type"] ?? null,
      fields: body === null ? null : await decodeFields(request),
      status: 0,
    };
    requests.push(record);
    let extraDelay = 0;
    const answer = async (reply: Reply): Promise<void> => {
      await sleep(delayMs + extraDelay);
      send(res, record, reply);
    };

    if (body === null) {
      // Do not read the rest of an oversized upload.
      res.setHeader("connection", "close");
      return answer({ ...TOO_LARGE, problem: "body larger than 1 MiB" });
    }
    if (route === undefined) {
      if (samePath.length === 0) return answer({ ...NOT_FOUND, problem: "unknown path" });
      const allow = samePath.map((r) => r.operation.method.toUpperCase()).join(", ");
      return answer({
        status: 405,
        contentType: "application/json",
        body: { error: "method_not_allowed" },
        headers: { allow },
        problem: "wrong method",
      });
    }

    // Taken at arrival, not after a delay, so concurrent requests consume faults in order.
    const fault = route.kind === "protected" ? undefined : faults.shift();
    if (fault === "drop") {
      await sleep(delayMs);
      record.problem = "dropped (fault)";
      res.socket?.destroy();
      return;
    }
    if (fault === "malformed-json") {
      return answer({
        status: route.operation.success.status,
        contentType: "application/json",
        body: null,
        text: truncatedJson(route.operation.success.example),
        problem: "malformed JSON (fault)",
      });
    }
    if (typeof fault === "object" && "status" in fault) {
      return answer({
        ...statusFaultAnswer(fault, errors),
        problem: `status ${fault.status} (fault)`,
      });
    }
    if (typeof fault === "object" && "latencyMs" in fault) extraDelay = fault.latencyMs;
    return answer(await handlers[route.kind](route, request, fault === "no-token"));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // A sandbox bug must show as a loud 500, never as a crashed test process; the message is
      // generic because request data (credentials) could be in the error.
      if (res.headersSent || res.destroyed) return void res.destroy();
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("sandbox internal error");
    });
  });
  // Clients reuse connections; a short idle timeout keeps close() quick even without closeAll.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: url + binding.basePath,
    credentials: credentials as Credentials,
    requests,
    tokenRequests: () => requests.filter((r) => r.operationId === binding.token.operationId).length,
    refreshRequests: () =>
      binding.refresh
        ? requests.filter((r) => r.operationId === binding.refresh!.operationId).length
        : 0,
    issuedTokens,
    issuedRefreshTokens,
    jwtSecret: secret,
    fail(...queued) {
      queued.forEach(checkFault);
      faults.push(...queued);
    },
    setLifetime(seconds) {
      lifetime = checkSeconds("lifetime", seconds);
    },
    setDelay(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`invalid delay: ${ms}`);
      delayMs = ms;
    },
    revoke(token) {
      if (token !== undefined) revoked.add(token);
      else for (const issued of [...issuedTokens, ...issuedRefreshTokens]) revoked.add(issued);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const wake of [...sleepers]) wake();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function checkSeconds(name: string, seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new RangeError(`invalid ${name}: ${seconds}`);
  return seconds;
}

/** `/users/{id}` → a regex matching one path segment per template variable. */
function pathPattern(path: string): RegExp {
  const source = path
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

/** The answer on the wire: JSON unless its content type says otherwise and the body is text. */
function encode(answer: SandboxAnswer): string {
  if (typeof answer.body === "string" && !/json/i.test(answer.contentType)) return answer.body;
  return JSON.stringify(answer.body ?? null);
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** The whole body, or `null` past `limit` bytes. Never rejects. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    const done = (): void => resolve(size > limit ? null : Buffer.concat(chunks));
    req.on("end", done);
    // An aborted upload: nobody will read the answer, but the handler still must finish.
    req.on("error", done);
  });
}
