// Builds dist/ with tsdown before any test runs: the tests spawn the real bin, `node dist/cli.js`.
import { build } from "tsdown";

export default async function setup(): Promise<void> {
  await build({ cwd: new URL("..", import.meta.url).pathname, logLevel: "warn" });
}
