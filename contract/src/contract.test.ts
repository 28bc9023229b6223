/**
 * Every request our packages send goes through Stoplight Prism started from our spec
 * (`prism proxy --errors`), in front of the vendor's stand-in; a request or response that does not
 * conform becomes an error. Every answer the package receives is also validated against the
 * spec's response schema by ajv, error responses included.
 */
import { createAssetAuth } from "@tokenyard/asset-auth";
import { TokenRequestError, type TokenProvider } from "@tokenyard/auth-core";
import {
  startAsset,
  startKlearStack,
  startManis,
  startWilson,
  type FakeVendor,
} from "@tokenyard/fake-vendors";
import { createKlearStackAuth } from "@tokenyard/klearstack-auth";
import { createManisAuth } from "@tokenyard/manis-auth";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrismProxy, type PrismProxy } from "./prism.js";
import { recordingFetch, type Exchange } from "./recording-fetch.js";
import { responseValidator } from "./spec-schemas.js";

interface VendorCase {
  readonly name: string;
  readonly spec: string;
  start(): Promise<FakeVendor<object>>;
  create(options: {
    credentials: any;
    baseUrl: string;
    fetch: typeof fetch;
    retries: 0;
  }): TokenProvider;
  /** Credentials the stand-in accepts, with the optional fields the vendor documents. */
  credentials(fake: FakeVendor<object>): object;
  /** The credential to get wrong for a refusal. */
  readonly secretField: string;
}

const VENDORS: VendorCase[] = [
  {
    name: "Wilson",
    spec: "specs/wilson.yaml",
    start: startWilson,
    create: (options) => createWilsonAuth(options),
    credentials: (fake) => fake.credentials,
    secretField: "clientSecret",
  },
  {
    name: "Asset",
    spec: "specs/asset.yaml",
    start: startAsset,
    create: (options) => createAssetAuth(options),
    // `resource` is left out here: Prism 5.14 keeps only the last of repeated form fields
    // (stoplightio/prism#2473) and would refuse the array we send correctly. The repeated
    // fields are checked against the strict stand-in in packages/asset-auth/test.
    credentials: (fake) => ({
      ...fake.credentials,
      scope: "ledger:read invoice:create",
      expiresIn: 1800,
      businessId: "biz_1",
    }),
    secretField: "clientSecret",
  },
  {
    name: "KlearStack",
    spec: "specs/klearstack.yaml",
    start: startKlearStack,
    create: (options) => createKlearStackAuth(options),
    credentials: (fake) => fake.credentials,
    secretField: "password",
  },
  {
    name: "Manis",
    spec: "specs/manis.yaml",
    start: startManis,
    create: (options) => createManisAuth(options),
    credentials: (fake) => fake.credentials,
    secretField: "secret",
  },
];

function expectConforming(
  exchanges: readonly Exchange[],
  validate: ReturnType<typeof responseValidator>,
  operationId: string,
): void {
  expect(exchanges.length).toBeGreaterThan(0);
  for (const exchange of exchanges) {
    expect(exchange.violations, `${exchange.method} ${exchange.path}`).toBeNull();
    expect(validate(operationId, exchange.status, exchange.body)).toEqual([]);
  }
}

describe.each(VENDORS)("$name through Prism", (vendor) => {
  let fake: FakeVendor<object>;
  let prism: PrismProxy;
  const validate = responseValidator(vendor.spec);

  beforeAll(async () => {
    fake = await vendor.start();
    prism = await startPrismProxy(vendor.spec, fake.baseUrl);
  }, 40_000);
  afterAll(async () => {
    await prism?.close();
    await fake?.close();
  });

  function provider(credentials = vendor.credentials(fake)) {
    const recorder = recordingFetch();
    const auth = vendor.create({
      credentials,
      baseUrl: prism.url,
      fetch: recorder.fetch,
      retries: 0,
    });
    return { auth, exchanges: recorder.exchanges };
  }

  it("the login request conforms, and so does the token response", async () => {
    const { auth, exchanges } = provider();
    const token = await auth.getToken();
    expect(token.accessToken).toBe(fake.issuedTokens.at(-1));
    expectConforming(exchanges, validate, "getAccessToken");
  });

  it("a refused login: the vendor's error body conforms and reaches the caller intact", async () => {
    const credentials = { ...vendor.credentials(fake), [vendor.secretField]: "wrong-secret-value" };
    const { auth, exchanges } = provider(credentials);
    const error = await auth.getToken().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect((error as TokenRequestError).status).toBe(401);
    expect((error as TokenRequestError).body).toEqual(exchanges[0]!.body);
    expectConforming(exchanges, validate, "getAccessToken");
  });
});

