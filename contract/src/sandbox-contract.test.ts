/**
 * The generated sandboxes against the spec, checked by tools we did not write: every request the
 * package sends to its sandbox passes through Prism (`prism proxy --errors`), and every answer a
 * sandbox gives (token, refusal, bad request) validates against the spec's response schema (ajv).
 */
import { TokenRequestError, type TokenProvider } from "@tokenyard/auth-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrismProxy, type PrismProxy } from "./prism.js";
import { recordingFetch } from "./recording-fetch.js";
import { responseValidator } from "./spec-schemas.js";
import { specVendors, type SpecVendor } from "./vendors.js";

interface SandboxLike {
  readonly baseUrl: string;
  readonly credentials: object;
  refreshRequests(): number;
  close(): Promise<void>;
}

interface VendorPackage {
  start(): Promise<SandboxLike>;
  create(options: object): TokenProvider;
}

/**
 * `create<Name>Auth` and `start<Name>Sandbox` of the vendor's package. A spec whose package is not
 * among this package's devDependencies (or not built) fails here, by name.
 */
async function loadPackage(vendor: SpecVendor): Promise<VendorPackage> {
  const failure = (cause: unknown): never => {
    throw new Error(
      `${vendor.spec}: cannot load ${vendor.packageName} (is it a devDependency of contract/ and built?)`,
      { cause },
    );
  };
  const main = await import(/* @vite-ignore */ vendor.packageName).catch(failure);
  const testing = await import(/* @vite-ignore */ `${vendor.packageName}/testing`).catch(failure);
  const create = main[`create${vendor.name}Auth`];
  const start = testing[`start${vendor.name}Sandbox`];
  if (typeof create !== "function" || typeof start !== "function") {
    throw new Error(
      `${vendor.packageName}: expected create${vendor.name}Auth and /testing start${vendor.name}Sandbox`,
    );
  }
  return { create, start };
}

// Every spec in specs/, its token (and refresh) operation read from its x-tokenyard block.
const SANDBOXES = specVendors();

describe.each(SANDBOXES)("$name sandbox", (vendor) => {
  let pkg: VendorPackage;
  let sandbox: SandboxLike;
  let prism: PrismProxy;
  const validate = responseValidator(vendor.spec);

  beforeAll(async () => {
    pkg = await loadPackage(vendor);
    sandbox = await pkg.start();
    prism = await startPrismProxy(vendor.spec, sandbox.baseUrl);
  }, 40_000);
  afterAll(async () => {
    await prism?.close();
    await sandbox?.close();
  });

  it("token (and refresh) requests and answers conform, through Prism", async () => {
    const recorder = recordingFetch();
    const auth = pkg.create({
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
    const operations = [vendor.token, ...(vendor.refresh ? [vendor.refresh] : [])].map(
      (operation) => operation.operationId,
    );
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
    const error = await pkg
      .create({ credentials: wrong, baseUrl: prism.url, fetch: recorder.fetch, retries: 0 })
      .getToken()
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TokenRequestError);
    const [exchange] = recorder.exchanges;
    expect(exchange!.violations).toBeNull();
    expect(validate(vendor.token.operationId, exchange!.status, exchange!.body)).toEqual([]);
  });

  it("the answer to a request that breaks the spec conforms too", async () => {
    // Sent to the sandbox directly: Prism would refuse it before the sandbox saw it.
    const response = await fetch(`${sandbox.baseUrl}${vendor.token.path}`, {
      method: vendor.token.method,
      headers: { "content-type": "text/plain" },
      body: "not what the spec says",
    });
    const text = await response.text();
    const body = (response.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(text)
      : text;
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(validate(vendor.token.operationId, response.status, body)).toEqual([]);
  });
});
