/**
 * Request validation for the sandbox: does a request carry exactly what the spec says an
 * operation takes (content type, encoding, required inputs, types, constants, nothing unknown)?
 *
 * It answers with the decoded values, or with a short problem description that names fields but
 * never echoes a value: problems end up in `sandbox.requests`, which tests print on failure.
 */
import type { SandboxInput, SandboxOperation } from "./sandbox-binding.js";

/** A decoded input value: JSON values stay as sent; wire strings are coerced per the input type. */
export type InputValue = string | number | boolean | readonly string[];

/** The parts of an HTTP request validation looks at. */
export interface RawRequest {
  /** Header names lowercased, repeated headers joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

/** Body fields as decoded: JSON members as sent; form and multipart fields as strings (arrays when repeated). */
export type DecodedFields = Record<string, unknown>;

/** The outcome of {@link validateRequest}. */
export type Validation =
  | {
      readonly ok: true;
      /** Values of the inputs that were sent, keyed by {@link inputKey}. */
      readonly values: ReadonlyMap<string, InputValue>;
    }
  | { readonly ok: false; readonly problem: string };

/** Where one input lives: header names are case-insensitive, everything else is exact. */
export function inputKey(input: {
  readonly wire: string;
  readonly in: SandboxInput["in"];
}): string {
  return `${input.in}:${input.in === "header" ? input.wire.toLowerCase() : input.wire}`;
}

/** A parsed `Content-Type`: lowercased essence and parameters. */
export interface ContentType {
  readonly mediaType: string;
  readonly params: Readonly<Record<string, string>>;
}

/** Parses a `Content-Type` header; `null` when absent or not `type/subtype`. */
export function parseContentType(header: string | undefined): ContentType | null {
  if (header === undefined) return null;
  const [essence = "", ...rest] = header.split(";");
  const mediaType = essence.trim().toLowerCase();
  if (!/^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+$/.test(mediaType)) return null;
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    params[part.slice(0, eq).trim().toLowerCase()] = value;
  }
  return { mediaType, params };
}

const MEDIA_TYPES = {
  json: "application/json",
  form: "application/x-www-form-urlencoded",
  multipart: "multipart/form-data",
} as const;

/**
 * Checks a request against an operation's inputs. Never throws: any garbage is a problem.
 * Credentials are not compared here (that is a different answer, `badCredentials`).
 */
export async function validateRequest(
  operation: SandboxOperation,
  request: RawRequest,
): Promise<Validation> {
  const decoded = await decodeBody(operation.body, request);
  if (!decoded.ok) return { ok: false, problem: decoded.problem };
  const { fields, multi } = decoded;
  const fail = (problem: string): Validation => ({ ok: false, problem });

  // Unknown body fields and query parameters: a client sending them has a bug the vendor would
  // (at best) silently ignore; the sandbox is strict so the test finds it.
  const known = new Set(operation.inputs.map(inputKey));
  for (const name of Object.keys(fields ?? {})) {
    if (!known.has(inputKey({ wire: name, in: "body" })))
      return fail(`unknown body field "${name}"`);
  }
  for (const name of new Set(request.query.keys())) {
    if (!known.has(inputKey({ wire: name, in: "query" })))
      return fail(`unknown query parameter "${name}"`);
  }

  const values = new Map<string, InputValue>();
  for (const input of operation.inputs) {
    const raw = rawValues(input, fields, multi, request);
    if (raw === undefined) {
      if (input.required) return fail(`missing required ${input.in} input "${input.wire}"`);
      continue;
    }
    if (!raw.json && raw.value.length > 1 && input.type !== "string[]") {
      return fail(`${input.in} input "${input.wire}" sent more than once`);
    }
    const value = raw.json ? checkJson(input, raw.value) : coerceWire(input, raw.value);
    if (value === undefined)
      return fail(`${input.in} input "${input.wire}" is not a ${input.type}`);
    if (input.const !== undefined && value !== input.const) {
      return fail(`${input.in} input "${input.wire}" must be the documented constant`);
    }
    values.set(inputKey(input), value);
  }
  return { ok: true, values };
}

/**
 * The body's fields decoded by the content type the request declares (whatever the operation
 * expects), for the request log; `null` for an empty or undecodable body. Never throws.
 */
