// Part of `pnpm check:packages`: proves that no publishable package's main entry reaches its
// `/testing` entry (the node-only sandbox) or any `node:` module, so that neither is ever bundled
// into an app nor counted in the main entry's size. For each package, esbuild bundles the main
// entry twice with every package import left external and its metafile lists what got in:
//   - the source (`src/index.ts`): no module under `src/testing/` or named `testing*` may be an
//     input (an inlined helper would leave no import behind in the built file);
//   - the built file (`dist/index.js`, what is published): no external import may end in
//     `/testing` and, except in node-only packages, none may start with `node:`.
// It also checks that .size-limit.json budgets every vendor package's main entry.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Packages built for Node only, whose main entry may import `node:` modules. */
const NODE_ONLY = new Set(["@tokenyard/store-redis"]);

const problems = [];
const packages = readdirSync(path.join(ROOT, "packages"))
  .map((dir) => ({ dir, manifest: readJson(path.join("packages", dir, "package.json")) }))
  .filter(({ manifest }) => !manifest.private);

for (const { dir, manifest } of packages) {
  const main = manifest.exports["."].default;
  if (!existsSync(path.join(ROOT, "packages", dir, main))) {
    problems.push(`${manifest.name}: ${main} is missing: run pnpm build first`);
    continue;
  }
  const fromSource = await bundle(path.join("packages", dir, "src/index.ts"));
  for (const input of fromSource.inputs) {
    if (/(^|\/)testing([./]|$)/.test(path.relative(path.join("packages", dir), input))) {
      problems.push(`${manifest.name}: the main entry's sources include ${input}`);
    }
  }
  const fromDist = await bundle(path.join("packages", dir, main));
  for (const specifier of [...fromSource.external, ...fromDist.external]) {
    if (/\/testing$/.test(specifier)) {
      problems.push(`${manifest.name}: the main entry imports ${specifier}`);
    }
    if (specifier.startsWith("node:") && !NODE_ONLY.has(manifest.name)) {
      problems.push(`${manifest.name}: the main entry imports ${specifier}`);
    }
  }
  console.log(
    `${manifest.name}: main entry = ${fromSource.inputs.length} source modules, imports ${
      [...new Set(fromDist.external)].join(", ") || "nothing"
    }`,
  );
}

const budgeted = new Set(readJson(".size-limit.json").map((entry) => entry.path));
for (const { dir, manifest } of packages) {
  const main = path.posix.join("packages", dir, manifest.exports["."].default.slice(2));
  if (dir.endsWith("-auth") && !budgeted.has(main)) {
    problems.push(`${manifest.name}: no size budget for ${main} in .size-limit.json`);
  }
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`entry isolation: ${packages.length} packages, no main entry reaches /testing`);

async function bundle(entry) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    packages: "external",
    external: ["node:*"],
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs)[0];
  return {
    inputs: Object.keys(result.metafile.inputs),
    external: output.imports.filter((i) => i.external).map((i) => i.path),
  };
}

function readJson(file) {
  return JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));
}
