import { watch } from "node:fs";
import path from "node:path";
import { generate } from "./generate.js";
import { SpecError } from "./spec-problem.js";

/**
 * `pnpm generate --watch`: keeps the generator loaded and re-renders a vendor whenever its spec
 * is saved. Loading openapi-typescript and TypeScript costs more than generating four vendors,
 * so a warm process is what makes "regenerate on every save" instant (bench/RESULTS.md).
 */
export function watchSpecs(root: string, log: (line: string) => void): () => void {
  const pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = async (): Promise<void> => {
    const only = [...pending];
    pending.clear();
    const started = performance.now();
    try {
      // The CLI's vendor list names every spec's hash: re-rendered with the vendor, from all specs.
      const report = await generate({ root, only, cliRegistry: true });
      const written = [...report.missing, ...report.changed];
      log(
        `${only.join(", ")}: ${written.length} written (${Math.round(performance.now() - started)} ms)`,
      );
    } catch (error) {
      if (!(error instanceof SpecError)) throw error;
      log(`${error.message}\nNothing was written.`);
    }
  };
  const watcher = watch(path.join(root, "specs"), (_event, file) => {
    if (!file?.endsWith(".yaml")) return;
    pending.add(file.slice(0, -".yaml".length));
    // Editors save in bursts (write, rename, chmod): wait for the burst to end.
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), 50);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