describe("operations and error shapes beyond the login", () => {
  it("KlearStack: the refresh request (bearer + multipart) and its response conform", async () => {
    const fake = await startKlearStack();
    const prism = await startPrismProxy("specs/klearstack.yaml", fake.baseUrl);
    try {
      const recorder = recordingFetch();
      const auth = createKlearStackAuth({
        credentials: fake.credentials,
        baseUrl: prism.url,
        fetch: recorder.fetch,
        retries: 0,
      });
      await auth.getToken();
      // The access token is valid, so a forced refresh uses the refresh operation.
      const refreshed = await auth.getToken({ forceRefresh: true });
      expect(fake.refreshRequests()).toBe(1);
      expect(refreshed.accessToken).toBe(fake.issuedTokens.at(-1));
      const validate = responseValidator("specs/klearstack.yaml");
      const [login, refresh] = recorder.exchanges;
      expectConforming([login!], validate, "getAccessToken");
      expectConforming([refresh!], validate, "refreshAccessToken");
      expect(refresh!.path).toBe("/access/klearstack/getaccesstokenfromrefreshtoken");
    } finally {
      await prism.close();
      await fake.close();
    }
  }, 40_000);

  it.each([
    {
      vendor: "KlearStack: text/plain 500",
      spec: "specs/klearstack.yaml",
      start: startKlearStack,
      create: createKlearStackAuth as (options: any) => TokenProvider,
      answer: {
        status: 500,
        body: 'One or Many Required parameters from company name must be missing, E.g error "Company Name"',
      },
    },
    {
      vendor: "Asset: FastAPI's 422 {detail}",
      spec: "specs/asset.yaml",
      start: startAsset,
      create: createAssetAuth as (options: any) => TokenProvider,
      answer: {
        status: 422,
        body: {
          detail: [{ loc: ["body", "client_secret"], msg: "Field required", type: "missing" }],
        },
      },
    },
    {
      vendor: "Asset: 503 {error, data}",
      spec: "specs/asset.yaml",
      start: startAsset,
      create: createAssetAuth as (options: any) => TokenProvider,
      answer: { status: 503, body: { error: "maintenance", data: null } },
    },
    {
      vendor: "Manis: problem-details 400",
      spec: "specs/manis.yaml",
      start: startManis,
      create: createManisAuth as (options: any) => TokenProvider,
      answer: {
        status: 400,
        body: {
          timestamp: "2026-11-22T10:00:00.000Z",
          title: "Bad Request",
          type: "about:blank",
          status: 400,
          soaCode: "AUTH-400",
          detail: "x-secret is missing",
        },
      },
    },
  ])(
    "$vendor conforms to the spec and reaches the caller",
    async ({ spec, start, create, answer }) => {
      const fake = await start();
      const prism = await startPrismProxy(spec, fake.baseUrl);
      try {
        fake.failNext(answer);
        const recorder = recordingFetch();
        const auth = create({
          credentials: fake.credentials,
          baseUrl: prism.url,
          fetch: recorder.fetch,
          retries: 0,
        });
        const error = await auth.getToken().catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(TokenRequestError);
        expect((error as TokenRequestError).status).toBe(answer.status);
        expect((error as TokenRequestError).body).toEqual(answer.body);
        expectConforming(recorder.exchanges, responseValidator(spec), "getAccessToken");
      } finally {
        await prism.close();
        await fake.close();
      }
    },
    40_000,
  );
});

describe("the checks can fail", () => {
  let asset: Awaited<ReturnType<typeof startAsset>>;
  let prism: PrismProxy;
  beforeAll(async () => {
    asset = await startAsset();
    prism = await startPrismProxy("specs/asset.yaml", asset.baseUrl);
  }, 40_000);
  afterAll(async () => {
    await prism?.close();
    await asset?.close();
  });

  it("Prism refuses JSON where the spec says form data, and nothing reaches the vendor", async () => {
    const response = await fetch(`${prism.url}/v0/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...asset.credentials, grant_type: "client_credentials" }),
    });
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain(
      "Supported content types: application/x-www-form-urlencoded",
    );
    expect(asset.tokenRequests()).toBe(0);
  });

  it("Prism refuses a form without the required client_secret", async () => {
    const response = await fetch(`${prism.url}/v0/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: "someone",
        grant_type: "client_credentials",
      }).toString(),
    });
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain("client_secret");
  });

  it("Prism flags a 2xx whose access_token is not a string; ajv does too", async () => {
    const body = { access_token: 42, token_type: "Bearer", expires_in: 3600 };
    asset.failNext({ status: 200, body });
    const recorder = recordingFetch();
    const auth = createAssetAuth({
      credentials: asset.credentials,
      baseUrl: prism.url,
      fetch: recorder.fetch,
      retries: 0,
    });
    await expect(auth.getToken()).rejects.toBeInstanceOf(TokenRequestError);
    expect(recorder.exchanges[0]!.violations).toContain("access_token must be string");
    expect(responseValidator("specs/asset.yaml")("getAccessToken", 200, body)).toEqual([
      "getAccessToken 200/access_token must be string",
    ]);
  });
});
