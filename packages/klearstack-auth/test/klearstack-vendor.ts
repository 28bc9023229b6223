/** KlearStack, as the shared conformance suite sees it. */
import * as library from "@tokenyard/auth-core";
import { startKlearStack, type KlearStackOptions } from "@tokenyard/fake-vendors";
import { defineVendor } from "@tokenyard/fake-vendors/conformance";
import { createKlearStackAuth } from "../src/index.js";

export const LOGIN_PATH = "/access/klearstack/get_access_token";
export const REFRESH_PATH = "/access/klearstack/getaccesstokenfromrefreshtoken";

// KlearStack's documented error body: `{error}` with the text in it.
const errorBody = (error: string) => ({ error });

export const klearStack = defineVendor({
  name: "KlearStack",
  library,
  start: (options: KlearStackOptions) => startKlearStack(options),
  createAuth: createKlearStackAuth,
  operations: { token: "getAccessToken", refresh: "refreshAccessToken" },
  withWrongSecret: (credentials, wrong) => ({ ...credentials, password: wrong }),
  // Default access-token lifetime 900 s, as a JWT exp in whole seconds (899.877 s from T0):
  // refresh window min(5 min, lifetime / 3) = 299.959 s.
  expiresAt: (obtainedAt) => (Math.floor(obtainedAt / 1000) + 900) * 1000,
  refreshWindowMs: 299_959,
  errorBody,
  refusal: {
    body: () => errorBody("Incorrect username or password."),
    text: "Incorrect username or password.",
  },
  // The vendor documents only a text/plain 500; a 503 from its load balancer is what an outage looks like.
  unavailable: { body: "Service Unavailable", text: "Service Unavailable" },
  tokenlessBody: { refresh_token: "r", release_version: "7.8.9" },
  moreFailures: [["500", { status: 500, body: "Internal Server Error" }]],
  validOptions: {
    credentials: { username: "u@example.test", password: "s3cr3t-value", companyName: "acme" },
    baseUrl: "https://klearstack.example.com",
  },
});
