/**
 * Synthetic sandbox bindings for the sandbox's own tests (never exported, never built): one per
 * wire shape the generator produces, each shaped like a real vendor's but owned by no vendor.
 */
import type { AuthBinding } from "../binding.js";
import type { ExpiryRule } from "../expiry.js";
import { createClock } from "../test-server.test-helper.js";
import type { SandboxBinding, SandboxInput } from "./sandbox-binding.js";

const text = (wire: string, inPlace: SandboxInput["in"] = "body"): SandboxInput => ({
  wire,
  in: inPlace,
  required: true,
  type: "string",
});

/** JSON body, a base path, two expiry fields (relative first), and a protected "who am I". */
export const jsonVendor: SandboxBinding = {
  auth: {
    vendor: "Jsonco",
    id: "jsonco",
    spec: "specs/jsonco.yaml",
    servers: { production: "https://api.jsonco.example/api/v2" },
    defaultServer: "production",
    credentials: [
      { name: "appName", required: true, type: "string" },
      { name: "clientId", required: true, type: "string" },
      { name: "clientSecret", required: true, type: "string" },
      { name: "scope", required: false, type: "string" },
    ],
    token: {
      operation: {
        operationId: "getAccessToken",
        method: "post",
        path: "/auth/token",
        body: "json",
        fields: [
          { wire: "app_name", in: "body", from: "credentials.appName" },
          { wire: "client_id", in: "body", from: "credentials.clientId" },
          { wire: "client_secret", in: "body", from: "credentials.clientSecret" },
          { wire: "scope", in: "body", from: "credentials.scope" },
        ],
      },
      accessToken: "/access_token",
      tokenType: { from: "/token_type", fallback: "Bearer" },
      expiry: [
        { from: "/expires_in", as: "seconds" },
        { from: "/expires_at", as: "epoch-seconds" },
      ],
      defaultLifetimeSeconds: 3600,
    },
  },
  basePath: "/api/v2",
  token: {
    operationId: "getAccessToken",
    method: "post",
    path: "/auth/token",
    body: "json",
    inputs: [
      text("app_name"),
      text("client_id"),
      text("client_secret"),
      { wire: "scope", in: "body", required: false, type: "string" },
    ],
    bearer: false,
    success: {
      status: 200,
      example: { access_token: "string", token_type: "Bearer", expires_in: 3600, expires_at: 0 },
    },
  },
  protected: [
    {
      operationId: "whoAmI",
      method: "get",
      path: "/me",
      inputs: [],
      bearer: true,
      success: { status: 200, example: { app: "demo", scopes: ["read"] } },
    },
  ],
  errors: {
    badCredentials: {
      status: 401,
      contentType: "application/json",
      body: { error: "invalid_client", error_description: "Client authentication failed" },
    },
    badRequest: {
      status: 400,
      contentType: "application/json",
      body: { error: "invalid_request", error_description: "The request is malformed" },
    },
  },
};

/** Form body with a constant, a repeated (string[]) field and a lifetime the client may request. */
export const formVendor: SandboxBinding = {
  auth: {
    vendor: "Formco",
    id: "formco",
    spec: "specs/formco.yaml",
    servers: { sandbox: "https://api.formco.example" },
    defaultServer: "sandbox",
    credentials: [
      { name: "clientId", required: true, type: "string" },
      { name: "clientSecret", required: true, type: "string" },
      { name: "expiresIn", required: false, type: "number" },
      { name: "resource", required: false, type: "string[]" },
    ],
    token: {
      operation: {
        operationId: "getAccessToken",
        method: "post",
        path: "/v0/auth/token",
        body: "form",
        fields: [
          { wire: "client_id", in: "body", from: "credentials.clientId" },
          { wire: "client_secret", in: "body", from: "credentials.clientSecret" },
          { wire: "grant_type", in: "body", from: { const: "client_credentials" } },
          { wire: "expires_in", in: "body", from: "credentials.expiresIn" },
          { wire: "resource", in: "body", from: "credentials.resource" },
        ],
      },
      accessToken: "/access_token",
      tokenType: { from: "/token_type", fallback: "Bearer" },
      expiry: [
        { from: "/expires_in", as: "auto" },
        { from: "credentials.expiresIn", as: "seconds" },
      ],
      defaultLifetimeSeconds: 3600,
    },
  },
  basePath: "",
  token: {
    operationId: "getAccessToken",
    method: "post",
    path: "/v0/auth/token",
    body: "form",
    inputs: [
      text("client_id"),
      text("client_secret"),
      {
        wire: "grant_type",
        in: "body",
        required: true,
        type: "string",
        const: "client_credentials",
      },
      { wire: "expires_in", in: "body", required: false, type: "number" },
      { wire: "resource", in: "body", required: false, type: "string[]" },
    ],
    bearer: false,
    success: { status: 200, example: { access_token: "x", token_type: "Bearer", expires_in: 0 } },
  },
  protected: [],
  errors: {
    badCredentials: {
      status: 401,
      contentType: "application/json",
      body: { error: "invalid_client" },
    },
    badRequest: {
      status: 422,
      contentType: "application/json",
      body: { detail: [{ loc: ["body"], msg: "Invalid request", type: "value_error" }] },
    },
  },
};

