import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Generated throw-away workspaces live in .tmp; their files are not this package's tests.
    exclude: ["**/node_modules/**", ".tmp/**"],
    typecheck: { tsconfig: "./tsconfig.json" },
  },
});
