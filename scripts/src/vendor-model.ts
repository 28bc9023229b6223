import path from "node:path";
import type {
  AuthBinding,
  CredentialBinding,
  FieldSource,
  OperationBinding,
  TokenTypeBinding,
  WireField,
} from "@tokenyard/auth-core";
import { isRecord } from "./check-spec.js";
import type { LoadedSpec } from "./load-spec.js";
import { camelCase, credentialName, packageDirectory, packageName } from "./names.js";
import { resolveRef, type Located } from "./resolve-ref.js";
import { ProblemCollector, SpecError, pointerJoin } from "./spec-problem.js";
import {
  NO_INPUTS,
  constantOf,
  credentialType,
  errorBodies,
  findOperation,
  operationInputs,
  successResponse,
  takesBearer,
  type FoundOperation,
  type Input,
} from "./read-operation.js";

/** What the emitters need to know about a vendor, derived from its spec alone. */
export interface VendorModel {
  readonly file: string;
  readonly hash: string;
  /** `KlearStack` */
  readonly name: string;
  /** `klearstack` */
  readonly id: string;
  /** `@tokenyard/klearstack-auth` */
  readonly packageName: string;
  /** `packages/klearstack-auth`, relative to the repository root. */
  readonly directory: string;
  readonly title: string;
  readonly summary: string | undefined;
  readonly servers: readonly ServerModel[];
  /** Description of the server template the app must fill with `baseUrl`, if the spec has one. */
  readonly baseUrlTemplate: string | undefined;
  readonly credentials: readonly CredentialModel[];
  readonly tokenOperation: OperationModel;
  readonly refreshOperation: OperationModel | undefined;
  readonly binding: AuthBinding;
}

export interface ServerModel {
  readonly name: string;
  readonly url: string;
  readonly description: string;
}

export interface CredentialModel extends CredentialBinding {
  readonly wire: string;
  readonly in: WireField["in"];
  readonly description: string | undefined;
}

export interface OperationModel {
  readonly operationId: string;
  /** Each documented non-2xx response body: status key as written (`401`, `4XX`, `default`). */
  readonly errorBodies: ReadonlyArray<{ readonly status: string; readonly mediaType: string }>;
  readonly method: OperationBinding["method"];
  readonly path: string;
  /** The 2xx status whose JSON body is the token response (`"200"`). */
  readonly successStatus: string;
  readonly body: OperationBinding["body"];
}

/**
 * Derives the vendor model from a checked spec. Every problem is collected and thrown together
 * as one {@link SpecError}, each with its JSON pointer.
 */
