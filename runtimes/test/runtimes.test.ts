// Every runtime our users run: pack the publishable packages, install the tarballs into a fresh
// app per runtime, and get a token from every vendor's sandbox through the vendor package's main
// entry, in that runtime. The sandboxes run here, in Node; the runtime only speaks HTTP to them.
//
// Runtimes come from the npm registry (`node-<os>-<arch>@22`/`@24`, `bun@1`, `deno@2`,
// `workerd`) and are cached in node_modules/.cache/tokenyard-runtimes between runs. One that the
// registry will not give us is skipped, with the reason, without skipping the others.
//
// Edge: workerd (Cloudflare's runtime, a binary shipped inside its registry package) runs the
// app bundled by esbuild as a module worker, without `nodejs_compat`: no `process`, no `Buffer`,
// no `node:` modules — only web-standard APIs.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, it, type TestContext } from "vitest";
import {
  childEnv,
  createApp,
  freePort,
  installRuntime,
  lastJsonLine,
  packAll,
  removeDir,
  run,
  type InstalledRuntime,
  type RuntimePackage,
} from "./harness.js";
import {
  cjsScript,
  denoScript,
  esmScript,
  INPUT_VARIABLE,
  workerdConfig,
  workerScript,
  type ScriptInput,
  type ScriptOutput,
} from "./scripts.js";
import { VENDORS, type RunningSandbox } from "./vendors.js";

const nodePackage = `node-${process.platform}-${process.arch}`;
const nodeRuntime = (major: number): RuntimePackage => ({
  name: `node-${major}`,
  spec: `${nodePackage}@${major}`,
  pkgName: nodePackage,
  bin: `node_modules/${nodePackage}/bin/node`,
});
const bun: RuntimePackage = {
  name: "bun-1",
  spec: "bun@1",
  pkgName: "bun",
  bin: "node_modules/.bin/bun",
};
const deno: RuntimePackage = {
  name: "deno-2",
  spec: "deno@2",
  pkgName: "deno",
  bin: "node_modules/.bin/deno",
};
const workerd: RuntimePackage = {
  name: "workerd-1",
  spec: "workerd@1",
  pkgName: "workerd",
  bin: "node_modules/.bin/workerd",
};

type Mode = "esm" | "cjs" | "bun" | "deno" | "workerd";

interface Case {
  readonly name: string;
  /** Absent: the Node running this test. */
  readonly runtime?: RuntimePackage;
  readonly mode: Mode;
}

const CASES: readonly Case[] = [
  { name: "Node 20 (this one), import", mode: "esm" },
  { name: "Node 20 (this one), require()", mode: "cjs" },
  { name: "Node 22, import", runtime: nodeRuntime(22), mode: "esm" },
  { name: "Node 22, require()", runtime: nodeRuntime(22), mode: "cjs" },
  { name: "Node 24, import", runtime: nodeRuntime(24), mode: "esm" },
  { name: "Node 24, require()", runtime: nodeRuntime(24), mode: "cjs" },
  { name: "Bun 1", runtime: bun, mode: "bun" },
  { name: "Deno 2, npm: specifiers", runtime: deno, mode: "deno" },
  { name: "workerd (edge), web-standard globals only", runtime: workerd, mode: "workerd" },
];

const MINUTE = 60_000;
let tarballs: string[] = [];
let packDir: string | undefined;
const measured: { name: string; version: string }[] = [];

beforeAll(async () => {
  packDir = await mkdtemp(path.join(os.tmpdir(), "tokenyard-tarballs-"));
  tarballs = await packAll(packDir);
}, 5 * MINUTE);

afterAll(async () => {
  await removeDir(packDir);
  measured.sort(
    (a, b) => CASES.findIndex((c) => c.name === a.name) - CASES.findIndex((c) => c.name === b.name),
  );
  console.log(
    ["runtime versions tested:", ...measured.map((m) => `  ${m.name}: ${m.version}`)].join("\n"),
  );
});

