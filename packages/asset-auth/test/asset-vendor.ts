/** Asset, as the shared conformance suite sees it. */
import * as library from "@tokenyard/auth-core";
import { startAsset, type AssetOptions } from "@tokenyard/fake-vendors";
import { defineVendor } from "@tokenyard/fake-vendors/conformance";
import { createAssetAuth } from "../src/index.js";

// Asset's documented error body: `{error, data}`, the text in `error`.
const errorBody = (error: string) => ({ error, data: null });

export const asset = defineVendor({
  name: "Asset",
  library,
  start: (options: AssetOptions) => startAsset(options),
  createAuth: createAssetAuth,
  operations: { token: "getAccessToken" },
  withWrongSecret: (credentials, wrong) => ({ ...credentials, clientSecret: wrong }),
  // Optional request fields the fake does not check; sent with every request, so just as secret.
  optionalCredentials: { businessId: "biz_secretive", scope: "ledger:read" },
  // Default lifetime 3600 s as an absolute expires_in in whole epoch seconds.
  expiresAt: (obtainedAt) => (Math.floor(obtainedAt / 1000) + 3600) * 1000,
  refreshWindowMs: 300_000,
  errorBody,
  refusal: { body: () => errorBody("invalid_client"), text: "invalid_client" },
  unavailable: { body: errorBody("Service unavailable"), text: "Service unavailable" },
  tokenlessBody: { token_type: "Bearer", expires_in: 3600 },
  moreFailures: [
    ["422", { status: 422, body: { detail: [{ loc: ["body"], msg: "x", type: "y" }] } }],
    ["503 maintenance", { status: 503, body: errorBody("maintenance") }],
  ],
  validOptions: { credentials: { clientId: "client_abc", clientSecret: "s3cr3t-value" } },
});
