import type { CredentialBinding, OperationBinding, WireField } from "@tokenyard/auth-core";
import { isRecord } from "./check-spec.js";
import type { LoadedSpec } from "./load-spec.js";
import { resolveRef, type Located } from "./resolve-ref.js";
import { ProblemCollector, SpecError, pointerJoin } from "./spec-problem.js";
import type { OperationModel } from "./vendor-model.js";

// Reading one operation of a spec: finding it by operationId, its inputs (body properties,
// header and query parameters), its success and error responses. Shared by the vendor model and
// the sandbox model.

export const METHODS = ["get", "post", "put", "patch", "delete"] as const;
export const BODY_KINDS: Record<string, NonNullable<OperationBinding["body"]>> = {
  "application/json": "json",
  "application/x-www-form-urlencoded": "form",
  "multipart/form-data": "multipart",
};

export interface FoundOperation {
  readonly operation: Located<Record<string, unknown>>;
  readonly pathItem: Located<Record<string, unknown>>;
  readonly method: (typeof METHODS)[number];
  readonly path: string;
}

export const NO_INPUTS: { inputs: Input[]; body: OperationBinding["body"] } = {
  inputs: [],
  body: undefined,
};

export interface Input {
  readonly wire: string;
  readonly in: WireField["in"];
  readonly required: boolean;
  readonly schema: Located;
  readonly pointer: string;
}

/** Every operation of the spec, with where it was found. */
export function allOperations(spec: LoadedSpec): FoundOperation[] {
  const found: FoundOperation[] = [];
  for (const [path, rawItem] of Object.entries(spec.document.paths as Record<string, unknown>)) {
    const pathItem = resolveRef(spec, { value: rawItem, pointer: pointerJoin("/paths", path) });
    if (!isRecord(pathItem.value)) continue;
    for (const method of METHODS) {
      if (!isRecord(pathItem.value[method])) continue;
      const operation = resolveRef(spec, {
        value: pathItem.value[method],
        pointer: pointerJoin(pathItem.pointer, method),
      });
      found.push({
        operation: operation as Located<Record<string, unknown>>,
        pathItem: pathItem as Located<Record<string, unknown>>,
        method,
        path,
      });
    }
  }
  return found;
}

export function findOperation(spec: LoadedSpec, operationId: string, at: string): FoundOperation {
  const operations = allOperations(spec);
  const found = operations.filter(
    (candidate) => candidate.operation.value.operationId === operationId,
  );
  const known = operations.flatMap((candidate) =>
    typeof candidate.operation.value.operationId === "string"
      ? [candidate.operation.value.operationId]
      : [],
  );
  if (found.length === 1) return found[0]!;
  const problems = new ProblemCollector(spec);
  problems.report(
    at,
    found.length === 0
      ? `unknown operation "${operationId}"; the spec has: ${known.join(", ") || "no operationIds"}`
      : `operationId "${operationId}" is used ${found.length} times`,
  );
  problems.throwIfAny();
  throw new Error("unreachable");
}

export function operationInputs(
  spec: LoadedSpec,
  found: FoundOperation,
): { inputs: Input[]; body: OperationBinding["body"] } {
  const problems = new ProblemCollector(spec);
  const inputs: Input[] = [];
  const parameterLists = [
    { list: found.pathItem.value.parameters, pointer: `${found.pathItem.pointer}/parameters` },
    { list: found.operation.value.parameters, pointer: `${found.operation.pointer}/parameters` },
  ];
  for (const { list, pointer } of parameterLists) {
    if (!Array.isArray(list)) continue;
    list.forEach((raw: unknown, index) => {
      const parameter = resolveRef(spec, { value: raw, pointer: `${pointer}/${index}` });
      if (!isRecord(parameter.value)) return;
      const placement = parameter.value.in;
      if (placement !== "header" && placement !== "query") {
        problems.report(
          `${parameter.pointer}/in`,
          `parameters in ${String(placement)} are not supported on a token operation`,
        );
        return;
      }
      inputs.push({
        wire: String(parameter.value.name),
        in: placement,
        required: parameter.value.required === true,
        schema: { value: parameter.value.schema ?? {}, pointer: `${parameter.pointer}/schema` },
        pointer: parameter.pointer,
      });
    });
  }

  let body: OperationBinding["body"];
  if (found.operation.value.requestBody !== undefined) {
    const requestBody = resolveRef(spec, {
      value: found.operation.value.requestBody,
      pointer: `${found.operation.pointer}/requestBody`,
    });
    const content =
      isRecord(requestBody.value) && isRecord(requestBody.value.content)
        ? requestBody.value.content
        : {};
    const mediaTypes = Object.keys(content);
    const contentPointer = `${requestBody.pointer}/content`;
    if (mediaTypes.length !== 1 || BODY_KINDS[mediaTypes[0]!] === undefined) {
      problems.report(
        contentPointer,
        `expected exactly one of ${Object.keys(BODY_KINDS).join(", ")}; found ${mediaTypes.join(", ") || "none"}`,
      );
    } else {
      const mediaType = mediaTypes[0]!;
      body = BODY_KINDS[mediaType];
      const media = content[mediaType];
      const schemaPointer = pointerJoin(contentPointer, mediaType, "schema");
      const schema = resolveRef(spec, {
        value: isRecord(media) ? media.schema : undefined,
        pointer: schemaPointer,
      });
      if (!isRecord(schema.value) || !isRecord(schema.value.properties)) {
        problems.report(
          schema.pointer,
          "the request body schema must be an object with properties",
        );
      } else {
        const required = Array.isArray(schema.value.required) ? schema.value.required : [];
        for (const [wire, propertySchema] of Object.entries(schema.value.properties)) {
          const propertyPointer = pointerJoin(schema.pointer, "properties", wire);
          inputs.push({
            wire,
            in: "body",
            required: required.includes(wire),
            schema: { value: propertySchema, pointer: propertyPointer },
            pointer: propertyPointer,
          });
        }
      }
    }
  }
  problems.throwIfAny();
  return { inputs, body };
}

