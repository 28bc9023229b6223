/**
 * `pnpm bench:codegen`: how long generation takes for the four real specs and for 10, 100 and
 * 200 synthetic ones, and that a run with nothing changed writes no file. Each figure is the
 * median of several runs in one warm process (what a watch-mode `generate` on save sees); the
 * cold figure adds process start-up. Results go to bench/RESULTS.md (section "codegen").
 */
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "../scripts/src/generate.js";
import { replaceSection } from "./results-file.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 3;

async function workspaceWith(specs: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), "tokenyard-bench-"));
  await mkdir(path.join(root, "specs"));
  for (const shared of [".prettierrc.json", "tsconfig.base.json"]) {
    await copyFile(path.join(ROOT, shared), path.join(root, shared));
  }
  for (const [file, text] of Object.entries(specs))
    await writeFile(path.join(root, "specs", file), text);
  return root;
}

async function realSpecs(): Promise<Record<string, string>> {
  const specs: Record<string, string> = {};
  for (const vendor of ["asset", "klearstack", "manis", "wilson"]) {
    specs[`${vendor}.yaml`] = await readFile(path.join(ROOT, "specs", `${vendor}.yaml`), "utf8");
  }
  return specs;
}

async function syntheticSpecs(count: number): Promise<Record<string, string>> {
  const acme = await readFile(path.join(ROOT, "scripts/src/fixtures/acme.yaml"), "utf8");
  const specs: Record<string, string> = {};
  for (let index = 1; index <= count; index += 1) {
    specs[`acme${index}.yaml`] = acme.replace("name: Acme", `name: Acme${index}`);
  }
  return specs;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Row {
  readonly label: string;
  readonly specs: number;
  readonly firstMs: number;
  readonly unchangedMs: number;
  readonly filesWrittenWhenUnchanged: number;
}

async function measure(label: string, specs: Record<string, string>): Promise<Row> {
  const first: number[] = [];
  const unchanged: number[] = [];
  let filesWrittenWhenUnchanged = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const root = await workspaceWith(specs);
    let started = performance.now();
    await generate({ root });
    first.push(performance.now() - started);
    started = performance.now();
    const again = await generate({ root });
    unchanged.push(performance.now() - started);
    filesWrittenWhenUnchanged = Math.max(
      filesWrittenWhenUnchanged,
      again.changed.length + again.missing.length,
    );
    await rm(root, { recursive: true, force: true });
  }
  return {
    label,
    specs: Object.keys(specs).length,
    firstMs: median(first),
    unchangedMs: median(unchanged),
    filesWrittenWhenUnchanged,
  };
}

function processMs(args: string[]): number {
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const started = performance.now();
    execFileSync(path.join(ROOT, "node_modules/.bin/tsx"), args, { cwd: ROOT, stdio: "ignore" });
    runs.push(performance.now() - started);
  }
  return median(runs);
}

/** What `--watch` does after a save: re-render one vendor in a warm process. */
async function watchSaveMs(): Promise<number> {
  const root = await workspaceWith(await realSpecs());
  await generate({ root });
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const spec = await readFile(path.join(root, "specs/wilson.yaml"), "utf8");
    await writeFile(
      path.join(root, "specs/wilson.yaml"),
      spec.replace(/version: .*/, `version: "3.11.${run}"`),
    );
    const started = performance.now();
    await generate({ root, only: ["wilson"] });
    runs.push(performance.now() - started);
  }
  await rm(root, { recursive: true, force: true });
  return median(runs);
}

// Warm the modules (prettier, openapi-typescript) once, as a long-running generator would be.
await measure("warm-up", await realSpecs());
const rows: Row[] = [await measure("the four real specs", await realSpecs())];
for (const count of [10, 100, 200])
  rows.push(await measure(`${count} synthetic specs`, await syntheticSpecs(count)));
const cold = processMs([path.join(ROOT, "scripts/src/cli.ts"), "--check"]);
const startup = processMs([path.join(ROOT, "bench/load-generator.ts")]);
const watchSave = await watchSaveMs();

const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const table = [
  "| specs | first run (s) | per spec (ms) | unchanged run (s) | files written when unchanged |",
  "| --- | --- | --- | --- | --- |",
  ...rows.map(
    (row) =>
      `| ${row.label} | ${seconds(row.firstMs)} | ${(row.firstMs / row.specs).toFixed(1)} | ${seconds(row.unchangedMs)} | ${row.filesWrittenWhenUnchanged} |`,
  ),
].join("\n");
const four = rows[0]!;
const twoHundred = rows.at(-1)!;
const hundred = rows.at(-2)!;
const verdict = [
  `- Four real specs: ${seconds(four.firstMs)} s in a warm process (target ≤ 2 s): ${four.firstMs <= 2000 ? "met" : "NOT met"}.`,
  `- A fresh \`tsx scripts/src/cli.ts --check\` process takes ${seconds(cold)} s, of which ${seconds(startup)} s is starting tsx and loading openapi-typescript (with all of TypeScript) and prettier, before any spec is read.`,
  `- \`pnpm generate --watch\` keeps that loaded: re-rendering one vendor after a save takes ${Math.round(watchSave)} ms.`,
  `- 200 specs: ${seconds(twoHundred.firstMs)} s (target ≤ 20 s): ${twoHundred.firstMs <= 20_000 ? "met" : "NOT met"}.`,
  `- Growth: 200 specs take ${(twoHundred.firstMs / hundred.firstMs).toFixed(2)}× as long as 100 (linear is 2×).`,
  `- A run with nothing changed wrote ${Math.max(...rows.map((row) => row.filesWrittenWhenUnchanged))} files.`,
].join("\n");
const machine = `${os.cpus()[0]?.model ?? "unknown CPU"} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`;
const section = `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, median of ${RUNS} runs in one warm process.\n\n${table}\n\n${verdict}`;
await replaceSection(
  path.join(ROOT, "bench/RESULTS.md"),
  "codegen",
  "`pnpm bench:codegen`",
  section,
);
console.log(`${table}\n\n${verdict}`);
