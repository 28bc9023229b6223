import type {
  SandboxAnswer,
  SandboxBinding,
  SandboxInput,
  SandboxOperation,
} from "@tokenyard/auth-core/testing";
import { isRecord } from "./check-spec.js";
import type { LoadedSpec } from "./load-spec.js";
import {
  allOperations,
  constantOf,
  credentialType,
  findOperation,
  operationInputs,
  successStatuses,
  takesBearer,
  type FoundOperation,
} from "./read-operation.js";
import { resolveRef, type Located } from "./resolve-ref.js";
import { pointerJoin } from "./spec-problem.js";
import type { VendorModel } from "./vendor-model.js";

/**
 * Derives what a vendor's sandbox needs from the spec: every input of the token (and refresh)
 * operation with its type and whether it is required, the success bodies from the spec's
 * examples, bearer-protected operations, and the vendor's own error answers. The spec has
 * already been checked and modelled, so nothing here can fail.
 */
export function deriveSandboxBinding(spec: LoadedSpec, model: VendorModel): SandboxBinding {
  const token = findOperation(spec, model.tokenOperation.operationId, "");
  const refresh = model.refreshOperation
    ? findOperation(spec, model.refreshOperation.operationId, "")
    : undefined;
  const handled = new Set([model.tokenOperation.operationId, model.refreshOperation?.operationId]);
  const firstServer = Array.isArray(spec.document.servers) ? spec.document.servers[0] : undefined;
  return {
    auth: model.binding,
    basePath: basePathOf(isRecord(firstServer) ? firstServer.url : undefined),
    token: sandboxOperation(spec, token),
    ...(refresh ? { refresh: sandboxOperation(spec, refresh) } : {}),
    protected: allOperations(spec)
      .filter((found) => !handled.has(String(found.operation.value.operationId)))
      .filter((found) => takesBearer(spec, found))
      .map((found) => sandboxOperation(spec, found)),
    errors: {
      badCredentials: answer(spec, token, ["401", "403", "4XX", "default"], 401),
      badRequest: answer(spec, token, ["400", "422", "4XX", "500", "5XX", "default"], 400),
    },
  };
}

/** `/apif/v2` for `https://wilson.40mat.com/apif/v2`; `""` for a template the app fills. */
function basePathOf(url: unknown): string {
  if (typeof url !== "string" || url.includes("{")) return "";
  return new URL(url).pathname.replace(/\/+$/, "");
}

function sandboxOperation(spec: LoadedSpec, found: FoundOperation): SandboxOperation {
  const { inputs, body } = operationInputs(spec, found);
  return {
    operationId: String(found.operation.value.operationId),
    method: found.method,
    path: found.path,
    ...(body ? { body } : {}),
    inputs: inputs.map((input): SandboxInput => {
      const constant = constantOf(spec, input.schema);
      const type =
        constant !== undefined
          ? (typeof constant as "string" | "number" | "boolean")
          : (credentialType(spec, resolveRef(spec, input.schema)) ?? "string");
      return {
        wire: input.wire,
        in: input.in,
        required: input.required,
        type,
        ...(constant === undefined ? {} : { const: constant }),
      };
    }),
    bearer: takesBearer(spec, found),
    success: (({ status, body: example }) => ({ status, example }))(
      // The status the client's model reads its token from (successResponse), then a range.
      answer(spec, found, [...successStatuses(found), "2XX"], 200),
    ),
  };
}

/** The first documented response among `keys`, with its body example (or one built from its schema). */
function answer(
  spec: LoadedSpec,
  found: FoundOperation,
  keys: string[],
  fallbackStatus: number,
): SandboxAnswer {
  const responses = isRecord(found.operation.value.responses)
    ? found.operation.value.responses
    : {};
  const key = keys.find((candidate) => candidate in responses);
  if (!key)
    return { status: fallbackStatus, contentType: "application/json", body: { error: "error" } };
  const response = resolveRef(spec, {
    value: responses[key],
    pointer: pointerJoin(`${found.operation.pointer}/responses`, key),
  });
  const status = /^\d{3}$/.test(key) ? Number(key) : fallbackStatus;
  const content =
    isRecord(response.value) && isRecord(response.value.content) ? response.value.content : {};
  const contentType = Object.keys(content)[0];
  if (!contentType) return { status, contentType: "application/json", body: null };
  const media = content[contentType];
  const mediaPointer = pointerJoin(response.pointer, "content", contentType);
  return { status, contentType, body: mediaExample(spec, media, mediaPointer) };
}

function mediaExample(spec: LoadedSpec, media: unknown, pointer: string): unknown {
  if (!isRecord(media)) return null;
  if (media.example !== undefined) return media.example;
  if (isRecord(media.examples)) {
    const first = Object.values(media.examples)[0];
    const resolved = resolveRef(spec, { value: first, pointer: `${pointer}/examples` }).value;
    if (isRecord(resolved) && resolved.value !== undefined) return resolved.value;
  }
  return exampleOf(spec, { value: media.schema, pointer: `${pointer}/schema` }, 0);
}

/** A value that fits a schema, preferring what the spec itself says (examples, defaults). */
export function exampleOf(spec: LoadedSpec, located: Located, depth: number): unknown {
  const { value: schema, pointer } = resolveRef(spec, located);
  if (!isRecord(schema) || depth > 8) return null;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  for (const keyword of ["oneOf", "anyOf"] as const) {
    const options = schema[keyword];
    if (Array.isArray(options) && options.length > 0) {
      return exampleOf(spec, { value: options[0], pointer: `${pointer}/${keyword}/0` }, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign(
      {},
      ...schema.allOf.map((part, index) =>
        exampleOf(spec, { value: part, pointer: `${pointer}/allOf/${index}` }, depth + 1),
      ),
    );
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [
          name,
          exampleOf(
            spec,
            { value: property, pointer: pointerJoin(pointer, "properties", name) },
            depth + 1,
          ),
        ]),
      );
    }
    case "array":
      return [];
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return false;
    case "string":
      return schema.format === "date-time" ? "2026-01-01T00:00:00Z" : "string";
    default:
      return null;
  }
}
