import type { AccessToken } from "@tokenyard/auth-core";
import { describe, expectTypeOf, it } from "vitest";
import {
  createKlearStackAuth,
  createKlearStackClient,
  servers,
  type KlearStackAuthOptions,
  type KlearStackCredentials,
  type KlearStackTokenResponse,
  type operations,
} from "../src/index.js";

const credentials = { username: "u", password: "p", companyName: "c" };
const baseUrl = "https://klearstack.example.com";

describe("createKlearStackAuth types", () => {
  it("accepts exactly username, password and companyName", () => {
    expectTypeOf<KlearStackCredentials>().toEqualTypeOf<{
      readonly username: string;
      readonly password: string;
      readonly companyName: string;
    }>();
    createKlearStackAuth({ credentials, baseUrl });
    // @ts-expect-error companyName is required
    createKlearStackAuth({ credentials: { username: "u", password: "p" }, baseUrl });
    // @ts-expect-error password must be a string
    createKlearStackAuth({ credentials: { ...credentials, password: 1234 }, baseUrl });
    createKlearStackAuth({
      // @ts-expect-error the wire name company_name is not the credential name
      credentials: { username: "u", password: "p", company_name: "c" },
      baseUrl,
    });
    createKlearStackAuth({
      // @ts-expect-error unknown credential field
      credentials: { ...credentials, userId: 26 },
      baseUrl,
    });
  });

  it("requires baseUrl: the spec has no usable host", () => {
    expectTypeOf<KlearStackAuthOptions["baseUrl"]>().toEqualTypeOf<string>();
    // @ts-expect-error baseUrl is required
    createKlearStackAuth({ credentials });
    createKlearStackAuth({ credentials, baseUrl: servers.staging });
    // @ts-expect-error there is no server option where baseUrl is required
    createKlearStackAuth({ credentials, baseUrl, server: "staging" });
    // @ts-expect-error baseUrl is required for the client too
    createKlearStackClient();
    createKlearStackClient({ baseUrl });
  });

  it("types raw as the login or the refresh response, and the refresh token as optional", async () => {
    const token = await createKlearStackAuth({ credentials, baseUrl }).getToken();
    expectTypeOf(token).toEqualTypeOf<AccessToken<KlearStackTokenResponse>>();
    expectTypeOf(token.raw).toEqualTypeOf<
      | operations["getAccessToken"]["responses"][200]["content"]["application/json"]
      | operations["refreshAccessToken"]["responses"][200]["content"]["application/json"]
    >();
    expectTypeOf(token.raw.access_token).toEqualTypeOf<string>();
    // @ts-expect-error after a refresh the body has no refresh_token: narrow with "in" first
    void token.raw.refresh_token;
    if ("refresh_token" in token.raw) expectTypeOf(token.raw.refresh_token).toEqualTypeOf<string>();
    expectTypeOf(token.raw.release_version).toEqualTypeOf<string | undefined>();
    expectTypeOf(token.refreshToken).toEqualTypeOf<string | undefined>();
    expectTypeOf(token.refreshTokenExpiresAt).toEqualTypeOf<number | undefined>();
    // @ts-expect-error the response carries no expiry field: it is in the JWT
    void token.raw.expires_in;
  });

  it("types servers and the client's paths from the spec", () => {
    expectTypeOf(servers).toEqualTypeOf<{
      readonly staging: "https://staging.klearstackapp.com";
    }>();
    const client = createKlearStackClient({ baseUrl });
    void client.POST("/access/klearstack/getaccesstokenfromrefreshtoken", {
      body: { refresh_token: "r", company_name: "c" },
    });
    void client.POST("/access/klearstack/getaccesstokenfromrefreshtoken", {
      // @ts-expect-error company_name is required by the refresh operation
      body: { refresh_token: "r" },
    });
  });
});
