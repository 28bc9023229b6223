// The main entries use only web-standard APIs at runtime: bundling each one (with everything it
// imports, openapi-fetch included) reaches no `node:` module, nor any other runtime-specific
// module (`bun:`, `cloudflare:`, …), and never the `/testing` entry. The `/testing` entries are
// Node-only on purpose; the scan proves it can see what it looks for by finding theirs.
// (Globals such as `process` or `Buffer` are not visible to a scan: the workerd case of
// runtimes.test.ts, which has neither, covers them.)
import { isBuiltin } from "node:module";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";
import { MAIN_ENTRIES } from "./vendors.js";

interface Scan {
  /** Every import specifier that is a Node built-in or has a runtime scheme (`node:`, `bun:`, …). */
  readonly runtimeImports: string[];
  /** Every file the bundle took in, relative to the working directory. */
  readonly inputs: string[];
}

async function scan(specifier: string): Promise<Scan> {
  const runtimeImports: string[] = [];
  const recorder: Plugin = {
    name: "runtime-imports",
    setup(plugin) {
      plugin.onResolve({ filter: /.*/ }, (args) => {
        if (isBuiltin(args.path) || /^[a-z]+:/.test(args.path)) {
          runtimeImports.push(args.path);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
  const result = await build({
    stdin: {
      contents: `export * from ${JSON.stringify(specifier)};`,
      resolveDir: import.meta.dirname,
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    metafile: true,
    logLevel: "silent",
    plugins: [recorder],
  });
  return { runtimeImports, inputs: Object.keys(result.metafile.inputs) };
}

describe("main entries use only web-standard APIs", () => {
  for (const entry of MAIN_ENTRIES) {
    it(`${entry}: no node: (or other runtime) imports, no /testing`, async () => {
      const { runtimeImports, inputs } = await scan(entry);
      expect(runtimeImports).toEqual([]);
      expect(inputs.some((input) => input.includes("openapi-fetch"))).toBe(true);
      expect(inputs.filter((input) => /testing/.test(input))).toEqual([]);
    });
  }

  it("the scan finds the node: imports of a /testing entry (it is allowed them)", async () => {
    const { runtimeImports } = await scan("@tokenyard/wilson-auth/testing");
    expect(runtimeImports).toEqual(expect.arrayContaining(["node:http", "node:crypto"]));
  });
});
