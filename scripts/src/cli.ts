import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generate } from "./generate.js";
import { SpecError } from "./spec-problem.js";
import { watchSpecs } from "./watch.js";
import { writeSpecChangesets } from "./write-changeset.js";

const USAGE = `Usage: pnpm generate [--check | --watch] [--only <vendor>]... [--cli-registry]

Turns specs/*.yaml into packages/<vendor>-auth and the CLI's vendor list,
packages/cli/src/vendors.gen.ts. Writes only files whose content changed.
  --check          write nothing; exit 1 naming every stale or missing file
  --watch          stay running; regenerate a vendor and the CLI's list each time its spec
                   is saved
  --changeset      also write .changeset/<vendor>-spec-<hash>.md for every spec that differs
                   from --base (default HEAD): major for removed or changed types, minor for
                   additions, patch when no type changed
  --only <vendor>  generate one vendor's package (repeatable), e.g. --only wilson; the CLI's
                   list is left alone (packages/cli's own generate task writes it)
  --cli-registry   generate the CLI's list from every spec, and no package but those of --only
  --root <dir>     repository root (default: this checkout)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      changeset: { type: "boolean", default: false },
      base: { type: "string", default: "HEAD" },
      only: { type: "string", multiple: true },
      "cli-registry": { type: "boolean", default: false },
      root: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const root = path.resolve(
    values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../.."),
  );
  const started = performance.now();
  if (values.watch) {
    watchSpecs(root, (line) => console.log(line));
    console.log(`watching ${path.join(root, "specs")} (Ctrl-C to stop)`);
    return 0;
  }
  try {
    const report = await generate({
      root,
      check: values.check,
      ...(values["cli-registry"]
        ? { only: values.only ?? [], cliRegistry: true }
        : values.only
          ? { only: values.only }
          : {}),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const what = (named: boolean): string => {
      const vendors = `${report.vendors.length} vendors${named ? ` (${report.vendors.join(", ")})` : ""}`;
      if (!values["cli-registry"]) return vendors;
      return report.vendors.length
        ? `${vendors} and the CLI's vendor list`
        : "the CLI's vendor list";
    };
    if (values.check) {
      const stale = [
        ...report.missing.map((file) => `missing: ${file}`),
        ...report.changed.map((file) => `stale:   ${file}`),
        ...report.orphans.map((directory) => `orphan:  ${directory} (its spec is gone; delete it)`),
      ];
      if (stale.length > 0) {
        console.error(
          `Generated files are out of date; run \`pnpm generate\`:\n  ${stale.join("\n  ")}`,
        );
        return 1;
      }
      console.log(
        `generate --check: ${what(false)}, ${report.unchanged} files up to date (${seconds} s)`,
      );
      return 0;
    }
    const written = [...report.missing, ...report.changed];
    console.log(
      `generated ${what(true)}: ${written.length} written, ${report.unchanged} unchanged (${seconds} s)`,
    );
    for (const file of written) console.log(`  wrote ${file}`);
    if (values.changeset) {
      for (const result of await writeSpecChangesets(root, report.specs, values.base)) {
        if (result.file)
          console.log(`  ${result.changes!.bump} changeset for ${result.vendor}: ${result.file}`);
      }
    }
    for (const directory of report.orphans)
      console.warn(`  warning: ${directory} has no spec any more; delete it`);
    return 0;
  } catch (error) {
    if (error instanceof SpecError) {
      console.error(`${error.message}\n\nNothing was written.`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main();
