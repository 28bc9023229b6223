import type { AccessToken } from "@tokenyard/auth-core";
import { describe, expectTypeOf, it } from "vitest";
import {
  createAssetAuth,
  createAssetClient,
  servers,
  type AssetAuthOptions,
  type AssetCredentials,
  type AssetErrorBody,
  type AssetTokenRequestError,
  type AssetTokenResponse,
} from "../src/index.js";

const credentials = { clientId: "client", clientSecret: "secret" };

describe("createAssetAuth types", () => {
  it("requires clientId and clientSecret and types the optional fields", () => {
    expectTypeOf<AssetCredentials>().toEqualTypeOf<{
      readonly clientId: string;
      readonly clientSecret: string;
      readonly businessId?: string;
      readonly expiresIn?: number;
      readonly scope?: string;
      readonly resource?: readonly string[];
    }>();
    createAssetAuth({ credentials });
    createAssetAuth({
      credentials: {
        ...credentials,
        businessId: "biz",
        expiresIn: 900,
        scope: "ledger:read invoice:create",
        resource: ["https://api.getasset.com/ledger"],
      },
    });

    // @ts-expect-error clientSecret is required (the seed spec's "optional" is a known bug)
    createAssetAuth({ credentials: { clientId: "a" } });
    // @ts-expect-error clientId is required
    createAssetAuth({ credentials: { clientSecret: "s" } });
    // @ts-expect-error expiresIn is a number of seconds
    createAssetAuth({ credentials: { ...credentials, expiresIn: "3600" } });
    // @ts-expect-error resource is a list, one value per resource
    createAssetAuth({ credentials: { ...credentials, resource: "https://a.example" } });
    // @ts-expect-error scope is one space-separated string
    createAssetAuth({ credentials: { ...credentials, scope: ["ledger:read"] } });
    createAssetAuth({
      // @ts-expect-error grant_type is fixed by the package, not a credential
      credentials: { clientId: "a", clientSecret: "s", grantType: "client_credentials" },
    });
  });

  it("types raw as the spec's token response", async () => {
    const token = await createAssetAuth({ credentials }).getToken();
    expectTypeOf(token).toEqualTypeOf<AccessToken<AssetTokenResponse>>();
    expectTypeOf(token.raw).toEqualTypeOf<AssetTokenResponse>();
    expectTypeOf(token.raw.access_token).toEqualTypeOf<string>();
    expectTypeOf(token.raw.token_type).toEqualTypeOf<string>();
    expectTypeOf(token.raw.expires_in).toEqualTypeOf<number | undefined>();
    // @ts-expect-error Asset issues no refresh token
    void token.raw.refresh_token;
  });

  it("makes baseUrl optional and server one of sandbox or production", () => {
    expectTypeOf<AssetAuthOptions["baseUrl"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AssetAuthOptions["server"]>().toEqualTypeOf<
      "sandbox" | "production" | undefined
    >();
    createAssetAuth({ credentials, server: "sandbox" });
    createAssetAuth({ credentials, server: "production" });
    // @ts-expect-error no such server in the spec
    createAssetAuth({ credentials, server: "staging" });
    // @ts-expect-error server is a name, not a URL
    createAssetAuth({ credentials, server: servers.production });
  });

  it("types servers and the client from the spec", () => {
    expectTypeOf(servers).toEqualTypeOf<{
      readonly sandbox: "https://api.sandbox.getasset.com";
      readonly production: "https://api.getasset.com";
    }>();
    createAssetClient();
    createAssetClient({ server: "production" });
    // @ts-expect-error no such server in the spec
    createAssetClient({ server: "live" });
  });

  it("types the vendor's documented error bodies", () => {
    expectTypeOf<AssetTokenRequestError["body"]>().toEqualTypeOf<AssetErrorBody | undefined>();
    const body = {} as AssetErrorBody;
    // Asset documents {error, data}, and its FastAPI backend answers 422 with {detail}.
    if ("detail" in body) expectTypeOf(body.detail).toBeArray();
    else expectTypeOf(body.error).toEqualTypeOf<string | null>();
  });
});
