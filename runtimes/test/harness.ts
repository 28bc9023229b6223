// Packing, runtime installs (cached), temporary apps and child processes for runtimes.test.ts.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PACKED } from "./vendors.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Downloaded runtimes live here between runs (node_modules: never committed). */
export const cacheDir = path.join(repoRoot, "node_modules/.cache/tokenyard-runtimes");

/**
 * The environment for every child process: the package-manager and Node variables that pnpm,
 * turbo or vitest set for *this* process would otherwise leak into npm and the runtimes under test.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_config_(registry|cache|userconfig|globalconfig)$/i.test(key)) env[key] = value;
    else if (/^(npm_|pnpm_|NODE_OPTIONS$|NODE_PATH$|VITEST|TEST$|NODE_ENV$)/i.test(key)) continue;
    else env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

export interface Ran {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command; rejects with its output when it fails or outlives `timeoutMs`. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? childEnv(),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${[command, ...args].join(" ")} (in ${options.cwd}) failed: ${error.message}\n` +
                `--- stdout\n${stdout}\n--- stderr\n${stderr}`,
            ),
          );
        } else resolve({ stdout, stderr });
      },
    );
  });
}

/** `pnpm pack` of every publishable package (it rewrites `workspace:` ranges) into `destination`. */
export async function packAll(destination: string): Promise<string[]> {
  await mkdir(destination, { recursive: true });
  await Promise.all(
    PACKED.map((dir) =>
      run("pnpm", ["pack", "--pack-destination", destination], {
        cwd: path.join(repoRoot, dir),
        env: { ...childEnv(), CI: "true" },
      }),
    ),
  );
  const tarballs = (await readdir(destination)).filter((name) => name.endsWith(".tgz"));
  if (tarballs.length !== PACKED.length) {
    throw new Error(`expected ${PACKED.length} tarballs in ${destination}, got ${tarballs}`);
  }
  return tarballs.map((name) => path.join(destination, name)).sort();
}

/** A fresh app outside the repo with the tarballs installed by npm (openapi-fetch from the registry). */
export async function createApp(name: string, tarballs: readonly string[]): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `tokenyard-${name}-`));
  await writeFile(
    path.join(dir, "package.json"),
    JSON.stringify({ name: `tokenyard-${name}-app`, private: true, type: "module" }, null, 2),
  );
  await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "--save", ...tarballs],
    { cwd: dir, timeoutMs: 180_000 },
  );
  return dir;
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** A runtime installed from the npm registry into the cache. */
export interface InstalledRuntime {
  readonly bin: string;
  /** The registry package and the version npm picked, e.g. `bun@1.4.5`. */
  readonly pkg: string;
}

export interface RuntimePackage {
  /** Cache folder name. */
  readonly name: string;
  /** What `npm install` gets, e.g. `bun@1`. */
  readonly spec: string;
  /** The installed package's name, for its version. */
  readonly pkgName: string;
  /** The executable, relative to the cache folder. */
  readonly bin: string;
}

const installs = new Map<string, Promise<InstalledRuntime>>();

/**
 * Installs a runtime package from the registry into `cacheDir/<name>` unless a previous run left a
 * working one there; concurrent callers share one install. Rejects when npm cannot install it.
 */
export function installRuntime(runtime: RuntimePackage): Promise<InstalledRuntime> {
  let install = installs.get(runtime.name);
  if (!install) {
    install = doInstall(runtime);
    installs.set(runtime.name, install);
  }
  return install;
}

async function doInstall(runtime: RuntimePackage): Promise<InstalledRuntime> {
  const dir = path.join(cacheDir, runtime.name);
  const bin = path.join(dir, runtime.bin);
  const manifest = path.join(dir, "package.json");
  // The spec is part of the cache: changing `bun@1` to `bun@2` reinstalls.
  const cached =
    existsSync(bin) &&
    existsSync(manifest) &&
    JSON.parse(await readFile(manifest, "utf8")).tokenyardSpec === runtime.spec;
  if (!cached) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(
      manifest,
      JSON.stringify({ private: true, tokenyardSpec: runtime.spec }, null, 2),
    );
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error", "--no-save", runtime.spec],
      { cwd: dir, timeoutMs: 300_000 },
    );
    if (!existsSync(bin)) throw new Error(`npm installed ${runtime.spec} but ${bin} is missing`);
  }
  const installed = JSON.parse(
    await readFile(path.join(dir, "node_modules", runtime.pkgName, "package.json"), "utf8"),
  ) as { version: string };
  return { bin, pkg: `${runtime.pkgName}@${installed.version}` };
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** The last line of stdout that parses as JSON (runtimes may print warnings before it). */
export function lastJsonLine<T>(stdout: string): T {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line) as T;
    } catch {
      // not the result line
    }
  }
  throw new Error(`no JSON line in output:\n${stdout}`);
}
