import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The tests run the built bin (`node dist/cli.js`), so build it first, from the current source.
    globalSetup: ["./test/build.global-setup.ts"],
    testTimeout: 20_000,
  },
});