export function deriveVendorModel(spec: LoadedSpec): VendorModel {
  const problems = new ProblemCollector(spec);
  const { document } = spec;
  const extension = document["x-tokenyard"] as XTokenyard;
  const name = extension.name;
  const id = name.toLowerCase();
  const expectedFile = `${id}.yaml`;
  if (path.basename(spec.file) !== expectedFile) {
    problems.report(
      "/x-tokenyard/name",
      `name "${name}" makes package ${packageName(id)}, so the spec must be named ${expectedFile}`,
    );
  }

  const { servers, baseUrlTemplate, defaultServer } = deriveServers(spec, problems);

  const tokenOp = problems.attempt(() =>
    findOperation(spec, extension.token.operation, "/x-tokenyard/token/operation"),
  );
  const refreshOp = extension.refresh
    ? problems.attempt(() =>
        findOperation(spec, extension.refresh!.operation, "/x-tokenyard/refresh/operation"),
      )
    : undefined;
  // Without the operations nothing further can be checked; otherwise keep collecting.
  if (!tokenOp || (extension.refresh && !refreshOp)) problems.throwIfAny();

  const tokenInputs = problems.attempt(() => operationInputs(spec, tokenOp!)) ?? NO_INPUTS;
  const credentials: CredentialModel[] = [];
  const tokenFields: WireField[] = [];
  for (const input of tokenInputs.inputs) {
    const constant = constantOf(spec, input.schema);
    if (constant !== undefined) {
      tokenFields.push({ wire: input.wire, in: input.in, from: { const: constant } });
      continue;
    }
    const credential = problems.attempt(() => credentialOf(spec, input));
    if (!credential) continue;
    if (credentials.some((existing) => existing.name === credential.name)) {
      problems.report(input.pointer, `two inputs map to the credential name "${credential.name}"`);
      continue;
    }
    credentials.push(credential);
    tokenFields.push({ wire: input.wire, in: input.in, from: `credentials.${credential.name}` });
  }

  const tokenResponse = problems.attempt(() => successResponse(spec, tokenOp!));
  const checkPointer = (pointer: string, at: string): void => {
    if (tokenResponse)
      problems.attempt(() => checkResponsePointer(spec, tokenResponse.schema, pointer, at));
  };
  const checkCredential = (source: string, at: string): void => {
    const credential = source.slice("credentials.".length);
    if (!credentials.some((c) => c.name === credential)) {
      problems.report(
        at,
        `unknown credential "${credential}"; the token operation's inputs give: ${credentials.map((c) => c.name).join(", ")}`,
      );
    }
  };

  const token = extension.token;
  checkPointer(token.accessToken, "/x-tokenyard/token/accessToken");
  let tokenType: TokenTypeBinding = token.tokenType;
  if (token.tokenType.startsWith("/")) {
    const fieldSchema = tokenResponse
      ? problems.attempt(() =>
          checkResponsePointer(
            spec,
            tokenResponse.schema,
            token.tokenType,
            "/x-tokenyard/token/tokenType",
          ),
        )
      : undefined;
    const declaredDefault = isRecord(fieldSchema?.value) ? fieldSchema.value.default : undefined;
    tokenType = {
      from: token.tokenType,
      fallback: typeof declaredDefault === "string" ? declaredDefault : "Bearer",
    };
  }
  token.expiry.forEach((rule, index) => {
    const at = `/x-tokenyard/token/expiry/${index}/from`;
    if (rule.from.startsWith("credentials.")) checkCredential(rule.from, at);
    else checkPointer(rule.from, at);
  });
  if (token.refreshToken)
    checkPointer(token.refreshToken.from, "/x-tokenyard/token/refreshToken/from");

  let refreshBinding: AuthBinding["refresh"];
  let refreshModel: OperationModel | undefined;
  if (extension.refresh && refreshOp) {
    const refresh = extension.refresh;
    const fields: WireField[] = [];
    const refreshInputs = problems.attempt(() => operationInputs(spec, refreshOp)) ?? NO_INPUTS;
    for (const input of refreshInputs.inputs) {
      const source = refresh.sends[input.wire];
      const constant = constantOf(spec, input.schema);
      if (source !== undefined)
        fields.push({ wire: input.wire, in: input.in, from: source as FieldSource });
      else if (constant !== undefined)
        fields.push({ wire: input.wire, in: input.in, from: { const: constant } });
      else if (input.required) {
        problems.report(
          "/x-tokenyard/refresh/sends",
          `required input "${input.wire}" of ${refresh.operation} (${input.pointer}) has no source in sends`,
        );
      }
    }
    for (const [wire, source] of Object.entries(refresh.sends)) {
      const at = pointerJoin("/x-tokenyard/refresh/sends", wire);
      if (!refreshInputs.inputs.some((input) => input.wire === wire)) {
        problems.report(at, `"${wire}" is not an input of operation ${refresh.operation}`);
      }
      if (source.startsWith("credentials.")) checkCredential(source, at);
      if (source === "refreshToken" && !token.refreshToken) {
        problems.report(
          at,
          "sends the refresh token, but x-tokenyard/token/refreshToken is not declared",
        );
      }
    }
    if (refresh.authorization === "current-access-token" && !takesBearer(spec, refreshOp)) {
      problems.report(
        "/x-tokenyard/refresh/authorization",
        `sends the current access token as a bearer token, but operation ${refresh.operation} declares no http bearer security (${refreshOp.operation.pointer}/security)`,
      );
    }
    const refreshResponse = problems.attempt(() => successResponse(spec, refreshOp));
    if (refreshResponse) {
      problems.attempt(() =>
        checkResponsePointer(
          spec,
          refreshResponse.schema,
          token.accessToken,
          "/x-tokenyard/token/accessToken",
        ),
      );
    }
    refreshBinding = {
      operation: operationBinding(refreshOp, refreshInputs.body, fields),
      ...(refresh.authorization ? { authorization: refresh.authorization } : {}),
    };
    refreshModel = operationModel(
      spec,
      refreshOp,
      refreshInputs.body,
      refreshResponse?.status ?? "200",
    );
  }
  problems.throwIfAny();

  const info = document.info as Record<string, unknown>;
  const binding: AuthBinding = {
    vendor: name,
    id,
    spec: spec.file,
    servers: Object.fromEntries(servers.map((server) => [server.name, server.url])),
    defaultServer,
    credentials: credentials.map(({ name: credential, required, type }) => ({
      name: credential,
      required,
      type,
    })),
    token: {
      operation: operationBinding(tokenOp!, tokenInputs.body, tokenFields),
      accessToken: token.accessToken,
      tokenType,
      expiry: token.expiry,
      ...(token.defaultLifetime !== undefined
        ? { defaultLifetimeSeconds: token.defaultLifetime }
        : {}),
      ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
    },
    ...(refreshBinding ? { refresh: refreshBinding } : {}),
  };
  return {
    file: spec.file,
    hash: spec.hash,
    name,
    id,
    packageName: packageName(id),
    directory: packageDirectory(id),
    title: String(info.title),
    summary: typeof info.description === "string" ? info.description.trim() : undefined,
    servers,
    baseUrlTemplate,
    credentials,
    tokenOperation: operationModel(spec, tokenOp!, tokenInputs.body, tokenResponse!.status),
    refreshOperation: refreshModel,
    binding,
  };
}

