import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "./generate.js";
import {
  acmeSpec,
  createTempWorkspace,
  REPO_ROOT,
  type TempWorkspace,
} from "./temp-workspace.test-helper.js";

// A fifth vendor exists only as specs/acme.yaml: no TypeScript is written for it. Generating
// its package and getting a token through it proves that vendor knowledge lives in specs alone.

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
let workspace: TempWorkspace;
let server: Server;
let baseUrl: string;
const seen: Array<{ headers: IncomingMessage["headers"]; body: string; url: string | undefined }> =
  [];

beforeAll(async () => {
  workspace = await createTempWorkspace({ "acme.yaml": await acmeSpec() });
  await generate({ root: workspace.root });
  server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    seen.push({ headers: request.headers, body, url: request.url });
    const form = new URLSearchParams(body);
    const wireIsRight =
      request.method === "POST" &&
      request.url === "/v1/oauth/token" &&
      request.headers["content-type"] === "application/x-www-form-urlencoded" &&
      request.headers["x-tenant-id"] === "tenant-1" &&
      form.get("grant_type") === "client_credentials" &&
      form.get("client_secret") === "acme-secret-value";
    if (!wireIsRight) {
      response
        .writeHead(400, { "content-type": "application/json" })
        .end(JSON.stringify({ reason: "bad request" }));
      return;
    }
    if (form.get("client_id") !== "acme-client") {
      response
        .writeHead(401, { "content-type": "application/json" })
        .end(JSON.stringify({ reason: "unknown client" }));
      return;
    }
    const valid_until = new Date(NOW + 600_000).toISOString();
    response.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        token: { value: `acme-token-${seen.length}`, kind: "bearer" },
        valid_until,
      }),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await workspace.remove();
});

async function loadAcme(): Promise<any> {
  return import(pathToFileURL(path.join(workspace.root, "packages/acme-auth/src/index.ts")).href);
}

describe("a synthetic fifth vendor, from its spec alone", () => {
  it("gets a token through the generated package, on the wire the spec describes", async () => {
    const acme = await loadAcme();
    expect(acme.servers).toEqual({
      production: "https://id.acme.test/v1",
      staging: "https://id.staging.acme.test/v1",
    });
    const auth = acme.createAcmeAuth({
      credentials: {
        tenantId: "tenant-1",
        clientId: "acme-client",
        clientSecret: "acme-secret-value",
        audience: ["https://a.test", "https://b.test"],
      },
      baseUrl,
      now: () => NOW,
    });
    const token = await auth.getToken();
    expect(token.accessToken).toBe("acme-token-1");
    expect(token.expiresAt).toBe(NOW + 600_000); // from the ISO rule: ttl is absent
    expect(await auth.getAuthorizationHeader()).toBe("Bearer acme-token-1");
    const form = new URLSearchParams(seen.at(-1)!.body);
    expect(form.getAll("audience")).toEqual(["https://a.test", "https://b.test"]);
    expect(form.has("max_age")).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it("turns the vendor's refusal into a TokenRequestError from auth-core", async () => {
    const acme = await loadAcme();
    const { TokenRequestError } = await import("@tokenyard/auth-core");
    const auth = acme.createAcmeAuth({
      credentials: {
        tenantId: "tenant-1",
        clientId: "someone-else",
        clientSecret: "acme-secret-value",
      },
      baseUrl,
      retries: 0,
    });
    const error = await auth.getToken().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({
      status: 401,
      body: { reason: "unknown client" },
      operation: "issueToken",
      vendor: "Acme",
    });
  });

  it("type-checks, with credentials typed from the spec", async () => {
    await workspace.write(
      "packages/acme-auth/src/usage.ts",
      `import { createAcmeAuth, type AcmeTokenResponse } from "./index.js";
const auth = createAcmeAuth({ credentials: { tenantId: "t", clientId: "c", clientSecret: "s", maxAge: 60 }, server: "staging" });
const raw: AcmeTokenResponse = (await auth.getToken()).raw;
export const value: string = raw.token.value;
// @ts-expect-error tenantId is a required header credential
createAcmeAuth({ credentials: { clientId: "c", clientSecret: "s" } });
// @ts-expect-error "sandbox" is not one of the spec's servers
createAcmeAuth({ credentials: { tenantId: "t", clientId: "c", clientSecret: "s" }, server: "sandbox" });
// @ts-expect-error maxAge is an integer in the spec
createAcmeAuth({ credentials: { tenantId: "t", clientId: "c", clientSecret: "s", maxAge: "60" } });
`,
    );
    const tsc = path.join(REPO_ROOT, "scripts/node_modules/.bin/tsc");
    const result = await promisify(execFile)(tsc, [
      "-p",
      path.join(workspace.root, "packages/acme-auth"),
    ]).then(
      () => "",
      (error: { stdout: string }) => error.stdout,
    );
    expect(result).toBe("");
  }, 60_000);
});
