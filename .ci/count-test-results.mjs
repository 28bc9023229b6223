// Sums the vitest JSON reports every package's `test` script writes (turbo restores them on a
// cache hit too) and prints the plain closing line CI reads: "N passed, M failed".
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { root, workspaces } from "./workspaces.mjs";

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const workspace of workspaces()) {
  const manifest = path.join(root, workspace, "package.json");
  if (!JSON.parse(readFileSync(manifest, "utf8")).scripts?.test) continue;
  const report = path.join(root, workspace, ".test-results/vitest.json");
  if (!existsSync(report)) {
    missing.push(workspace);
    continue;
  }
  const results = JSON.parse(readFileSync(report, "utf8"));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  skipped += results.numPendingTests + (results.numTodoTests ?? 0);
  console.log(`${workspace}: ${results.numPassedTests} passed, ${results.numFailedTests} failed`);
}
// A package whose tests never reported (crashed, or never ran) counts as one failure.
for (const workspace of missing) console.log(`${workspace}: no test report`);
failed += missing.length;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exitCode = failed > 0 ? 1 : 0;
