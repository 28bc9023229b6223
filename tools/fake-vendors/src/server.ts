/**
 * Shared plumbing for the fake vendor servers: request capture, routing, scripted failures,
 * latency, and clean shutdown. The vendor files only describe routes and validate wire formats.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Parsed body fields: a repeated field becomes an array, a single one stays a string. */
export type RecordedFields = Record<string, string | string[]>;

/** One request as the fake server saw it. */
export interface RecordedRequest {
  /** HTTP method as sent (e.g. `"POST"`). */
  method: string;
  /** Request target as sent, including any query string (e.g. `"/v0/auth/token"`). */
  path: string;
  /** Request headers with lowercased names; repeated headers are joined with `", "`. */
  headers: Record<string, string>;
  /** The raw `content-type` header, or `null` when none was sent. */
  contentType: string | null;
  /**
   * The body's fields as far as they could be decoded from its declared content type
   * (JSON object, url-encoded or multipart), independent of whether the vendor accepted them;
   * `null` for an empty or undecodable body. JSON values that are neither strings nor arrays of
   * strings are kept as their JSON text.
   */
  body: RecordedFields | null;
  /** The body exactly as received, decoded as UTF-8. */
  rawBody: string;
  /** Status code answered; `0` while the answer is pending or when the socket was dropped. */
  status: number;
}

/** A scripted answer for {@link FakeVendor.failNext}: sent verbatim, or `"drop"` to cut the socket. */
export type ScriptedResponse =
  | {
      status: number;
      /** An object (or any non-string) is sent as JSON; a string as `text/plain`; omitted → empty body. */
      body?: unknown;
      headers?: Record<string, string>;
    }
  | "drop";

/** A running fake vendor server. `Creds` are the credentials it accepts. */
export interface FakeVendor<Creds> {
  /** `"http://127.0.0.1:PORT"`. */
  origin: string;
  /** What a client passes as its base URL for this vendor. */
  baseUrl: string;
  /** The only credentials this server accepts. */
  credentials: Creds;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Number of requests that reached the token (login) operation, including scripted failures. */
  tokenRequests(): number;
  /** Number of requests that reached the refresh operation (KlearStack only; 0 elsewhere). */
  refreshRequests(): number;
  /** Access tokens issued, in order. */
  issuedTokens: string[];
  /** Queue answers for the next token/refresh requests, used instead of the real handling. */
  failNext(...responses: ScriptedResponse[]): void;
  /** Delay every answer by `ms` milliseconds (real timers), e.g. for timeout or dedup tests. */
  setDelay(ms: number): void;
  /** Stop listening and close every connection, including idle keep-alive ones. */
  close(): Promise<void>;
}

/** Options every fake vendor accepts. */
export interface FakeVendorOptions<Creds> {
  /** Override some or all of the accepted credentials; the rest are random. */
  credentials?: Partial<Creds>;
  /** Clock in epoch milliseconds used for every expiry, `exp` and `iat`; defaults to `Date.now`. */
  now?: () => number;
  /** Lifetime of issued access tokens in seconds (each vendor has its own default). */
  lifetimeSeconds?: number;
}

/** A request after its body has been read, as handed to route handlers. */
export interface IncomingRequest {
  method: string;
  /** The path without query string. */
  pathname: string;
  /** The query string including `?`, or `""`. */
  search: string;
  headers: Record<string, string>;
  contentType: string | null;
  rawBody: Buffer;
}

/** What a route handler answers. */
export interface Reply {
  status: number;
  /** Non-string → JSON, string → `text/plain`, undefined → empty. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Which counter and failure queue a route belongs to. */
export type RouteKind = "token" | "refresh" | "other";

/** One endpoint of a fake vendor. */
export interface Route {
  method: string;
  pathname: string;
  kind: RouteKind;
  handle(request: IncomingRequest): Reply | Promise<Reply>;
}

/** How a vendor fake is assembled from routes. */
export interface FakeServerConfig {
  routes: Route[];
  /** Vendor-shaped body for the generic errors (unknown path, wrong method, oversized body). */
  formatError(status: number, message: string): Reply;
  /** Headers added to every response (explicit reply headers win), e.g. rate-limit headers. */
  commonHeaders?: () => Record<string, string>;
  /** Called for every request before routing; a reply here short-circuits (e.g. rate limiting). */
  gate?: (request: IncomingRequest) => Reply | undefined;
}

/** The generic part of a fake vendor; each vendor adds `baseUrl`, `credentials` and so on. */
export type FakeServer = Omit<FakeVendor<never>, "baseUrl" | "credentials" | "issuedTokens">;

// Token requests are a few hundred bytes; anything this large is a client bug, not a request.
const MAX_BODY_BYTES = 1024 * 1024;

/** Start a node:http server on 127.0.0.1 with an OS-chosen port. */
export async function startFakeServer(config: FakeServerConfig): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const scripted: ScriptedResponse[] = [];
  const pendingSleeps = new Set<() => void>();
  let tokenCount = 0;
  let refreshCount = 0;
  let delayMs = 0;
  let closed = false;

