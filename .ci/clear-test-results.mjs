// Removes every workspace's `.test-results` before the tests run, so that a package whose tests
// crash in a reused checkout is counted by count-test-results.mjs as missing, not with old results.
import { rmSync } from "node:fs";
import path from "node:path";
import { root, workspaces } from "./workspaces.mjs";

for (const workspace of workspaces()) {
  rmSync(path.join(root, workspace, ".test-results"), { recursive: true, force: true });
}
