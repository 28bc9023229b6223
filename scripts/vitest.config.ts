import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Generated throw-away workspaces live in .tmp; their files are not this package's tests.
    exclude: ["**/node_modules/**", ".tmp/**"],
    typecheck: { tsconfig: "./tsconfig.json" },
    // Generating four vendors twice takes about a second alone, but CI runs every package's
    // tests at once on two cores.
    testTimeout: 30_000,
  },
});
