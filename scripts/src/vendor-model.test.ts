import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkSpec } from "./check-spec.js";
import { loadSpec } from "./load-spec.js";
import { REPO_ROOT } from "./temp-workspace.test-helper.js";
import { deriveVendorModel, type VendorModel } from "./vendor-model.js";

async function model(vendor: string): Promise<VendorModel> {
  const spec = await loadSpec(
    path.join(REPO_ROOT, "specs", `${vendor}.yaml`),
    `specs/${vendor}.yaml`,
  );
  checkSpec(spec);
  return deriveVendorModel(spec);
}

const credentialSummary = (vendor: VendorModel) =>
  vendor.credentials.map((c) => `${c.name}${c.required ? "" : "?"}:${c.type}<-${c.in}:${c.wire}`);

// DESIGN.md's table of credentials per vendor, derived here from the specs alone.
describe("the vendor model of each real spec", () => {
  it("Wilson: JSON body, one production server with its base path", async () => {
    const wilson = await model("wilson");
    expect(wilson).toMatchObject({
      name: "Wilson",
      packageName: "@tokenyard/wilson-auth",
      directory: "packages/wilson-auth",
    });
    expect(credentialSummary(wilson)).toEqual([
      "appName:string<-body:app_name",
      "clientId:string<-body:client_id",
      "clientSecret:string<-body:client_secret",
    ]);
    expect(wilson.binding.servers).toEqual({ production: "https://wilson.40mat.com/apif/v2" });
    expect(wilson.binding.defaultServer).toBe("production");
    expect(wilson.binding.token.operation).toMatchObject({
      method: "post",
      path: "/auth/token",
      body: "json",
    });
    expect(wilson.binding.token.expiry.map((rule) => rule.as)).toEqual([
      "seconds",
      "epoch-seconds",
    ]);
  });

  it("Asset: form body, grant_type as a constant, resource as a repeated array, sandbox first", async () => {
    const asset = await model("asset");
    expect(credentialSummary(asset)).toEqual([
      "clientId:string<-body:client_id",
      "clientSecret:string<-body:client_secret",
      "businessId?:string<-body:business_id",
      "expiresIn?:number<-body:expires_in",
      "scope?:string<-body:scope",
      "resource?:string[]<-body:resource",
    ]);
    expect(asset.binding.token.operation.body).toBe("form");
    expect(asset.binding.token.operation.fields).toContainEqual({
      wire: "grant_type",
      in: "body",
      from: { const: "client_credentials" },
    });
    expect(Object.keys(asset.binding.servers)).toEqual(["sandbox", "production"]);
    expect(asset.binding.defaultServer).toBe("sandbox");
    expect(asset.binding.token.tokenType).toEqual({ from: "/token_type", fallback: "Bearer" });
  });

  it("KlearStack: multipart login and refresh, baseUrl required, staging offered", async () => {
    const klearstack = await model("klearstack");
    expect(credentialSummary(klearstack)).toEqual([
      "username:string<-body:username",
      "password:string<-body:password",
      "companyName:string<-body:company_name",
    ]);
    expect(klearstack.binding.defaultServer).toBeNull();
    expect(klearstack.binding.servers).toEqual({ staging: "https://staging.klearstackapp.com" });
    expect(klearstack.binding.refresh).toEqual({
      operation: {
        operationId: "refreshAccessToken",
        method: "post",
        path: "/access/klearstack/getaccesstokenfromrefreshtoken",
        body: "multipart",
        fields: [
          { wire: "refresh_token", in: "body", from: "refreshToken" },
          { wire: "company_name", in: "body", from: "credentials.companyName" },
        ],
      },
      authorization: "current-access-token",
    });
    expect(klearstack.binding.token.refreshToken).toEqual({
      from: "/refresh_token",
      expiry: "jwt-exp",
    });
  });

  it("Manis: header credentials without x-, no body, no usable server", async () => {
    const manis = await model("manis");
    expect(credentialSummary(manis)).toEqual([
      "merchantId:string<-header:x-merchant-id",
      "secret:string<-header:x-secret",
    ]);
    expect(manis.binding.token.operation.body).toBeUndefined();
    expect(manis.binding.servers).toEqual({});
    expect(manis.binding.defaultServer).toBeNull();
    expect(manis.binding.token.expiry).toEqual([{ from: "/expiresAt", as: "epoch-auto" }]);
  });
});