export async function decodeFields(request: RawRequest): Promise<DecodedFields | null> {
  if (request.body.length === 0) return null;
  const mediaType = parseContentType(request.headers["content-type"])?.mediaType;
  const kind = (Object.keys(MEDIA_TYPES) as Array<keyof typeof MEDIA_TYPES>).find(
    (k) => MEDIA_TYPES[k] === mediaType,
  );
  if (kind === undefined) return null;
  const decoded = await decodeBody(kind, request);
  return decoded.ok ? decoded.fields : null;
}

type Decoded =
  { ok: true; fields: DecodedFields | null; multi: boolean } | { ok: false; problem: string };

async function decodeBody(kind: SandboxOperation["body"], request: RawRequest): Promise<Decoded> {
  if (kind === undefined) {
    return request.body.length === 0
      ? { ok: true, fields: null, multi: false }
      : { ok: false, problem: "this operation takes no body" };
  }
  const contentType = request.headers["content-type"];
  const parsed = parseContentType(contentType);
  if (parsed?.mediaType !== MEDIA_TYPES[kind]) {
    return { ok: false, problem: `expected Content-Type ${MEDIA_TYPES[kind]}` };
  }
  if (kind === "json") {
    let value: unknown;
    try {
      value = JSON.parse(request.body.toString("utf8"));
    } catch {
      return { ok: false, problem: "body is not valid JSON" };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, problem: "JSON body must be an object" };
    }
    return { ok: true, fields: value as DecodedFields, multi: false };
  }
  let entries: Array<[string, string]>;
  if (kind === "form") {
    entries = [...new URLSearchParams(request.body.toString("utf8"))];
  } else {
    if (!parsed.params["boundary"])
      return { ok: false, problem: "multipart body without boundary" };
    const form = await new Response(new Uint8Array(request.body), {
      headers: { "content-type": contentType! },
    })
      .formData()
      .catch(() => null);
    if (form === null) return { ok: false, problem: "body is not valid multipart/form-data" };
    entries = [];
    for (const [name, value] of form) {
      // The vendors take text fields only; a file part is a client encoding bug.
      if (typeof value !== "string") return { ok: false, problem: `field "${name}" is a file` };
      entries.push([name, value]);
    }
  }
  const fields: Record<string, string | string[]> = {};
  for (const [name, value] of entries) {
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else fields[name] = [existing, value];
  }
  return { ok: true, fields, multi: true };
}

/** The value(s) sent for an input, and whether they are JSON values (vs wire strings). */
function rawValues(
  input: SandboxInput,
  fields: DecodedFields | null,
  multi: boolean,
  request: RawRequest,
): { json: true; value: unknown } | { json: false; value: string[] } | undefined {
  if (input.in === "header") {
    const value = request.headers[input.wire.toLowerCase()];
    if (value === undefined) return undefined;
    // A header carries a list as comma-separated values (OpenAPI "simple" style).
    return { json: false, value: input.type === "string[]" ? value.split(/,\s*/) : [value] };
  }
  if (input.in === "query") {
    const values = request.query.getAll(input.wire);
    return values.length === 0 ? undefined : { json: false, value: values };
  }
  if (fields === null || !Object.hasOwn(fields, input.wire)) return undefined;
  const value = fields[input.wire];
  if (!multi) return { json: true, value };
  return { json: false, value: Array.isArray(value) ? (value as string[]) : [value as string] };
}

function checkJson(input: SandboxInput, value: unknown): InputValue | undefined {
  switch (input.type) {
    case "string":
      return typeof value === "string" ? value : undefined;
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? value : undefined;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "string[]":
      return Array.isArray(value) && value.every((item) => typeof item === "string")
        ? (value as string[])
        : undefined;
  }
}

const NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Wire strings (form, multipart, header, query) as the input's type; a repeated scalar is invalid. */
function coerceWire(input: SandboxInput, values: readonly string[]): InputValue | undefined {
  if (input.type === "string[]") return values;
  if (values.length !== 1) return undefined;
  const value = values[0]!;
  switch (input.type) {
    case "string":
      return value;
    case "number":
      return NUMERIC.test(value) ? Number(value) : undefined;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : undefined;
  }
}
