import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each Prism takes about a second to start; files run one at a time to spare the 2 cores.
    fileParallelism: false,
    testTimeout: 40_000,
    hookTimeout: 40_000,
  },
});
