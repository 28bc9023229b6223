import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { createTempWorkspace, realSpec, type TempWorkspace } from "./temp-workspace.test-helper.js";
import { watchSpecs } from "./watch.js";
import { GENERATED_FILES } from "./emit-package.js";

let workspace: TempWorkspace | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await workspace?.remove();
});

it("regenerates a vendor when its spec is saved, and reports a bad save without writing", async () => {
  workspace = await createTempWorkspace();
  const lines: string[] = [];
  let notify: () => void = () => {};
  stop = watchSpecs(workspace.root, (line) => {
    lines.push(line);
    notify();
  });
  const nextLine = () => new Promise<void>((resolve) => (notify = resolve));

  let logged = nextLine();
  await workspace.writeSpec("manis.yaml", await realSpec("manis"));
  await logged;
  // Its package, and the CLI's list of vendors.
  expect(lines.at(-1)).toMatch(
    new RegExp(`^manis: ${GENERATED_FILES.length + 1} written \\(\\d+ ms\\)$`),
  );
  expect(
    await readFile(path.join(workspace.root, "packages/cli/src/vendors.gen.ts"), "utf8"),
  ).toContain('id: "manis"');
  const auth = await readFile(
    path.join(workspace.root, "packages/manis-auth/src/auth.gen.ts"),
    "utf8",
  );

  logged = nextLine();
  await workspace.writeSpec(
    "manis.yaml",
    (await realSpec("manis")).replace("from: /expiresAt", "from: /expires"),
  );
  await logged;
  expect(lines.at(-1)).toMatch(
    /unknown field "expires" in response schema[\s\S]*Nothing was written\.$/,
  );
  expect(
    await readFile(path.join(workspace.root, "packages/manis-auth/src/auth.gen.ts"), "utf8"),
  ).toBe(auth);
});
