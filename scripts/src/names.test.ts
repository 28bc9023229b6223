import { describe, expect, it } from "vitest";
import { camelCase, credentialName, environmentVariable } from "./names.js";

describe("names", () => {
  it.each([
    ["app_name", "body", "appName"],
    ["client_secret", "body", "clientSecret"],
    ["x-merchant-id", "header", "merchantId"],
    ["X-Secret", "header", "secret"],
    ["x-factor", "body", "xFactor"],
    ["scope", "query", "scope"],
  ] as const)("%s in %s → %s", (wire, placement, expected) => {
    expect(credentialName(wire, placement)).toBe(expected);
  });

  it.each([
    ["Production", "production"],
    ["EU West", "euWest"],
    ["sandbox-v2", "sandboxV2"],
    ["", ""],
  ])("server %j → %j", (description, expected) => {
    expect(camelCase(description)).toBe(expected);
  });

  it.each([
    ["wilson", "clientSecret", "WILSON_CLIENT_SECRET"],
    ["asset", "businessId", "ASSET_BUSINESS_ID"],
    ["klearstack", "companyName", "KLEARSTACK_COMPANY_NAME"],
    ["manis", "secret", "MANIS_SECRET"],
    ["manis", "baseUrl", "MANIS_BASE_URL"],
    ["asset", "server", "ASSET_SERVER"],
  ])("vendor %s, credential %s → %s", (vendor, credential, expected) => {
    expect(environmentVariable(vendor, credential)).toBe(expected);
  });
});
