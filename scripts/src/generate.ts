import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { checkSpec } from "./check-spec.js";
import { emitAuth, emitBinding } from "./emit-auth.js";
import {
  GENERATED_FILES,
  emitIndex,
  emitPackageJson,
  emitTsconfig,
  emitTsdownConfig,
  emitTurboJson,
} from "./emit-package.js";
import { emitReadme } from "./emit-readme.js";
import { emitSchema } from "./emit-schema.js";
import { emitTesting } from "./emit-testing.js";
import { deriveSandboxBinding } from "./sandbox-model.js";
import { formatFile } from "./format-file.js";
import { generatedHeader } from "./generated-header.js";
import { loadSpec, type LoadedSpec } from "./load-spec.js";
import { SpecError, type SpecProblem } from "./spec-problem.js";
import { deriveVendorModel, type VendorModel } from "./vendor-model.js";
import { CLI_REGISTRY_FILE, emitCliRegistry } from "./emit-cli-registry.js";
import { writeFiles, type WriteReport } from "./write-files.js";

export interface GenerateOptions {
  /** Repository root: `specs/` is read from it and `packages/` written below it. */
  readonly root: string;
  /** Compare with the disk and write nothing. */
  readonly check?: boolean;
  /** Generate only these vendor ids' packages (`wilson`); default every spec's. */
  readonly only?: readonly string[];
  /**
   * Also write the CLI's registry, `packages/cli/src/vendors.gen.ts`. It lists every vendor, so
   * it is always derived from every spec, whatever `only` says (cheaply: no package is rendered
   * for a spec outside `only`). Default: when `only` is not given. `packages/cli`'s own generate
   * task is `only: [], cliRegistry: true`; `--watch` adds it to each vendor it regenerates.
   */
  readonly cliRegistry?: boolean;
}

export interface GenerateReport extends WriteReport {
  readonly vendors: readonly string[];
  /** Each generated vendor's spec, with its content hash and parsed document. */
  readonly specs: ReadonlyArray<{
    readonly id: string;
    readonly file: string;
    readonly hash: string;
    readonly document: Readonly<Record<string, unknown>>;
  }>;
  /** Generated package directories with no spec left behind them. */
  readonly orphans: readonly string[];
}

/**
 * The whole pipeline: load → check → derive → emit → format → write. Every spec is rendered in
 * memory first; if any has a problem nothing at all is written, so no package is ever half
 * generated.
 */
export async function generate(options: GenerateOptions): Promise<GenerateReport> {
  const specsDirectory = path.join(options.root, "specs");
  const allSpecFiles = (await readdir(specsDirectory))
    .filter((file) => file.endsWith(".yaml"))
    .sort();
  const selected = (file: string): boolean =>
    !options.only || options.only.includes(file.slice(0, -".yaml".length));
  const cliRegistry = options.cliRegistry ?? !options.only;
  const specFiles = cliRegistry ? allSpecFiles : allSpecFiles.filter(selected);

  const problems: SpecProblem[] = [];
  const loaded = await Promise.all(
    specFiles.map(async (file) => {
      try {
        const vendor = await loadVendor(options.root, `specs/${file}`);
        return {
          ...vendor,
          files: selected(file) ? await renderVendor(options.root, vendor) : undefined,
        };
      } catch (error) {
        if (!(error instanceof SpecError)) throw error;
        problems.push(...error.problems);
        return undefined;
      }
    }),
  );
  if (problems.length > 0) throw new SpecError(problems);

  const files = new Map<string, string>();
  // The CLI lists every vendor, so its registry is rendered from every spec.
  if (cliRegistry) {
    const models = loaded.map((vendor) => vendor!.model);
    files.set(
      CLI_REGISTRY_FILE,
      await formatFile(options.root, CLI_REGISTRY_FILE, emitCliRegistry(models)),
    );
  }
  const rendered = loaded.flatMap((vendor) =>
    vendor?.files ? [{ ...vendor, files: vendor.files }] : [],
  );
  for (const vendor of rendered)
    for (const [file, content] of vendor.files) files.set(file, content);
  const report = await writeFiles(options.root, files, { check: options.check ?? false });
  const vendors = rendered.map((vendor) => vendor.model.id);
  return {
    ...report,
    vendors,
    specs: rendered.map(({ model, spec }) => ({
      id: model.id,
      file: model.file,
      hash: model.hash,
      document: spec.document,
    })),
    orphans: options.only ? [] : await findOrphans(options.root, vendors),
  };
}

/** Load → check → derive: all the CLI's registry needs of a spec (no emitting, no prettier). */
async function loadVendor(
  root: string,
  file: string,
): Promise<{ spec: LoadedSpec; model: VendorModel }> {
  const spec = await loadSpec(path.join(root, file), file);
  checkSpec(spec);
  return { spec, model: deriveVendorModel(spec) };
}

/** Every file of a vendor's package, formatted, keyed by its path from the repository root. */
async function renderVendor(
  root: string,
  { spec, model }: { spec: LoadedSpec; model: VendorModel },
): Promise<Map<string, string>> {
  const header = generatedHeader(model);
  const existingVersion = await readVersion(path.join(root, model.directory, "package.json"));
  const unformatted: Record<(typeof GENERATED_FILES)[number], string> = {
    "src/schema.gen.ts": await emitSchema(spec),
    "src/auth.gen.ts": emitAuth(model),
    "src/binding.gen.ts": emitBinding(model),
    "src/testing.gen.ts": emitTesting(model, deriveSandboxBinding(spec, model)),
    "src/index.ts": emitIndex(header),
    "package.json": emitPackageJson(model, existingVersion),
    "tsconfig.json": emitTsconfig(),
    "tsdown.config.ts": emitTsdownConfig(header),
    "turbo.json": emitTurboJson(model),
    "README.md": emitReadme(model),
  };
  const files = new Map<string, string>();
  for (const relative of GENERATED_FILES) {
    const text = unformatted[relative];
    const target = `${model.directory}/${relative}`;
    files.set(target, await formatFile(root, target, text));
  }
  return files;
}

async function readVersion(packageJson: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await readFile(packageJson, "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

async function findOrphans(root: string, vendors: readonly string[]): Promise<string[]> {
  const packages = await readdir(path.join(root, "packages")).catch(() => [] as string[]);
  const orphans: string[] = [];
  for (const directory of packages) {
    const match = /^(.+)-auth$/.exec(directory);
    if (!match || vendors.includes(match[1]!)) continue;
    const generated = await readFile(
      path.join(root, "packages", directory, "src/auth.gen.ts"),
      "utf8",
    ).catch(() => "");
    if (generated.startsWith("// DO NOT EDIT")) orphans.push(`packages/${directory}`);
  }
  return orphans;
}
