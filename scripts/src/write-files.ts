import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** What comparing generated files with the disk found, and (unless checking) wrote. */
export interface WriteReport {
  /** Files whose content differed (written, or stale when checking). */
  readonly changed: readonly string[];
  /** Files that did not exist (written, or missing when checking). */
  readonly missing: readonly string[];
  readonly unchanged: number;
}

/**
 * Writes only files whose content differs, each through a temporary file and a rename so that no
 * reader ever sees half a file. With `check`, writes nothing and reports what would change.
 */
export async function writeFiles(
  root: string,
  files: ReadonlyMap<string, string>,
  options: { check: boolean },
): Promise<WriteReport> {
  const changed: string[] = [];
  const missing: string[] = [];
  let unchanged = 0;
  const writes: Array<Promise<void>> = [];
  for (const [file, content] of files) {
    const absolute = path.join(root, file);
    const existing = await readFile(absolute, "utf8").catch(() => undefined);
    if (existing === content) {
      unchanged += 1;
      continue;
    }
    (existing === undefined ? missing : changed).push(file);
    if (!options.check) writes.push(writeAtomically(absolute, content));
  }
  await Promise.all(writes);
  return { changed, missing, unchanged };
}

async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, file);
}
