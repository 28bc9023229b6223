/**
 * Each vendor README tells app developers to paste a vitest example that uses the package's
 * sandbox. Run exactly that code, as they would, so the README cannot rot.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { REPO_ROOT } from "./prism.js";
import { specVendors } from "./vendors.js";

// Every spec in specs/: each generates packages/<id>-auth and its README.
const VENDORS = specVendors().map((vendor) => vendor.id);
// Inside this package, so the pasted imports resolve as in an app that installed the packages.
const EXAMPLES = path.join(REPO_ROOT, "contract/.tmp/readme-examples");

afterAll(() => rm(EXAMPLES, { recursive: true, force: true }));

async function testingExample(vendor: string): Promise<string> {
  const readme = await readFile(path.join(REPO_ROOT, `packages/${vendor}-auth/README.md`), "utf8");
  const section = readme.split("## Testing your app")[1] ?? "";
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error(`packages/${vendor}-auth/README.md has no testing example`);
  return code;
}

it("every vendor README's sandbox example runs as written", async () => {
  await mkdir(EXAMPLES, { recursive: true });
  for (const vendor of VENDORS) {
    await writeFile(path.join(EXAMPLES, `${vendor}.test.ts`), await testingExample(vendor));
  }
  const vitest = path.join(REPO_ROOT, "contract/node_modules/.bin/vitest");
  // A clean environment: the outer vitest's variables would make the inner one a worker.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|VITE_|NODE_OPTIONS)/.test(name)),
  );
  const { stdout } = await promisify(execFile)(
    vitest,
    ["run", "--root", EXAMPLES, "--reporter=json"],
    {
      cwd: path.join(REPO_ROOT, "contract"),
      env: { ...env, NODE_ENV: "test" },
    },
  ).catch((error: { stdout: string; stderr: string }) => {
    throw new Error(`the README examples failed:\n${error.stdout}\n${error.stderr}`);
  });
  const report = JSON.parse(stdout) as { numPassedTests: number; numFailedTests: number };
  expect(report).toMatchObject({ numPassedTests: VENDORS.length, numFailedTests: 0 });
}, 60_000);
