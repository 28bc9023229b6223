import type { AccessToken, TokenProvider } from "@tokenyard/auth-core";
import { describe, expectTypeOf, it } from "vitest";
import {
  createWilsonAuth,
  createWilsonClient,
  servers,
  type WilsonAuthOptions,
  type WilsonCredentials,
  type WilsonTokenResponse,
} from "../src/index.js";

const credentials = { appName: "company-abc", clientId: "id", clientSecret: "secret" };

describe("createWilsonAuth types", () => {
  it("accepts exactly the spec's credentials", () => {
    expectTypeOf(createWilsonAuth({ credentials })).toEqualTypeOf<
      TokenProvider<WilsonTokenResponse>
    >();
    expectTypeOf<WilsonCredentials>().toEqualTypeOf<{
      readonly appName: string;
      readonly clientId: string;
      readonly clientSecret: string;
    }>();

    // @ts-expect-error clientSecret is required
    createWilsonAuth({ credentials: { appName: "a", clientId: "b" } });
    // @ts-expect-error appName is required
    createWilsonAuth({ credentials: { clientId: "b", clientSecret: "c" } });
    // @ts-expect-error clientId must be a string
    createWilsonAuth({ credentials: { appName: "a", clientId: 1, clientSecret: "c" } });
    // @ts-expect-error snake_case wire names are not credential names
    createWilsonAuth({ credentials: { app_name: "a", client_id: "b", client_secret: "c" } });
    createWilsonAuth({
      // @ts-expect-error unknown credential field
      credentials: { appName: "a", clientId: "b", clientSecret: "c", tenantId: "t" },
    });
    // @ts-expect-error credentials are required
    createWilsonAuth({});
  });

  it("types raw as the spec's token response", async () => {
    const token = await createWilsonAuth({ credentials }).getToken();
    expectTypeOf(token).toEqualTypeOf<AccessToken<WilsonTokenResponse>>();
    expectTypeOf(token.raw).toEqualTypeOf<WilsonTokenResponse>();
    expectTypeOf(token.raw.access_token).toEqualTypeOf<string>();
    expectTypeOf(token.raw.token_type).toEqualTypeOf<string>();
    expectTypeOf(token.raw.expires_in).toEqualTypeOf<number | undefined>();
    expectTypeOf(token.raw.expires_at).toEqualTypeOf<number | undefined>();
    expectTypeOf(token.expiresAt).toEqualTypeOf<number>();
    // @ts-expect-error not a field of Wilson's response
    void token.raw.refresh_token;
  });

  it("makes baseUrl optional and server one of the spec's names", () => {
    expectTypeOf<WilsonAuthOptions["baseUrl"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<WilsonAuthOptions["server"]>().toEqualTypeOf<"production" | undefined>();
    createWilsonAuth({ credentials, server: "production" });
    createWilsonAuth({ credentials, baseUrl: "https://wilson.example.com/apif/v2" });
    // @ts-expect-error no such server in the spec
    createWilsonAuth({ credentials, server: "staging" });
    // @ts-expect-error server is a name, not a URL
    createWilsonAuth({ credentials, server: servers.production });
  });

  it("types servers and the client from the spec", () => {
    expectTypeOf(servers).toEqualTypeOf<{
      readonly production: "https://wilson.40mat.com/apif/v2";
    }>();
    const client = createWilsonClient();
    createWilsonClient({ server: "production" });
    // @ts-expect-error no such server in the spec
    createWilsonClient({ server: "sandbox" });
    void client.GET("/auth/company");
    // @ts-expect-error not a path of the spec
    void client.GET("/auth/nope");
  });
});