  // Resolves early on close() so pending delayed answers don't keep a test process alive.
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        pendingSleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      pendingSleeps.add(wake);
    });

  const send = (res: ServerResponse, record: RecordedRequest, reply: Reply): void => {
    if (closed || res.destroyed || res.writableEnded) return;
    const { body, contentType } = encodeBody(reply.body);
    const headers: Record<string, string> = { ...config.commonHeaders?.() };
    if (contentType !== undefined) headers["content-type"] = contentType;
    Object.assign(headers, reply.headers);
    record.status = reply.status;
    res.writeHead(reply.status, { ...headers, "content-length": String(body.length) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = flattenHeaders(req);
    const rawBody = await readBody(req, MAX_BODY_BYTES);
    const method = req.method ?? "";
    const target = req.url ?? "";
    const queryStart = target.indexOf("?");
    const incoming: IncomingRequest = {
      method,
      pathname: queryStart === -1 ? target : target.slice(0, queryStart),
      search: queryStart === -1 ? "" : target.slice(queryStart),
      headers,
      contentType: headers["content-type"] ?? null,
      rawBody: rawBody ?? Buffer.alloc(0),
    };
    const record: RecordedRequest = {
      method,
      path: target,
      headers,
      contentType: incoming.contentType,
      body: rawBody === null ? null : await decodeFields(incoming.contentType, rawBody),
      rawBody: rawBody === null ? "" : rawBody.toString("utf8"),
      status: 0,
    };
    requests.push(record);

    const answer = async (reply: Reply): Promise<void> => {
      if (delayMs > 0) await sleep(delayMs);
      send(res, record, reply);
    };

    if (rawBody === null) {
      // Stop reading: the rest of an oversized upload is not worth buffering.
      res.setHeader("connection", "close");
      return answer(config.formatError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
    }
    const gated = config.gate?.(incoming);
    if (gated !== undefined) return answer(gated);

    const samePath = config.routes.filter((r) => r.pathname === incoming.pathname);
    const route = samePath.find((r) => r.method === method);
    if (route === undefined) {
      if (samePath.length === 0) {
        return answer(config.formatError(404, `no such endpoint: ${method} ${incoming.pathname}`));
      }
      const allowed = samePath.map((r) => r.method).join(", ");
      const reply = config.formatError(405, `method ${method} not allowed; use ${allowed}`);
      return answer({ ...reply, headers: { ...reply.headers, allow: allowed } });
    }
    // A query string on a token endpoint is a client bug (the vendors take no query parameters).
    if (incoming.search !== "") {
      return answer(config.formatError(400, `unexpected query string ${incoming.search}`));
    }

    if (route.kind === "token") tokenCount++;
    if (route.kind === "refresh") refreshCount++;
    // Taken at arrival, not after the delay, so concurrent requests consume the queue in order.
    const failure = route.kind === "other" ? undefined : scripted.shift();
    if (failure === "drop") {
      if (delayMs > 0) await sleep(delayMs);
      res.socket?.destroy();
      return;
    }
    if (failure !== undefined) return answer(failure);
    return answer(await route.handle(incoming));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in a fake must show up as a loud 500, never as a crashed test process.
      if (res.headersSent || res.destroyed) return void res.destroy();
      const message = `fake vendor internal error: ${error instanceof Error ? error.message : String(error)}`;
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(message);
    });
  });
  // Keep-alive reuse is what real clients do; the default 5 s timeout would only slow close().
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    tokenRequests: () => tokenCount,
    refreshRequests: () => refreshCount,
    failNext: (...responses) => {
      scripted.push(...responses);
    },
    setDelay: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`invalid delay: ${ms}`);
      delayMs = ms;
    },
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      for (const wake of [...pendingSleeps]) wake();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** Body as sent on the wire plus the content type it implies. */
function encodeBody(body: unknown): { body: Buffer; contentType: string | undefined } {
  if (body === undefined) return { body: Buffer.alloc(0), contentType: undefined };
  if (typeof body === "string") {
    return { body: Buffer.from(body, "utf8"), contentType: "text/plain; charset=utf-8" };
  }
  return { body: Buffer.from(JSON.stringify(body), "utf8"), contentType: "application/json" };
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** Whole body, or `null` when it exceeds `limit` bytes. Never rejects. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    // An aborted upload: answer with what arrived; the response will go nowhere anyway.
    req.on("error", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
  });
}

