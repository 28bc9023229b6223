/**
 * The generated sandboxes against the spec, checked by tools we did not write: every request the
 * package sends to its sandbox passes through Prism (`prism proxy --errors`), and every answer a
 * sandbox gives (token, refusal, bad request) validates against the spec's response schema (ajv).
 */
import { createAssetAuth } from "@tokenyard/asset-auth";
import { startAssetSandbox } from "@tokenyard/asset-auth/testing";
import { TokenRequestError, type TokenProvider } from "@tokenyard/auth-core";
import { createKlearStackAuth } from "@tokenyard/klearstack-auth";
import { startKlearStackSandbox } from "@tokenyard/klearstack-auth/testing";
import { createManisAuth } from "@tokenyard/manis-auth";
import { startManisSandbox } from "@tokenyard/manis-auth/testing";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { startWilsonSandbox } from "@tokenyard/wilson-auth/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrismProxy, type PrismProxy } from "./prism.js";
import { recordingFetch } from "./recording-fetch.js";
import { responseValidator } from "./spec-schemas.js";

interface SandboxLike {
  readonly baseUrl: string;
  readonly credentials: object;
  refreshRequests(): number;
  close(): Promise<void>;
}

const SANDBOXES: Array<{
  name: string;
  spec: string;
  tokenPath: string;
  start: () => Promise<SandboxLike>;
  create: (options: any) => TokenProvider;
  refresh?: string;
}> = [
  {
    name: "Wilson",
    spec: "specs/wilson.yaml",
    tokenPath: "/auth/token",
    start: startWilsonSandbox,
    create: createWilsonAuth,
  },
  {
    name: "Asset",
    spec: "specs/asset.yaml",
    tokenPath: "/v0/auth/token",
    start: startAssetSandbox,
    create: createAssetAuth,
  },
  {
    name: "KlearStack",
    spec: "specs/klearstack.yaml",
    tokenPath: "/access/klearstack/get_access_token",
    start: startKlearStackSandbox,
    create: createKlearStackAuth,
    refresh: "refreshAccessToken",
  },
  {
    name: "Manis",
    spec: "specs/manis.yaml",
    tokenPath: "/api/v1/auth/token",
    start: startManisSandbox,
    create: createManisAuth,
  },
];

describe.each(SANDBOXES)("$name sandbox", (vendor) => {
  let sandbox: SandboxLike;
  let prism: PrismProxy;
  const validate = responseValidator(vendor.spec);

  beforeAll(async () => {
    sandbox = await vendor.start();
    prism = await startPrismProxy(vendor.spec, sandbox.baseUrl);
  }, 40_000);
  afterAll(async () => {
    await prism?.close();
    await sandbox?.close();
  });

  it("token (and refresh) requests and answers conform, through Prism", async () => {
    const recorder = recordingFetch();
    const auth = vendor.create({
      credentials: sandbox.credentials,
      baseUrl: prism.url,
      fetch: recorder.fetch,
      retries: 0,
    });
    await auth.getToken();
    if (vendor.refresh) {
      await auth.getToken({ forceRefresh: true });
      expect(sandbox.refreshRequests()).toBe(1);
    }
    const operations = ["getAccessToken", ...(vendor.refresh ? [vendor.refresh] : [])];
    expect(recorder.exchanges).toHaveLength(operations.length);
    recorder.exchanges.forEach((exchange, index) => {
      expect(exchange.violations).toBeNull();
      expect(validate(operations[index]!, exchange.status, exchange.body)).toEqual([]);
    });
  });

  it("the refusal of wrong credentials conforms, through Prism", async () => {
    const recorder = recordingFetch();
    const wrong = Object.fromEntries(
      Object.keys(sandbox.credentials).map((name) => [name, `wrong-${name}`]),
    );
    const error = await vendor
      .create({ credentials: wrong, baseUrl: prism.url, fetch: recorder.fetch, retries: 0 })
      .getToken()
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TokenRequestError);
    const [exchange] = recorder.exchanges;
    expect(exchange!.violations).toBeNull();
    expect(validate("getAccessToken", exchange!.status, exchange!.body)).toEqual([]);
  });

  it("the answer to a request that breaks the spec conforms too", async () => {
    // Sent to the sandbox directly: Prism would refuse it before the sandbox saw it.
    const response = await fetch(`${sandbox.baseUrl}${vendor.tokenPath}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "not what the spec says",
    });
    const text = await response.text();
    const body = (response.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(text)
      : text;
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(validate("getAccessToken", response.status, body)).toEqual([]);
  });
});
