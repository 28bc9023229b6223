import type { VendorModel } from "./vendor-model.js";

/** Versions every generated package pins, kept in one place so all vendors move together. */
export const PACKAGE_VERSIONS = {
  openapiFetch: "0.17.0",
  typescript: "5.9.3",
  tsdown: "0.21.10",
  vitest: "4.1.12",
  typesNode: "^20.19.0",
} as const;

/** Where the monorepo lives; every published package points back at it. */
export const REPOSITORY = {
  url: "git+https://github.com/tokenyard/tokenyard.git",
  homepage: "https://github.com/tokenyard/tokenyard",
  bugs: "https://github.com/tokenyard/tokenyard/issues",
} as const;

/** The test command every package uses; the JSON report feeds `.ci/run`'s pass/fail count. */
export const TEST_SCRIPT =
  "vitest run --typecheck --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json";

/**
 * `package.json`. The version is the one already on disk (changesets owns it), so regenerating
 * never undoes a release.
 */
export function emitPackageJson(model: VendorModel, existingVersion: string | undefined): string {
  const manifest = {
    name: model.packageName,
    version: existingVersion ?? "0.0.0",
    description: `Typed, cached, self-refreshing ${model.name} access tokens (${model.title}), generated from ${model.file}.`,
    keywords: ["tokenyard", model.id, "access-token", "oauth", "openapi", "openapi-fetch"],
    homepage: `${REPOSITORY.homepage}/tree/main/${model.directory}#readme`,
    bugs: { url: REPOSITORY.bugs },
    repository: { type: "git", url: REPOSITORY.url, directory: model.directory },
    license: "MIT",
    type: "module",
    sideEffects: false,
    engines: { node: ">=20.19" },
    exports: {
      ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
      "./testing": { types: "./dist/testing.d.ts", default: "./dist/testing.js" },
      "./package.json": "./package.json",
    },
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    files: ["dist"],
    scripts: {
      build: "tsdown",
      generate: `pnpm --workspace-root generate --only ${model.id}`,
      test: TEST_SCRIPT,
      typecheck: "tsc -p . --noEmit",
    },
    dependencies: {
      "@tokenyard/auth-core": "workspace:^",
      "openapi-fetch": PACKAGE_VERSIONS.openapiFetch,
    },
    devDependencies: {
      "@tokenyard/fake-vendors": "workspace:*",
      "@types/node": PACKAGE_VERSIONS.typesNode,
      tsdown: PACKAGE_VERSIONS.tsdown,
      typescript: PACKAGE_VERSIONS.typescript,
      vitest: PACKAGE_VERSIONS.vitest,
    },
  };
  return JSON.stringify(manifest, null, 2) + "\n";
}

/**
 * `turbo.json`: this package's `generate` task depends on its own spec and the generator only,
 * so editing one spec re-runs one vendor's generate, build and tests, and no other's.
 */
export function emitTurboJson(model: VendorModel): string {
  const config = {
    $schema: "https://turborepo.com/schema.json",
    extends: ["//"],
    tasks: {
      generate: {
        inputs: [
          `$TURBO_ROOT$/${model.file}`,
          "$TURBO_ROOT$/scripts/src/**",
          "!$TURBO_ROOT$/scripts/src/**/*.test.ts",
          "!$TURBO_ROOT$/scripts/src/**/*.test-helper.ts",
          "!$TURBO_ROOT$/scripts/src/fixtures/**",
          "$TURBO_ROOT$/scripts/package.json",
          "$TURBO_ROOT$/.prettierrc.json",
          "package.json",
        ],
        outputs: GENERATED_FILES.filter((file) => file !== "package.json"),
      },
    },
  };
  return JSON.stringify(config, null, 2) + "\n";
}

/** Every file the generator writes in a vendor package, relative to the package. */
export const GENERATED_FILES = [
  "src/schema.gen.ts",
  "src/auth.gen.ts",
  "src/binding.gen.ts",
  "src/testing.gen.ts",
  "src/index.ts",
  "package.json",
  "tsconfig.json",
  "tsdown.config.ts",
  "turbo.json",
  "README.md",
] as const;

/** `tsconfig.json` for type-checking sources and tests. */
export function emitTsconfig(): string {
  return (
    JSON.stringify({ extends: "../../tsconfig.base.json", include: ["src", "test"] }, null, 2) +
    "\n"
  );
}

/**
 * `tsdown.config.ts`: the main entry for every runtime, and the node-only `/testing` entry (the
 * sandbox) built apart so that it never reaches an app's bundle.
 */
export function emitTsdownConfig(header: string): string {
  return `${header}
import { defineConfig } from "tsdown";

export default defineConfig([
  { entry: { index: "src/index.ts" }, platform: "neutral", dts: true },
  {
    entry: { testing: "src/testing.gen.ts" },
    platform: "node",
    dts: true,
    clean: false,
    fixedExtension: false,
  },
]);
`;
}

/** `src/index.ts`: the package's whole public surface is the generated binding. */
export function emitIndex(header: string): string {
  return `${header}
export * from "./auth.gen.js";
`;
}