/** A parsed `Content-Type` header. */
export interface ParsedContentType {
  /** Lowercased `type/subtype`. */
  mediaType: string;
  /** Parameters with lowercased names and unquoted values. */
  params: Record<string, string>;
}

/** Parse a `Content-Type` header; `null` when absent or not of the form `type/subtype`. */
export function parseContentType(header: string | null | undefined): ParsedContentType | null {
  if (header === null || header === undefined) return null;
  const [essence = "", ...rest] = header.split(";");
  const mediaType = essence.trim().toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/.test(mediaType)) return null;
  const params: Record<string, string> = {};
  // Splitting on ";" is wrong only for quoted values containing ";", which none of our callers use.
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    }
    if (name !== "") params[name] = value;
  }
  return { mediaType, params };
}

/** Group `[name, value]` pairs, turning repeated names into arrays. */
export function groupFields(entries: Iterable<[string, string]>): RecordedFields {
  const fields: RecordedFields = {};
  for (const [name, value] of entries) {
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else fields[name] = [existing, value];
  }
  return fields;
}

/**
 * Multipart entries via the web-standard parser, or `null` when the body is not valid multipart.
 * File parts are returned with their text content and flagged, so callers can reject them.
 */
export async function parseMultipart(
  contentType: string,
  body: Buffer,
): Promise<Array<{ name: string; value: string; isFile: boolean }> | null> {
  try {
    const form = await new Response(new Uint8Array(body), {
      headers: { "content-type": contentType },
    }).formData();
    const entries: Array<{ name: string; value: string; isFile: boolean }> = [];
    for (const [name, value] of form) {
      if (typeof value === "string") entries.push({ name, value, isFile: false });
      else entries.push({ name, value: await value.text(), isFile: true });
    }
    return entries;
  } catch {
    return null;
  }
}

/** Best-effort decoding for {@link RecordedRequest.body}; never throws. */
async function decodeFields(
  contentType: string | null,
  body: Buffer,
): Promise<RecordedFields | null> {
  if (body.length === 0) return null;
  const parsed = parseContentType(contentType);
  if (parsed === null) return null;
  if (parsed.mediaType === "application/x-www-form-urlencoded") {
    return groupFields(new URLSearchParams(body.toString("utf8")));
  }
  if (parsed.mediaType === "multipart/form-data") {
    if (contentType === null || parsed.params["boundary"] === undefined) return null;
    const entries = await parseMultipart(contentType, body);
    return entries === null ? null : groupFields(entries.map((e) => [e.name, e.value]));
  }
  if (parsed.mediaType === "application/json" || parsed.mediaType.endsWith("+json")) {
    let value: unknown;
    try {
      value = JSON.parse(body.toString("utf8"));
    } catch {
      return null;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const fields: RecordedFields = {};
    for (const [name, field] of Object.entries(value)) {
      if (typeof field === "string") fields[name] = field;
      else if (Array.isArray(field) && field.every((item) => typeof item === "string")) {
        fields[name] = field as string[];
      } else fields[name] = JSON.stringify(field);
    }
    return fields;
  }
  return null;
}

/** Random lowercase hex of `bytes` bytes. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** Base64url without padding, as JWTs use. */
export function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString("base64url");
}

/** Epoch seconds (floored) for an epoch-milliseconds clock reading. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Fill in missing credentials with defaults, keeping explicit overrides. */
export function withDefaults<Creds extends object>(
  defaults: Creds,
  overrides: Partial<Creds> | undefined,
): Creds {
  const merged = { ...defaults };
  for (const key of Object.keys(overrides ?? {}) as Array<keyof Creds>) {
    const value = overrides?.[key];
    if (value !== undefined) merged[key] = value as Creds[keyof Creds];
  }
  return merged;
}

/** Validate a lifetime option: a positive integer number of seconds. */
export function checkLifetime(name: string, value: number | undefined, fallback: number): number {
  const lifetime = value ?? fallback;
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0) {
    throw new RangeError(`${name} must be a positive integer number of seconds, got ${lifetime}`);
  }
  return lifetime;
}
