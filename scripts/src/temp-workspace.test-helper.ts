import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");

/**
 * A throw-away repository root under scripts/.tmp (inside the repo, so generated packages
 * resolve @tokenyard/auth-core and openapi-fetch from scripts/node_modules).
 */
export interface TempWorkspace {
  readonly root: string;
  writeSpec(file: string, text: string): Promise<void>;
  read(file: string): Promise<string>;
  write(file: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

export async function createTempWorkspace(
  specs: Record<string, string> = {},
): Promise<TempWorkspace> {
  const parent = path.join(REPO_ROOT, "scripts/.tmp");
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(path.join(parent, "ws-"));
  await mkdir(path.join(root, "specs"));
  for (const shared of [".prettierrc.json", "tsconfig.base.json"]) {
    await copyFile(path.join(REPO_ROOT, shared), path.join(root, shared));
  }
  const workspace: TempWorkspace = {
    root,
    writeSpec: (file, text) => writeFile(path.join(root, "specs", file), text),
    read: (file) => readFile(path.join(root, file), "utf8"),
    async write(file, text) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  for (const [file, text] of Object.entries(specs)) await workspace.writeSpec(file, text);
  return workspace;
}

/** The synthetic Acme spec, optionally changed by `edit` (which mutates the parsed document). */
export async function acmeSpec(edit?: (document: Record<string, any>) => void): Promise<string> {
  const text = await readFile(path.join(FIXTURES, "acme.yaml"), "utf8");
  if (!edit) return text;
  const document = parse(text) as Record<string, any>;
  edit(document);
  return stringify(document);
}

/** One of the four real specs' text. */
export function realSpec(vendor: string): Promise<string> {
  return readFile(path.join(REPO_ROOT, "specs", `${vendor}.yaml`), "utf8");
}
