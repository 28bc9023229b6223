import type { AccessToken } from "@tokenyard/auth-core";
import { describe, expectTypeOf, it } from "vitest";
import {
  createManisAuth,
  createManisClient,
  servers,
  type ManisAuthOptions,
  type ManisCredentials,
  type ManisTokenResponse,
} from "../src/index.js";

const credentials = { merchantId: "m", secret: "s" };
const baseUrl = "https://manis.example.com";

describe("createManisAuth types", () => {
  it("accepts exactly merchantId and secret (header names without x-)", () => {
    expectTypeOf<ManisCredentials>().toEqualTypeOf<{
      readonly merchantId: string;
      readonly secret: string;
    }>();
    createManisAuth({ credentials, baseUrl });
    // @ts-expect-error secret is required (the seed spec's "optional" is wrong)
    createManisAuth({ credentials: { merchantId: "m" }, baseUrl });
    // @ts-expect-error merchantId must be a string
    createManisAuth({ credentials: { merchantId: 42, secret: "s" }, baseUrl });
    // @ts-expect-error header names are not credential names
    createManisAuth({ credentials: { "x-merchant-id": "m", "x-secret": "s" }, baseUrl });
    createManisAuth({
      // @ts-expect-error unknown credential field
      credentials: { ...credentials, apiKey: "k" },
      baseUrl,
    });
  });

  it("requires baseUrl and has no server option", () => {
    expectTypeOf<ManisAuthOptions["baseUrl"]>().toEqualTypeOf<string>();
    // @ts-expect-error baseUrl is required: the spec has no usable host
    createManisAuth({ credentials });
    // @ts-expect-error the spec names no servers
    createManisAuth({ credentials, baseUrl, server: "production" });
    // @ts-expect-error baseUrl is required for the client too
    createManisClient();
    createManisClient({ baseUrl });
    expectTypeOf(servers).toEqualTypeOf<{}>();
  });

  it("types raw as the spec's token response", async () => {
    const token = await createManisAuth({ credentials, baseUrl }).getToken();
    expectTypeOf(token).toEqualTypeOf<AccessToken<ManisTokenResponse>>();
    expectTypeOf(token.raw).toEqualTypeOf<ManisTokenResponse>();
    expectTypeOf(token.raw.token).toEqualTypeOf<string>();
    expectTypeOf(token.raw.tokenType).toEqualTypeOf<string>();
    expectTypeOf(token.raw.expiresAt).toEqualTypeOf<number>();
    // @ts-expect-error Manis's field is token, not access_token
    void token.raw.access_token;
  });
});
