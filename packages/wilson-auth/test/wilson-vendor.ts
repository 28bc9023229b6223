/** Wilson, as the shared conformance suite sees it. */
import * as library from "@tokenyard/auth-core";
import { startWilson, type WilsonOptions } from "@tokenyard/fake-vendors";
import { defineVendor } from "@tokenyard/fake-vendors/conformance";
import { createWilsonAuth } from "../src/index.js";

// Wilson's error bodies are Entra ID's OAuth ones: `error` is a code, the text is the description.
const errorBody = (description: string) => ({
  error: "invalid_request",
  error_description: description,
});

export const wilson = defineVendor({
  name: "Wilson",
  library,
  start: (options: WilsonOptions) => startWilson(options),
  createAuth: createWilsonAuth,
  operations: { token: "getAccessToken" },
  withWrongSecret: (credentials, wrong) => ({ ...credentials, clientSecret: wrong }),
  // Default lifetime 3599 s, read from expires_in (relative): window min(5 min, lifetime / 3).
  expiresAt: (obtainedAt) => obtainedAt + 3_599_000,
  refreshWindowMs: 300_000,
  errorBody,
  refusal: {
    body: () => ({
      error: "invalid_client",
      error_description: "Invalid app_name, client_id or client_secret.",
    }),
    text: "Invalid app_name, client_id or client_secret.",
  },
  unavailable: {
    body: {
      error: "temporarily_unavailable",
      error_description: "Service is down for maintenance",
    },
    text: "Service is down for maintenance",
  },
  tokenlessBody: { token_type: "Bearer", expires_in: 3599 },
  validOptions: {
    credentials: { appName: "company-abc", clientId: "id-123", clientSecret: "s3cr3t-value" },
  },
});
