// What is not per vendor: help, usage errors, the listing, .env handling, TLS, and the status
// codes with their own words. Real bin, real servers on 127.0.0.1.
import type { Sandbox } from "@tokenyard/auth-core/testing";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "../src/diagnose.js";
import { vendors } from "../src/vendors.gen.js";
import { leaks, runCli, secretTexts } from "./run-cli.test-helper.js";

const wilson = vendors.find((vendor) => vendor.id === "wilson")!;
let sandbox: Sandbox;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  sandbox = (await (await wilson.loadTesting()).startSandbox()) as Sandbox;
  const credentials = sandbox.credentials as Record<string, string>;
  env = { WILSON_BASE_URL: sandbox.baseUrl };
  for (const credential of wilson.credentials) env[credential.env] = credentials[credential.name]!;
  dir = await mkdtemp(join(tmpdir(), "tokenyard-cli-"));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

describe("help and usage", () => {
  it("--help documents the commands and every exit code", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    for (const text of [
      "tokenyard vendors",
      "tokenyard token <vendor>",
      "tokenyard check <vendor>",
    ]) {
      expect(result.stdout).toContain(text);
    }
    for (const [code, words] of [
      [0, "ok"],
      [1, "usage or configuration"],
      [2, "bad credentials"],
      [3, "no answer: host unreachable, TLS failure, or timeout"],
      [4, "rate limited"],
      [5, "vendor error"],
    ] as const) {
      expect(result.stdout).toMatch(new RegExp(`^  ${code}  ${words}`, "m"));
    }
    expect(EXIT_CODES).toEqual({
      ok: 0,
      usage: 1,
      badCredentials: 2,
      unreachable: 3,
      rateLimited: 4,
      vendorError: 5,
    });
  });

  it("help <command> and <command> --help", async () => {
    const [help, flag] = await Promise.all([
      runCli(["help", "token"]),
      runCli(["check", "--help"]),
    ]);
    expect(help.stdout).toContain("Usage: tokenyard token <vendor>");
    expect(flag.stdout).toContain("Usage: tokenyard check <vendor>");
  });

  it("--version prints the package's version", async () => {
    const manifest = JSON.parse(
      await readFile(new URL("../package.json", import.meta.url), "utf8"),
    );
    expect((await runCli(["--version"])).stdout).toBe(`${manifest.version}\n`);
  });

  it.each([
    [[], "a command is needed"],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [
      ["token", "nosuchvendor"],
      `unknown vendor; the vendors are ${vendors.map((vendor) => vendor.id).join(", ")}`,
    ],
    [["token"], "`tokenyard token` needs a vendor"],
    [["token", "wilson", "--frobnicate"], "unknown option --frobnicate"],
    [["check", "wilson", "--header"], "--header is not an option of `tokenyard check`"],
    [["token", "wilson", "--json", "--header"], "--json and --header exclude each other"],
    [["token", "wilson", "--show-token"], "--show-token only applies to --json"],
    [["token", "wilson", "--json=yes"], "--json takes no value"],
    [["token", "wilson", "--env-file"], "--env-file needs a value"],
    [["token", "wilson", "--sandbox", "--timeout", "soon"], "--timeout must be a number"],
    [["token", "wilson", "--sandbox", "--retries", "1.5"], "--retries must be a whole number"],
    [
      ["token", "wilson", "--sandbox", "--base-url", "http://x"],
      "--sandbox uses the sandbox's own URL",
    ],
    [["token", "wilson", "--api-key=abc"], "credentials are never read from flags"],
  ])("%j: exit 1, %s", async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
  });

  it("an unknown vendor is not repeated either (it could be a secret)", async () => {
    const result = await runCli(["token", "s3cr3t-as-vendor"], env);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("unknown vendor");
    expect(result.stderr).not.toContain("s3cr3t");
  });

  it("extra arguments are refused without being repeated (they could be secrets)", async () => {
    const result = await runCli(["token", "wilson", "s3cr3t-positional"], env);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toContain("takes one vendor, got 2 arguments");
    expect(result.stderr).not.toContain("s3cr3t");
  });

  it("vendor names are case-insensitive", async () => {
    const result = await runCli(["token", "WILSON", "--sandbox"]);
    expect(result.code).toBe(0);
  });
});

