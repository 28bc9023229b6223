/** Manis, as the shared conformance suite sees it. */
import * as library from "@tokenyard/auth-core";
import { startManis, type ManisOptions } from "@tokenyard/fake-vendors";
import { defineVendor } from "@tokenyard/fake-vendors/conformance";
import { createManisAuth } from "../src/index.js";

// The seed spec's error schema: `{message, timestamp}` (the fake's default errorShape).
const errorBody = (message: string) => ({ message, timestamp: "2025-10-09T08:53:20.123Z" });

export const manis = defineVendor({
  name: "Manis",
  library,
  start: (options: ManisOptions) => startManis(options),
  createAuth: createManisAuth,
  operations: { token: "getAccessToken" },
  withWrongSecret: (credentials, wrong) => ({ ...credentials, secret: wrong }),
  // Default lifetime 3600 s, an absolute expiresAt in ms: window min(5 min, lifetime / 3).
  expiresAt: (obtainedAt) => obtainedAt + 3_600_000,
  refreshWindowMs: 300_000,
  errorBody,
  refusal: {
    body: (now) => ({
      message: "Invalid merchant id or secret",
      timestamp: new Date(now).toISOString(),
    }),
    text: "Invalid merchant id or secret",
  },
  unavailable: {
    body: errorBody("Service is down for maintenance"),
    text: "Service is down for maintenance",
  },
  tokenlessBody: { tokenType: "Bearer", expiresAt: Date.UTC(2030, 0) },
  moreFailures: [
    ["400", { status: 400, body: { title: "Bad Request", status: 400 } }],
    ["502", { status: 502, body: "Bad Gateway" }],
  ],
  validOptions: {
    credentials: { merchantId: "merchant-1", secret: "s3cr3t-value" },
    baseUrl: "https://manis.example.com",
  },
});
