import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parseSpec } from "./load-spec.js";
import { packageName } from "./names.js";
import { compareSpecs, type SpecChanges } from "./spec-changes.js";
import { SpecError } from "./spec-problem.js";

/** A changeset written for one vendor, or why none was needed. */
export interface ChangesetResult {
  readonly vendor: string;
  readonly file: string | undefined;
  readonly changes: SpecChanges | undefined;
}

/**
 * `pnpm generate --changeset`: for each spec that differs from `base` (a git revision, default
 * HEAD), writes `.changeset/<vendor>-spec-<hash>.md` bumping the vendor package by what changed in
 * its types (see {@link compareSpecs}) and naming the changes, so the CHANGELOG says them.
 */
export async function writeSpecChangesets(
  root: string,
  vendors: ReadonlyArray<{
    id: string;
    file: string;
    hash: string;
    /** The spec as this run loaded it (`GenerateReport.specs`). */
    document: Readonly<Record<string, unknown>>;
  }>,
  base = "HEAD",
): Promise<ChangesetResult[]> {
  const results: ChangesetResult[] = [];
  for (const vendor of vendors) {
    const before = await readBase(root, base, vendor.file);
    const after = vendor.document;
    if (before !== undefined && JSON.stringify(before) === JSON.stringify(after)) {
      results.push({ vendor: vendor.id, file: undefined, changes: undefined });
      continue;
    }
    const changes: SpecChanges =
      before === undefined
        ? { bump: "minor", added: ["the package"], removed: [], changed: [] }
        : compareSpecs(before, after);
    const file = `.changeset/${vendor.id}-spec-${vendor.hash.slice(0, 8)}.md`;
    await writeFile(path.join(root, file), changesetText(vendor, changes));
    results.push({ vendor: vendor.id, file, changes });
  }
  return results;
}

function changesetText(vendor: { id: string; file: string }, changes: SpecChanges): string {
  const list = (title: string, items: readonly string[]): string =>
    items.length ? `\n${title}:\n\n${items.map((item) => `- \`${item}\``).join("\n")}\n` : "";
  const summary =
    changes.bump === "patch"
      ? `${vendor.file} changed without changing any type (documentation, examples).`
      : `${vendor.file} changed the package's types.`;
  return `---
"${packageName(vendor.id)}": ${changes.bump}
---

${summary}
${list("Added", changes.added)}${list("Removed", changes.removed)}${list("Changed", changes.changed)}`;
}

/** The spec at `base`, parsed as load-spec parses it; undefined when it did not exist there. */
async function readBase(
  root: string,
  base: string,
  file: string,
): Promise<Record<string, unknown> | undefined> {
  const text = await gitShow(root, base, file);
  if (text === undefined) return undefined;
  try {
    return parseSpec(text, file).document;
  } catch (error) {
    // Not a SpecError: the CLI would say "Nothing was written", but the packages already were.
    if (error instanceof SpecError) throw new Error(`${file} at ${base}: ${error.message}`);
    throw error;
  }
}

async function gitShow(root: string, base: string, file: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)("git", ["show", `${base}:${file}`], {
      cwd: root,
      maxBuffer: 16 * 2 ** 20,
    });
    return stdout;
  } catch {
    return undefined;
  }
}
