/**
 * The real release flow in a throw-away clone: change one spec, regenerate with --changeset, run
 * `changeset version`; only that vendor's package is bumped, by the right amount, and its
 * CHANGELOG names the change.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, symlink, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "./temp-workspace.test-helper.js";

const run = promisify(execFile);
let clone: string;

beforeAll(async () => {
  clone = path.join(await mkdtemp(path.join(os.tmpdir(), "tokenyard-release-")), "repo");
  await run("git", ["clone", "-q", REPO_ROOT, clone]);
  // As right after a release: no pending changesets.
  for (const file of await readdir(path.join(clone, ".changeset"))) {
    if (file.endsWith(".md") && file !== "README.md")
      await unlink(path.join(clone, ".changeset", file));
  }
  // The tools come from this checkout's install.
  await symlink(path.join(REPO_ROOT, "node_modules"), path.join(clone, "node_modules"));
}, 60_000);

afterAll(() => rm(path.dirname(clone), { recursive: true, force: true }));

const versionOf = async (directory: string): Promise<string> =>
  JSON.parse(await readFile(path.join(clone, "packages", directory, "package.json"), "utf8"))
    .version;

it("a spec change becomes a minor bump of that vendor's package only, with a CHANGELOG entry", async () => {
  const before = Object.fromEntries(
    await Promise.all(
      ["auth-core", "wilson-auth", "asset-auth", "klearstack-auth", "manis-auth"].map(async (d) => [
        d,
        await versionOf(d),
      ]),
    ),
  );
  const specFile = path.join(clone, "specs/manis.yaml");
  const spec = await readFile(specFile, "utf8");
  // An optional response field: an addition to the types, so a minor bump.
  const edited = spec.replace(
    /(\n    TokenResponse:\n(?:.*\n)*?      properties:\n)/,
    `$1        scope:\n          type: string\n          description: The scopes the token carries.\n`,
  );
  expect(edited).not.toBe(spec);
  await writeFile(specFile, edited);

  const generated = await run(path.join(REPO_ROOT, "node_modules/.bin/tsx"), [
    path.join(REPO_ROOT, "scripts/src/cli.ts"),
    "--root",
    clone,
    "--changeset",
  ]);
  expect(generated.stdout).toMatch(
    /minor changeset for manis: \.changeset\/manis-spec-[0-9a-f]{8}\.md/,
  );

  await run(path.join(REPO_ROOT, "node_modules/.bin/changeset"), ["version"], { cwd: clone });
  expect(await versionOf("manis-auth")).toBe(minorBump(before["manis-auth"]!));
  for (const other of ["auth-core", "wilson-auth", "asset-auth", "klearstack-auth"]) {
    expect(await versionOf(other), other).toBe(before[other]);
  }
  const changelog = await readFile(path.join(clone, "packages/manis-auth/CHANGELOG.md"), "utf8");
  expect(changelog).toContain("### Minor Changes");
  expect(changelog).toContain("POST /api/v1/auth/token 200 (application/json).scope");

  // Regenerating after the release keeps the version changesets wrote.
  await run(path.join(REPO_ROOT, "node_modules/.bin/tsx"), [
    path.join(REPO_ROOT, "scripts/src/cli.ts"),
    "--root",
    clone,
  ]);
  expect(await versionOf("manis-auth")).toBe(minorBump(before["manis-auth"]!));
}, 120_000);

function minorBump(version: string): string {
  const [major, minor] = version.split(".").map(Number);
  return `${major}.${minor! + 1}.0`;
}