describe("tokenyard vendors", () => {
  it("lists every vendor, its servers and every variable, required ones marked", async () => {
    const result = await runCli(["vendors"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    for (const vendor of vendors) {
      expect(result.stdout).toContain(`${vendor.name} (${vendor.id}, ${vendor.packageName})`);
      for (const url of Object.values(vendor.servers)) expect(result.stdout).toContain(url);
      for (const credential of vendor.credentials) {
        expect(result.stdout).toMatch(
          new RegExp(`^  ${credential.env} +${credential.required ? "required" : "optional"}`, "m"),
        );
      }
    }
    expect(result.stdout).toMatch(/^ {2}MANIS_BASE_URL +required$/m);
    expect(result.stdout).toMatch(
      /^ {2}KLEARSTACK_BASE_URL +required unless KLEARSTACK_SERVER is set$/m,
    );
    expect(result.stdout).toMatch(/^ {2}WILSON_BASE_URL +optional, overrides the server$/m);
  });

  it("--json: the same, for scripts", async () => {
    const list = JSON.parse((await runCli(["vendors", "--json"])).stdout) as {
      id: string;
      credentials: { env: string }[];
    }[];
    expect(list.map((v) => v.id)).toEqual(vendors.map((v) => v.id));
    expect(list.find((v) => v.id === "wilson")!.credentials.map((c) => c.env)).toEqual([
      "WILSON_APP_NAME",
      "WILSON_CLIENT_ID",
      "WILSON_CLIENT_SECRET",
    ]);
  });
});

describe("configuration", () => {
  it("the environment wins over the --env-file; values are never printed", async () => {
    const file = join(dir, "override.env");
    await writeFile(
      file,
      `WILSON_CLIENT_SECRET=from-the-file-secret\nWILSON_BASE_URL=${sandbox.baseUrl}\n`,
    );
    const fromEnv = await runCli(["token", "wilson", "--env-file", file], env);
    expect(fromEnv.code).toBe(0);
    const { WILSON_CLIENT_SECRET: _, ...withoutSecret } = env;
    const fromFile = await runCli(["check", "wilson", "--env-file", file], withoutSecret);
    expect(fromFile.code).toBe(EXIT_CODES.badCredentials);
    expect(leaks(fromFile, ["from-the-file-secret", ...secretTexts(sandbox.credentials)])).toEqual(
      [],
    );
  });

  it("a missing or malformed --env-file: exit 1, the line named, not its value", async () => {
    // Node itself (20 to 26) checks an `--env-file` argument even after the script's path and
    // exits 9 when the file is missing (nodejs/node#54232), before tokenyard runs.
    const missing = await runCli(["token", "wilson", "--env-file", join(dir, "nope.env")]);
    expect([1, 9]).toContain(missing.code);
    expect(missing.stderr).toMatch(/nope\.env.*(no such file|not found)/);
    expect(missing.stdout).toBe("");
    const bad = join(dir, "bad.env");
    await writeFile(bad, '# ok\nWILSON_CLIENT_SECRET="unterminated-secret-value\n');
    const malformed = await runCli(["token", "wilson", "--env-file", bad]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('line 2: missing closing "');
    expect(malformed.stderr).not.toContain("unterminated-secret-value");
  });

  it("an unknown server, a plain-http remote base URL: exit 1, the variable named", async () => {
    const server = await runCli(["token", "wilson"], {
      ...env,
      WILSON_BASE_URL: "",
      WILSON_SERVER: "staging",
    });
    expect(server.code).toBe(1);
    expect(server.stderr).toContain(
      'WILSON_SERVER: Wilson has no server "staging"; choose one of production',
    );
    const http = await runCli(["token", "wilson"], {
      ...env,
      WILSON_BASE_URL: "http://example.com/apif/v2",
    });
    expect(http.code).toBe(1);
    expect(http.stderr).toContain(
      "bad configuration: WILSON_BASE_URL: credentials are only sent over https",
    );
  });

  it("a number credential that is not a number: exit 1", async () => {
    const result = await runCli(["token", "asset", "--sandbox"]);
    expect(result.code).toBe(0);
    const bad = await runCli(["token", "asset"], {
      ASSET_CLIENT_ID: "id-value",
      ASSET_CLIENT_SECRET: "secret-value",
      ASSET_EXPIRES_IN: "soon",
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("ASSET_EXPIRES_IN must be a number");
    expect(bad.stderr).not.toContain("secret-value");
  });
});

describe("vendor answers in plain words", () => {
  it("400 invalid_client counts as bad credentials (OAuth allows 400 for it)", async () => {
    sandbox.fail({
      status: 400,
      body: { error: "invalid_client", error_description: "no such client" },
    });
    const result = await runCli(["check", "wilson"], env);
    expect(result.code).toBe(EXIT_CODES.badCredentials);
    expect(result.stderr).toContain(
      "Wilson refused the credentials (HTTP 400: invalid_client, no such client)",
    );
  });

  it("404: a vendor error, with a hint about the base URL", async () => {
    const result = await runCli(["check", "wilson"], {
      ...env,
      WILSON_BASE_URL: `${sandbox.url}/wrong`,
    });
    expect(result.code).toBe(EXIT_CODES.vendorError);
    expect(result.stderr).toContain("Wilson rejected the token request (HTTP 404");
    expect(result.stderr).toContain("Check WILSON_BASE_URL");
  });

  it("a 2xx without a token: exit 5", async () => {
    sandbox.fail("no-token");
    const result = await runCli(["check", "wilson"], env);
    expect(result.code).toBe(EXIT_CODES.vendorError);
    expect(result.stderr).toMatch(/without a usable token/);
  });

  it("check --json on failure: the problem and exit code on stdout, the words on stderr", async () => {
    sandbox.fail({ status: 503 });
    const result = await runCli(["check", "wilson", "--json"], env);
    expect(result.code).toBe(EXIT_CODES.vendorError);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      problem: "vendor-error",
      status: 503,
      exitCode: 5,
    });
    expect(result.stderr).toContain("Wilson is failing (HTTP 503");
  });
});

describe("TLS", () => {
  // Run by name from PATH (a system tool, not a dependency). Without it the test is reported as
  // skipped, never passed.
  const openssl = "openssl";
  const hasOpenssl = spawnSync(openssl, ["version"], { stdio: "ignore" }).status === 0;

  it.skipIf(!hasOpenssl)("a self-signed certificate: exit 3, said to be TLS", async () => {
    const tlsDir = await mkdtemp(join(tmpdir(), "tokenyard-tls-"));
    try {
      execFileSync(
        openssl,
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-keyout",
          join(tlsDir, "key.pem"),
          "-out",
          join(tlsDir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
    } catch (error) {
      await rm(tlsDir, { recursive: true, force: true });
      throw error;
    }
    const server = createServer(
      {
        key: await readFile(join(tlsDir, "key.pem")),
        cert: await readFile(join(tlsDir, "cert.pem")),
      },
      (_request, response) => response.end("{}"),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await runCli(["check", "wilson"], {
        ...env,
        WILSON_BASE_URL: `https://127.0.0.1:${port}/apif/v2`,
      });
      expect(result.code).toBe(EXIT_CODES.unreachable);
      expect(result.stderr).toMatch(
        /the TLS connection to Wilson failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/,
      );
      expect(leaks(result, secretTexts(sandbox.credentials))).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(tlsDir, { recursive: true, force: true });
    }
  });
});
