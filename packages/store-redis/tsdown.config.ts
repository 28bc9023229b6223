import { defineConfig } from "tsdown";

// Node only: ioredis speaks TCP through node:net, so there is no neutral build to offer.
export default defineConfig({
  entry: { index: "src/index.ts" },
  platform: "node",
  dts: true,
  fixedExtension: false,
});