interface XTokenyard {
  name: string;
  token: {
    operation: string;
    accessToken: string;
    tokenType: string;
    expiry: AuthBinding["token"]["expiry"];
    defaultLifetime?: number;
    refreshToken?: NonNullable<AuthBinding["token"]["refreshToken"]>;
  };
  refresh?: {
    operation: string;
    sends: Record<string, string>;
    authorization?: "current-access-token";
  };
}

function deriveServers(
  spec: LoadedSpec,
  problems: ProblemCollector,
): { servers: ServerModel[]; baseUrlTemplate: string | undefined; defaultServer: string | null } {
  const declared = Array.isArray(spec.document.servers) ? spec.document.servers : [];
  const servers: ServerModel[] = [];
  let baseUrlTemplate: string | undefined;
  declared.forEach((server: unknown, index) => {
    const at = `/servers/${index}`;
    if (!isRecord(server) || typeof server.url !== "string") {
      problems.report(at, "a server needs a url");
      return;
    }
    const description = typeof server.description === "string" ? server.description : "";
    if (server.url.includes("{")) {
      // A URL with variables is a template the app fills in through `baseUrl`.
      if (index === 0) baseUrlTemplate = description || "the vendor's host";
      return;
    }
    const name = camelCase(description);
    if (!name) {
      problems.report(
        `${at}/description`,
        "a server needs a description: it becomes the server's name",
      );
      return;
    }
    if (!isAbsoluteHttpUrl(server.url)) {
      problems.report(`${at}/url`, `"${server.url}" is not an absolute http(s) URL with a host`);
      return;
    }
    if (servers.some((existing) => existing.name === name)) {
      problems.report(`${at}/description`, `two servers are named "${name}"`);
      return;
    }
    servers.push({ name, url: server.url.replace(/\/+$/, ""), description });
  });
  const defaultServer = baseUrlTemplate === undefined ? (servers[0]?.name ?? null) : null;
  return { servers, baseUrlTemplate, defaultServer };
}

function isAbsoluteHttpUrl(text: string): boolean {
  // `new URL("https:/")` is lenient: it yields host "" for Manis' broken server, so check the
  // shape too.
  if (!/^https?:\/\/[^/]/.test(text)) return false;
  try {
    return new URL(text).host !== "";
  } catch {
    return false;
  }
}

function credentialOf(spec: LoadedSpec, input: Input): CredentialModel {
  const schema = resolveRef(spec, input.schema);
  const type = credentialType(spec, schema);
  if (!type) {
    throw new SpecError([
      {
        file: spec.file,
        pointer: schema.pointer,
        message: `input "${input.wire}" has a type tokenyard cannot send (string, number, integer, boolean or an array of strings)`,
        line: spec.lineOf(schema.pointer),
      },
    ]);
  }
  const description =
    isRecord(schema.value) && typeof schema.value.description === "string"
      ? schema.value.description.trim()
      : undefined;
  return {
    name: credentialName(input.wire, input.in),
    wire: input.wire,
    in: input.in,
    required: input.required,
    type,
    description,
  };
}

/** Walks a JSON pointer through a response schema; unknown fields are reported at `at`. */
function checkResponsePointer(
  spec: LoadedSpec,
  schema: Located,
  pointer: string,
  at: string,
): Located {
  let current = resolveRef(spec, schema);
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    const properties = collectProperties(spec, current);
    const next = properties.get(key);
    if (!next) {
      const known = [...properties.keys()];
      const problems = new ProblemCollector(spec);
      problems.report(
        at,
        `unknown field "${key}" in response schema (${current.pointer})${known.length ? `; it has: ${known.join(", ")}` : ""}`,
      );
      problems.throwIfAny();
    }
    current = resolveRef(spec, next!);
  }
  return current;
}

function collectProperties(spec: LoadedSpec, schema: Located): Map<string, Located> {
  const found = new Map<string, Located>();
  if (!isRecord(schema.value)) return found;
  if (isRecord(schema.value.properties)) {
    for (const [key, value] of Object.entries(schema.value.properties)) {
      found.set(key, { value, pointer: pointerJoin(schema.pointer, "properties", key) });
    }
  }
  if (Array.isArray(schema.value.allOf)) {
    schema.value.allOf.forEach((part: unknown, index) => {
      const resolved = resolveRef(spec, {
        value: part,
        pointer: `${schema.pointer}/allOf/${index}`,
      });
      for (const [key, value] of collectProperties(spec, resolved)) found.set(key, value);
    });
  }
  return found;
}

function operationBinding(
  found: FoundOperation,
  body: OperationBinding["body"],
  fields: WireField[],
): OperationBinding {
  return {
    operationId: String(found.operation.value.operationId),
    method: found.method,
    path: found.path,
    ...(body ? { body } : {}),
    fields,
  };
}

function operationModel(
  spec: LoadedSpec,
  found: FoundOperation,
  body: OperationBinding["body"],
  successStatus: string,
): OperationModel {
  return {
    operationId: String(found.operation.value.operationId),
    errorBodies: errorBodies(spec, found),
    method: found.method,
    path: found.path,
    successStatus,
    body,
  };
}
