import { readFile, writeFile } from "node:fs/promises";

/**
 * Replaces one benchmark's section of RESULTS.md (between its markers), leaving the other
 * benchmarks' figures alone, so each `pnpm bench:*` can be re-run on its own.
 */
export async function replaceSection(
  file: string,
  name: string,
  command: string,
  body: string,
): Promise<void> {
  const existing = await readFile(file, "utf8").catch(
    () =>
      "# Benchmark results\n\nEach section is written by the command named in it; re-run it after changing the code it measures.\n",
  );
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n## ${name} (${command})\n\n${body}\n${end}`;
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  const next = pattern.test(existing)
    ? existing.replace(pattern, section)
    : `${existing.trimEnd()}\n\n${section}\n`;
  await writeFile(file, next);
}
