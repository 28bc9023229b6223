import { defineConfig } from "tsdown";

export default defineConfig([
  // The library entry: the registry's helpers, no Node APIs and no /testing entry.
  { entry: { index: "src/index.ts" }, platform: "neutral", dts: true },
  // The bin: Node only; it loads a vendor's /testing entry for --sandbox.
  {
    entry: { cli: "src/cli.ts" },
    platform: "node",
    dts: false,
    clean: false,
    fixedExtension: false,
  },
]);