/** Multipart login issuing JWTs (expiry only in `exp`), and a refresh needing the bearer token. */
export const multipartVendor: SandboxBinding = {
  auth: {
    vendor: "Multico",
    id: "multico",
    spec: "specs/multico.yaml",
    servers: {},
    defaultServer: null,
    credentials: [
      { name: "username", required: true, type: "string" },
      { name: "password", required: true, type: "string" },
      { name: "companyName", required: true, type: "string" },
    ],
    token: {
      operation: {
        operationId: "login",
        method: "post",
        path: "/access/get_access_token",
        body: "multipart",
        fields: [
          { wire: "username", in: "body", from: "credentials.username" },
          { wire: "password", in: "body", from: "credentials.password" },
          { wire: "company_name", in: "body", from: "credentials.companyName" },
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
        operationId: "refresh",
        method: "post",
        path: "/access/refresh",
        body: "multipart",
        fields: [
          { wire: "refresh_token", in: "body", from: "refreshToken" },
          { wire: "company_name", in: "body", from: "credentials.companyName" },
        ],
      },
      authorization: "current-access-token",
    },
  },
  basePath: "",
  token: {
    operationId: "login",
    method: "post",
    path: "/access/get_access_token",
    body: "multipart",
    inputs: [text("username"), text("password"), text("company_name")],
    bearer: false,
    success: {
      status: 200,
      example: { refresh_token: "r", access_token: "a", release_version: "7.8.9" },
    },
  },
  refresh: {
    operationId: "refresh",
    method: "post",
    path: "/access/refresh",
    body: "multipart",
    inputs: [text("refresh_token"), text("company_name")],
    bearer: true,
    success: { status: 200, example: { access_token: "a", release_version: "7.8.9" } },
  },
  protected: [],
  errors: {
    badCredentials: {
      status: 401,
      contentType: "application/json",
      body: { error: "Incorrect username or password." },
    },
    badRequest: {
      status: 500,
      contentType: "text/plain; charset=utf-8",
      body: "One or Many Required parameters must be missing",
    },
  },
};

/** No body at all: credentials in headers, expiry as an absolute epoch of unknown unit. */
export const headerVendor: SandboxBinding = {
  auth: {
    vendor: "Headco",
    id: "headco",
    spec: "specs/headco.yaml",
    servers: {},
    defaultServer: null,
    credentials: [
      { name: "merchantId", required: true, type: "string" },
      { name: "secret", required: true, type: "string" },
    ],
    token: {
      operation: {
        operationId: "getAccessToken",
        method: "post",
        path: "/api/v1/auth/token",
        fields: [
          { wire: "x-merchant-id", in: "header", from: "credentials.merchantId" },
          { wire: "x-secret", in: "header", from: "credentials.secret" },
        ],
      },
      accessToken: "/token",
      tokenType: { from: "/tokenType", fallback: "Bearer" },
      expiry: [{ from: "/expiresAt", as: "epoch-auto" }],
    },
  },
  basePath: "",
  token: {
    operationId: "getAccessToken",
    method: "post",
    path: "/api/v1/auth/token",
    inputs: [text("x-merchant-id", "header"), text("x-secret", "header")],
    bearer: false,
    success: { status: 200, example: { token: "t", tokenType: "Bearer", expiresAt: 0 } },
  },
  protected: [],
  errors: {
    badCredentials: {
      status: 401,
      contentType: "application/json",
      body: { message: "Unauthorized" },
    },
    badRequest: { status: 400, contentType: "application/json", body: { message: "Bad Request" } },
  },
};

/** A copy of `binding` whose token expiry is read by other rules. */
export function withExpiry(binding: SandboxBinding, expiry: readonly ExpiryRule[]): SandboxBinding {
  const auth: AuthBinding = { ...binding.auth, token: { ...binding.auth.token, expiry } };
  return { ...binding, auth };
}

/** A whole-second clock the sandbox and the client share. */
export const testClock = (start = 1_700_000_000_000) => createClock(start);
