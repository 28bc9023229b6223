import { generatedHeader } from "./generated-header.js";
import type { CredentialModel, VendorModel } from "./vendor-model.js";

const TS_TYPES: Record<CredentialModel["type"], string> = {
  string: "string",
  number: "number",
  boolean: "boolean",
  "string[]": "readonly string[]",
};

/**
 * `auth.gen.ts`: the vendor binding as data, the credential and response types, and one-line
 * factories handing the binding to auth-core. All behaviour lives in auth-core.
 */
export function emitAuth(model: VendorModel): string {
  const { name } = model;
  const token = model.tokenOperation;
  const needsBaseUrl = model.binding.defaultServer === null;
  const serverType = `${name}Server`;
  const optionsType = needsBaseUrl
    ? `VendorAuthOptionsWithBaseUrl<${name}Credentials>`
    : `VendorAuthOptions<${name}Credentials, ${serverType}>`;
  const clientOptionsType = needsBaseUrl
    ? "VendorClientOptionsWithBaseUrl"
    : `VendorClientOptions<${serverType}>`;
  const serverDoc = needsBaseUrl
    ? `The spec has no usable host (${model.baseUrlTemplate ?? "none published"}), so \`baseUrl\` is required.`
    : `Default: \`${model.binding.defaultServer}\`.`;
  const refresh = model.refreshOperation;
  const responseType = [token, ...(refresh ? [refresh] : [])]
    .map(
      (operation) =>
        `operations[${JSON.stringify(operation.operationId)}]["responses"][${operation.successStatus}]["content"]["application/json"]`,
    )
    .join(" | ");
  const errorBodyType =
    [token, ...(refresh ? [refresh] : [])]
      .flatMap((operation) =>
        operation.errorBodies.map(
          ({ status, mediaType }) =>
            `operations[${JSON.stringify(operation.operationId)}]["responses"][${/^\d+$/.test(status) ? status : JSON.stringify(status)}]["content"][${JSON.stringify(mediaType)}]`,
        ),
      )
      .join(" | ") || "unknown";
  const responseDoc = refresh
    ? `The body of the response the token came from: \`${token.operationId}\`'s, or \`${refresh.operationId}\`'s after a refresh.`
    : `The body of a successful \`${token.operationId}\` response, as the spec types it.`;
  const credentials = model.credentials
    .map((credential) => {
      const placement = credential.in === "body" ? `${bodyName(model)} field` : credential.in;
      const doc = [`\`${credential.wire}\` (${placement}).`, credential.description]
        .filter(Boolean)
        .join(" ");
      return `  /** ${escapeComment(doc)} */\n  readonly ${credential.name}${credential.required ? "" : "?"}: ${TS_TYPES[credential.type]};`;
    })
    .join("\n");

  return `${generatedHeader(model)}
import {
  createTokenProvider,
  createVendorClient,
  type TokenProvider,
  type TokenRequestError,
  type ${needsBaseUrl ? "VendorAuthOptionsWithBaseUrl" : "VendorAuthOptions"},
  type ${needsBaseUrl ? "VendorClientOptionsWithBaseUrl" : "VendorClientOptions"},
} from "@tokenyard/auth-core";
import type { Client } from "openapi-fetch";
import { binding } from "./binding.gen.js";
import type { operations, paths } from "./schema.gen.js";

export type { components, operations, paths } from "./schema.gen.js";

/** ${name}'s named servers from ${model.file}. ${serverDoc} */
export const servers = ${JSON.stringify(Object.fromEntries(model.servers.map((s) => [s.name, s.url])))} as const;

/** A key of {@link servers}. */
export type ${serverType} = keyof typeof servers;

/** What ${name} needs to issue a token: the inputs of \`${token.operationId}\` (${token.method.toUpperCase()} ${token.path}). */
export interface ${name}Credentials {
${credentials}
}

/** ${responseDoc} */
export type ${name}TokenResponse = ${responseType};

/** An error body ${name} documents for its token operations, parsed (JSON, or text). */
export type ${name}ErrorBody = ${errorBodyType};

/**
 * A {@link TokenRequestError} from ${name}, its \`body\` typed by the spec. Narrow with
 * \`error instanceof TokenRequestError && error.vendor === ${JSON.stringify(name)}\`.
 */
export type ${name}TokenRequestError = TokenRequestError<${name}ErrorBody>;

/** Options of {@link create${name}Auth}. ${serverDoc} */
export type ${name}AuthOptions = ${optionsType};


/**
 * A cached, self-refreshing source of ${name} access tokens.
 *
 * @example
 * const auth = create${name}Auth({ ${exampleOptions(model)} });
 * const header = await auth.getAuthorizationHeader();
 */
export function create${name}Auth(options: ${name}AuthOptions): TokenProvider<${name}TokenResponse> {
  return createTokenProvider<${name}TokenResponse>(binding, options);
}

/** An openapi-fetch client typed by ${model.file}. ${serverDoc} Add \`auth.middleware()\` to authenticate it. */
export function create${name}Client(options${needsBaseUrl ? "" : "?"}: ${clientOptionsType}): Client<paths> {
  return createVendorClient<paths>(binding, options);
}
`;
}

function bodyName(model: VendorModel): string {
  return { json: "JSON body", form: "form", multipart: "multipart form" }[
    model.tokenOperation.body ?? "json"
  ];
}

function exampleOptions(model: VendorModel): string {
  const credentials = model.credentials
    .filter((credential) => credential.required)
    .map((credential) => `${credential.name}: "…"`)
    .join(", ");
  const baseUrl = model.binding.defaultServer === null ? ', baseUrl: "https://…"' : "";
  return `credentials: { ${credentials} }${baseUrl}`;
}

function escapeComment(text: string): string {
  return text.replaceAll("*/", "*\\/").replace(/\s+/g, " ");
}

/**
 * `binding.gen.ts`: the vendor as data for auth-core, shared by the main entry and the sandbox,
 * and not exported from the package.
 */
export function emitBinding(model: VendorModel): string {
  return `${generatedHeader(model)}
import type { AuthBinding } from "@tokenyard/auth-core";

/** How auth-core talks to ${model.name}, derived from ${model.file}. */
export const binding: AuthBinding = ${JSON.stringify(model.binding)};
`;
}