/** The single value an input may take (`const`, or a one-value `enum`), if any. */
export function constantOf(
  spec: LoadedSpec,
  schema: Located,
): string | number | boolean | undefined {
  const resolved = resolveRef(spec, schema).value;
  if (!isRecord(resolved)) return undefined;
  const value =
    "const" in resolved
      ? resolved.const
      : Array.isArray(resolved.enum) && resolved.enum.length === 1
        ? resolved.enum[0]
        : undefined;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value
    : undefined;
}

export function credentialType(
  spec: LoadedSpec,
  schema: Located,
): CredentialBinding["type"] | undefined {
  if (!isRecord(schema.value)) return undefined;
  let declared = schema.value.type;
  if (Array.isArray(declared))
    declared =
      declared.filter((t) => t !== "null").length === 1
        ? declared.find((t) => t !== "null")
        : undefined;
  switch (declared) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array": {
      const items = resolveRef(spec, {
        value: schema.value.items,
        pointer: `${schema.pointer}/items`,
      }).value;
      return isRecord(items) && items.type === "string" ? "string[]" : undefined;
    }
    default:
      return undefined;
  }
}

/** The operation's documented 2xx statuses, lowest first: the first is its success answer. */
export function successStatuses(found: FoundOperation): string[] {
  const responses = found.operation.value.responses;
  return isRecord(responses)
    ? Object.keys(responses)
        .sort()
        .filter((code) => /^2\d\d$/.test(code))
    : [];
}

export function successResponse(
  spec: LoadedSpec,
  found: FoundOperation,
): { status: string; schema: Located } {
  const responsesPointer = `${found.operation.pointer}/responses`;
  const responses = found.operation.value.responses;
  const status = successStatuses(found)[0];
  const problems = new ProblemCollector(spec);
  if (!status || !isRecord(responses)) {
    problems.report(
      responsesPointer,
      `operation ${String(found.operation.value.operationId)} has no 2xx response`,
    );
    problems.throwIfAny();
    throw new Error("unreachable");
  }
  const response = resolveRef(spec, {
    value: responses[status],
    pointer: pointerJoin(responsesPointer, status),
  });
  const content =
    isRecord(response.value) && isRecord(response.value.content) ? response.value.content : {};
  const media = content["application/json"];
  if (!isRecord(media)) {
    problems.report(
      `${response.pointer}/content`,
      `the ${status} response must have an application/json body`,
    );
    problems.throwIfAny();
  }
  return {
    status,
    schema: {
      value: (media as Record<string, unknown>).schema,
      pointer: pointerJoin(response.pointer, "content", "application/json", "schema"),
    },
  };
}

export function errorBodies(
  spec: LoadedSpec,
  found: FoundOperation,
): OperationModel["errorBodies"] {
  const responses = found.operation.value.responses;
  if (!isRecord(responses)) return [];
  return Object.keys(responses)
    .filter((status) => !/^2/.test(status))
    .flatMap((status) => {
      const response = resolveRef(spec, {
        value: responses[status],
        pointer: pointerJoin(`${found.operation.pointer}/responses`, status),
      }).value;
      const content = isRecord(response) && isRecord(response.content) ? response.content : {};
      return Object.keys(content).map((mediaType) => ({ status, mediaType }));
    });
}

/** Whether the operation's security (or the document's) names an http bearer scheme. */
export function takesBearer(spec: LoadedSpec, found: FoundOperation): boolean {
  const security = found.operation.value.security ?? spec.document.security ?? [];
  const schemes = isRecord(spec.document.components)
    ? spec.document.components.securitySchemes
    : undefined;
  if (!Array.isArray(security) || !isRecord(schemes)) return false;
  return security.some(
    (requirement) =>
      isRecord(requirement) &&
      Object.keys(requirement).some((name) => {
        const scheme = resolveRef(spec, {
          value: schemes[name],
          pointer: pointerJoin("/components/securitySchemes", name),
        }).value;
        return (
          isRecord(scheme) &&
          scheme.type === "http" &&
          String(scheme.scheme).toLowerCase() === "bearer"
        );
      }),
  );
}
