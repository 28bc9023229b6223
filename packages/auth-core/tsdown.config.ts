import { defineConfig } from "tsdown";

export default defineConfig([
  // The main entry runs anywhere (browsers, Deno, Bun, workers): web-standard APIs only.
  { entry: { index: "src/index.ts" }, platform: "neutral", dts: true },
  // The sandbox is node-only (node:http, node:crypto) and kept out of the main entry.
  {
    entry: { testing: "src/testing/index.ts" },
    platform: "node",
    dts: true,
    clean: false,
    fixedExtension: false,
  },
]);