describe.concurrent("a token from every vendor's sandbox, from the installed tarballs", () => {
  for (const testCase of CASES) {
    it(testCase.name, { timeout: 8 * MINUTE }, async (context) => {
      const { expect } = context; // concurrent tests: the test's own expect
      const installed = await install(testCase, context);
      const sandboxes = await Promise.all(VENDORS.map((vendor) => vendor.start()));
      let app: string | undefined;
      try {
        app = await createApp(testCase.name.replace(/\W+/g, "-").toLowerCase(), tarballs);
        const input: ScriptInput = {
          vendors: VENDORS.map((vendor, index) => {
            const sandbox = sandboxes[index] as RunningSandbox;
            return { id: vendor.id, baseUrl: sandbox.baseUrl, credentials: sandbox.credentials };
          }),
        };
        const output = await runApp(testCase.mode, installed.bin, app, input);
        const version = `${output.runtime}${installed.pkg ? ` (${installed.pkg})` : ""}`;
        measured.push({ name: testCase.name, version });

        expect(Object.keys(output.tokens).sort()).toEqual(VENDORS.map((v) => v.id).sort());
        for (const vendor of VENDORS) {
          const token = output.tokens[vendor.id];
          expect(token?.accessToken, vendor.id).toEqual(expect.any(String));
          expect((token?.accessToken as string).length, vendor.id).toBeGreaterThan(0);
          expect(token?.tokenType, vendor.id).toEqual(expect.any(String));
          expect(token?.expiresAt, vendor.id).toBeGreaterThan(Date.now());
        }
        expect(
          Object.fromEntries(
            sandboxes.map((sandbox, index) => [VENDORS[index]?.id, sandbox.tokenRequests()]),
          ),
        ).toEqual(Object.fromEntries(VENDORS.map((vendor) => [vendor.id, 1])));
      } finally {
        await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
        await removeDir(app);
      }
    });
  }
});

/** The runtime's executable: this Node, or one from the registry (skipping the test if npm can't). */
async function install(
  testCase: Case,
  context: TestContext,
): Promise<{ bin: string; pkg: string | undefined }> {
  if (!testCase.runtime) return { bin: process.execPath, pkg: undefined };
  let installed: InstalledRuntime;
  try {
    installed = await installRuntime(testCase.runtime);
  } catch (error) {
    const reason = `${testCase.name}: could not install ${testCase.runtime.spec} from the npm registry, skipped. ${
      error instanceof Error ? error.message : String(error)
    }`;
    console.warn(reason);
    return context.skip(reason.slice(0, 2000));
  }
  return installed;
}

async function runApp(
  mode: Mode,
  bin: string,
  app: string,
  input: ScriptInput,
): Promise<ScriptOutput> {
  const env = childEnv({ [INPUT_VARIABLE]: JSON.stringify(input) });
  switch (mode) {
    case "esm":
    case "bun": {
      await writeFile(path.join(app, "main.mjs"), esmScript());
      const args = mode === "bun" ? ["run", "main.mjs"] : ["main.mjs"];
      return lastJsonLine((await run(bin, args, { cwd: app, env })).stdout);
    }
    case "cjs": {
      await writeFile(path.join(app, "main.cjs"), cjsScript());
      return lastJsonLine((await run(bin, ["main.cjs"], { cwd: app, env })).stdout);
    }
    case "deno": {
      await writeFile(path.join(app, "main.mjs"), denoScript());
      // The app's package.json and node_modules make Deno resolve `npm:` from there ("manual"
      // node_modules): nothing is downloaded, and --cached-only proves it.
      const denoEnv = { ...env, DENO_DIR: path.join(app, ".deno"), DENO_NO_UPDATE_CHECK: "1" };
      const args = [
        "run",
        "--cached-only",
        "--allow-net",
        "--allow-env",
        "--allow-read",
        "main.mjs",
      ];
      return lastJsonLine((await run(bin, args, { cwd: app, env: denoEnv })).stdout);
    }
    case "workerd":
      return runWorker(bin, app, input);
  }
}

/** Bundles the app as a worker (as wrangler would), serves it with workerd and asks it once. */
async function runWorker(bin: string, app: string, input: ScriptInput): Promise<ScriptOutput> {
  await writeFile(path.join(app, "worker.mjs"), workerScript());
  await build({
    absWorkingDir: app,
    entryPoints: ["worker.mjs"],
    outfile: "worker.bundle.js",
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "silent",
  });
  await writeFile(path.join(app, "input.json"), JSON.stringify(input));
  const port = await freePort();
  await writeFile(path.join(app, "config.capnp"), workerdConfig(port));

  const child = spawn(bin, ["serve", "config.capnp"], { cwd: app, env: childEnv() });
  let log = "";
  child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}):\n${log}`);
      let response: Response;
      try {
        response = await fetch(`http://127.0.0.1:${port}/`);
      } catch (error) {
        // Not listening yet.
        if (Date.now() > deadline)
          throw new Error(`workerd never answered: ${String(error)}\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw new Error(`worker answered ${response.status}: ${text}\n${log}`);
      const output = JSON.parse(text) as ScriptOutput;
      if (output.runtime !== "Cloudflare-Workers") throw new Error(`not workerd: ${text}`);
      const version = (await run(bin, ["--version"], { cwd: app })).stdout.trim();
      return { ...output, runtime: version };
    }
  } finally {
    if (child.exitCode === null) child.kill();
    await exited;
  }
}
