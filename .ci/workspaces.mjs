// The workspace folders, read from pnpm-workspace.yaml's `packages` list ("dir" or "dir/*"),
// relative to the repository root. Shared by the CI helpers that visit every workspace.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "..");

/** Every folder that the workspace globs match and that holds a package.json. */
export function workspaces() {
  const globs = readFileSync(path.join(root, "pnpm-workspace.yaml"), "utf8")
    .split("packages:")[1]
    .split(/\n(?=\S)/)[0]
    .split("\n")
    .map((line) => /^\s+-\s+(\S+)/.exec(line)?.[1])
    .filter(Boolean);
  return globs
    .flatMap((glob) =>
      glob.endsWith("/*")
        ? readdirSync(path.join(root, glob.slice(0, -2))).map((name) =>
            path.join(glob.slice(0, -2), name),
          )
        : [glob],
    )
    .filter((workspace) => existsSync(path.join(root, workspace, "package.json")));
}
