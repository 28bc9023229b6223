// The vendor packages under test and their sandboxes. The sandboxes run here, in the test's own
// Node; only the vendor package's main entry runs in the runtime under test.
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
// The CLI's registry, generated from every spec in specs/: a new spec is tested here with no edit.
import { vendors as registry } from "../../packages/cli/src/vendors.gen.js";

/** What the test needs of a started sandbox, whichever vendor it plays. */
export interface RunningSandbox {
  readonly baseUrl: string;
  readonly credentials: object;
  tokenRequests(): number;
  close(): Promise<void>;
}

export interface Vendor {
  /** Key in the script's input and output. */
  readonly id: string;
  /** npm package name. */
  readonly pkg: string;
  /** The main entry's factory, imported by name in the runtime. */
  readonly create: string;
  readonly start: () => Promise<RunningSandbox>;
}

const specs = readdirSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../specs"))
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => file.slice(0, -".yaml".length))
  .sort();
if (String(registry.map((entry) => entry.id).sort()) !== String(specs)) {
  throw new Error(
    `packages/cli/src/vendors.gen.ts lists ${registry.map((entry) => entry.id)} but specs/ has ${specs}: run pnpm generate`,
  );
}

export const VENDORS: readonly Vendor[] = registry.map((entry) => ({
  id: entry.id,
  pkg: entry.packageName,
  create: `create${entry.name}Auth`,
  start: async () => {
    const testing = await import(/* @vite-ignore */ `${entry.packageName}/testing`).catch(
      (cause: unknown) => {
        throw new Error(
          `cannot load ${entry.packageName}/testing: is it a devDependency of runtimes/ and built?`,
          { cause },
        );
      },
    );
    const start = testing[`start${entry.name}Sandbox`];
    if (typeof start !== "function") {
      throw new Error(`${entry.packageName}/testing exports no start${entry.name}Sandbox`);
    }
    return start();
  },
}));

/**
 * Every publishable package the apps install: auth-core and each vendor's `packages/<id>-auth`
 * (store-redis is Node-only by design, the CLI is no library for apps: not here).
 */
export const PACKED = [
  "packages/auth-core",
  ...VENDORS.map((vendor) => `packages/${vendor.id}-auth`),
];

/** Main entries that must use web-standard APIs only. */
export const MAIN_ENTRIES = ["@tokenyard/auth-core", ...VENDORS.map((vendor) => vendor.pkg)];
