// Every command against every vendor, through the real bin (`node dist/cli.js`) and a sandbox the
// test starts itself (its URL and credentials passed as the spec's environment variables), or the
// bin's own `--sandbox`. The vendor list is the registry's, so a new spec is tested here too.
import type { Sandbox } from "@tokenyard/auth-core/testing";
import { createServer } from "node:net";
import { describe, it } from "vitest";
import { EXIT_CODES } from "../src/diagnose.js";
import type { VendorEntry } from "../src/vendor-entry.js";
import { vendors } from "../src/vendors.gen.js";
import { leaks, runCli, secretTexts } from "./run-cli.test-helper.js";

async function startSandbox(vendor: VendorEntry): Promise<Sandbox> {
  const { startSandbox } = await vendor.loadTesting();
  return (await startSandbox()) as Sandbox;
}

/** The spec's variables for a sandbox: its base URL and its credentials. */
function envFor(vendor: VendorEntry, sandbox: Sandbox): Record<string, string> {
  const env: Record<string, string> = { [vendor.env.baseUrl]: sandbox.baseUrl };
  const credentials = sandbox.credentials as Record<string, unknown>;
  for (const credential of vendor.credentials) {
    const value = credentials[credential.name];
    if (value !== undefined)
      env[credential.env] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return env;
}

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function withSandbox<T>(
  vendor: VendorEntry,
  use: (sandbox: Sandbox, env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const sandbox = await startSandbox(vendor);
  try {
    return await use(sandbox, envFor(vendor, sandbox));
  } finally {
    await sandbox.close();
  }
}

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

describe.each(vendors.map((vendor) => [vendor.id, vendor] as const))("%s", (_, vendor) => {
  const required = vendor.credentials.filter((c) => c.required);

  describe.concurrent("success", () => {
    it("token: stdout is the token alone, newline-terminated; stderr is empty", async ({
      expect,
    }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const result = await runCli(["token", vendor.id], env);
        expect(result).toMatchObject({ code: EXIT_CODES.ok, stderr: "" });
        expect(result.stdout).toBe(`${sandbox.issuedTokens.at(-1)}\n`);
        expect(leaks(result, secretTexts(sandbox.credentials))).toEqual([]);
      });
    });

    it("token --header: the Authorization header line", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const result = await runCli(["token", vendor.id, "--header"], env);
        expect(result).toMatchObject({ code: 0, stderr: "" });
        expect(result.stdout).toBe(`Authorization: Bearer ${sandbox.issuedTokens.at(-1)}\n`);
      });
    });

    it("token --json: the normalised token, without the token itself", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const before = Date.now();
        const result = await runCli(["token", vendor.id, "--json"], env);
        expect(result).toMatchObject({ code: 0, stderr: "" });
        const json = JSON.parse(result.stdout) as Record<string, unknown>;
        expect(Object.keys(json).sort()).toEqual(
          ["expiresAt", "expiresInSeconds", "obtainedAt", "tokenType", "vendor"].sort(),
        );
        expect(json).toMatchObject({ vendor: vendor.id, tokenType: "Bearer" });
        expect(new Date(json.expiresAt as string).toISOString()).toBe(json.expiresAt);
        expect(Date.parse(json.obtainedAt as string)).toBeGreaterThanOrEqual(before - 1000);
        expect(json.expiresInSeconds).toBeGreaterThan(60);
        expect(
          leaks(result, [...sandbox.issuedTokens, ...secretTexts(sandbox.credentials)]),
        ).toEqual([]);
      });
    });

    it("token --json --show-token: the token too", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const result = await runCli(["token", vendor.id, "--json", "--show-token"], env);
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({
          accessToken: sandbox.issuedTokens.at(-1),
        });
      });
    });

    it("check: the expiry in plain words, no token, no credential", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const result = await runCli(["check", vendor.id], env);
        expect(result).toMatchObject({ code: 0, stderr: "" });
        expect(result.stdout).toContain(
          `${vendor.name}: got a Bearer token from ${sandbox.baseUrl}`,
        );
        expect(result.stdout).toMatch(/expires in (\d+ (hour|minute|second)s?)/);
        expect(
          leaks(result, [...sandbox.issuedTokens, ...secretTexts(sandbox.credentials)]),
        ).toEqual([]);
      });
    });

    it("check --json: ok, expiry, never the token", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const result = await runCli(["check", vendor.id, "--json"], env);
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({
          vendor: vendor.id,
          ok: true,
          url: sandbox.baseUrl,
        });
        expect(leaks(result, sandbox.issuedTokens)).toEqual([]);
      });
    });

    it("token --sandbox, check --sandbox and token --sandbox --header: no credentials needed", async ({
      expect,
    }) => {
      const [token, check, header] = await Promise.all([
        runCli(["token", vendor.id, "--sandbox"]),
        runCli(["check", vendor.id, "--sandbox"]),
        runCli(["token", vendor.id, "--sandbox", "--header"]),
      ]);
      expect(token).toMatchObject({ code: 0, stderr: "" });
      expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      expect(JWT.test(token.stdout.trim())).toBe(true);
      expect(check).toMatchObject({ code: 0, stderr: "" });
      expect(check.stdout).toMatch(/expires in /);
      expect(header.stdout).toMatch(/^Authorization: Bearer [\w-]+\.[\w-]+\.[\w-]+\n$/);
    });

    it("--env-file: the variables from a .env file, never printed", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
        const { tmpdir } = await import("node:os");
        const { join } = await import("node:path");
        const dir = await mkdtemp(join(tmpdir(), "tokenyard-cli-"));
        try {
          const lines = Object.entries(env).map(([key, value], i) =>
            i % 3 === 0
              ? `export ${key}="${value}"`
              : i % 3 === 1
                ? `${key}='${value}' # quoted`
                : `${key}=${value}`,
          );
          await writeFile(join(dir, ".env"), `# ${vendor.name} sandbox\n\n${lines.join("\n")}\n`);
          const result = await runCli(["token", vendor.id, "--env-file", join(dir, ".env")]);
          expect(result).toMatchObject({ code: 0, stderr: "" });
          expect(result.stdout).toBe(`${sandbox.issuedTokens.at(-1)}\n`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
  });

  describe.concurrent("failures", () => {
    it("bad credentials: exit 2, said in plain words, no secret shown", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const wrong = { ...env, [required.at(-1)!.env]: "wrong-credential-value" };
        const [check, token] = await Promise.all([
          runCli(["check", vendor.id], wrong),
          runCli(["token", vendor.id], wrong),
        ]);
        for (const result of [check, token]) {
          expect(result.code).toBe(EXIT_CODES.badCredentials);
          expect(result.stdout).toBe("");
          expect(result.stderr).toMatch(/refused the credentials \(HTTP 40[13]/);
          expect(result.stderr).toContain(required.at(-1)!.env);
          expect(
            leaks(result, [...secretTexts(sandbox.credentials), "wrong-credential-value"]),
          ).toEqual([]);
        }
      });
    });

    it("unreachable host (a closed port): exit 3", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        const port = await closedPort();
        const unreachable = { ...env, [vendor.env.baseUrl]: `http://127.0.0.1:${port}/api` };
        const [check, token] = await Promise.all([
          runCli(["check", vendor.id], unreachable),
          runCli(["token", vendor.id, "--retries", "0"], unreachable),
        ]);
        for (const result of [check, token]) {
          expect(result.code).toBe(EXIT_CODES.unreachable);
          expect(result.stdout).toBe("");
          expect(result.stderr).toContain(
            `${vendor.name} could not be reached: the connection was refused`,
          );
          expect(result.stderr).toContain("ECONNREFUSED");
          expect(leaks(result, secretTexts(sandbox.credentials))).toEqual([]);
        }
      });
    });

    it("rate limited (429, Retry-After: 3): exit 4 with the wait", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        sandbox.fail({ status: 429, retryAfter: 3 });
        const check = await runCli(["check", vendor.id], env);
        expect(check.code).toBe(EXIT_CODES.rateLimited);
        expect(check.stderr).toMatch(
          /is rate limiting token requests \(HTTP 429.*it asks to wait 3 seconds\)/,
        );
        sandbox.fail({ status: 429, retryAfter: 3 });
        const token = await runCli(["token", vendor.id, "--retries", "0"], env);
        expect(token).toMatchObject({ code: EXIT_CODES.rateLimited, stdout: "" });
        expect(leaks(token, secretTexts(sandbox.credentials))).toEqual([]);
      });
    });

    it("vendor 503: exit 5; token retries through a single one by default", async ({ expect }) => {
      await withSandbox(vendor, async (sandbox, env) => {
        sandbox.fail({ status: 503 });
        const check = await runCli(["check", vendor.id], env);
        expect(check.code).toBe(EXIT_CODES.vendorError);
        expect(check.stderr).toContain(`${vendor.name} is failing (HTTP 503`);
        sandbox.fail({ status: 503 });
        const token = await runCli(["token", vendor.id], env);
        expect(token.code).toBe(0);
        expect(token.stdout).toBe(`${sandbox.issuedTokens.at(-1)}\n`);
      });
    });

    it("timeout: exit 3", async ({ expect }) => {
      await withSandbox(vendor, async (_sandbox, env) => {
        _sandbox.setDelay(2000);
        const result = await runCli(["check", vendor.id, "--timeout", "0.3"], env);
        expect(result.code).toBe(EXIT_CODES.unreachable);
        expect(result.stderr).toContain(`${vendor.name} did not answer in time`);
      });
    });

    it.for(required.map((credential) => credential.env))(
      "missing %s: exit 1, the variable named",
      async (name, { expect }) => {
        await withSandbox(vendor, async (sandbox, env) => {
          const { [name]: _, ...rest } = env;
          const result = await runCli(["token", vendor.id], rest);
          expect(result).toMatchObject({ code: EXIT_CODES.usage, stdout: "" });
          expect(result.stderr).toContain(`${name} is not set`);
          expect(leaks(result, secretTexts(sandbox.credentials))).toEqual([]);
          expect(sandbox.tokenRequests()).toBe(0);
        });
      },
    );

    it("nothing set at all: every required variable named at once", async ({ expect }) => {
      const result = await runCli(["check", vendor.id]);
      expect(result.code).toBe(EXIT_CODES.usage);
      for (const credential of required) expect(result.stderr).toContain(credential.env);
      if (vendor.defaultServer === null)
        expect(result.stderr).toContain(`${vendor.env.baseUrl} is not set`);
    });

    it("a credential passed as a flag is refused, and its value never repeated", async ({
      expect,
    }) => {
      const credential = required.at(-1)!;
      const flag = `--${credential.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      for (const args of [
        ["token", vendor.id, `${flag}=hunter2-flag-secret`],
        ["token", vendor.id, flag, "hunter2-flag-secret"],
        [
          "check",
          vendor.id,
          "--sandbox",
          `--${credential.env.toLowerCase()}`,
          "hunter2-flag-secret",
        ],
      ]) {
        const result = await runCli(args);
        expect(result.code).toBe(EXIT_CODES.usage);
        expect(result.stdout).toBe("");
        expect(result.stderr).toContain("credentials are never read from flags");
        expect(result.stderr).toContain(credential.env);
        expect(result.stderr).not.toContain("hunter2");
      }
    });
  });
});
