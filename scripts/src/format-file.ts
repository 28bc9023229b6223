import path from "node:path";
import * as prettier from "prettier";

const PARSERS: Record<string, string> = {
  ".ts": "typescript",
  ".json": "json-stringify",
  ".md": "markdown",
};

/** Formats generated text exactly as `prettier --write` would in the repository. */
export async function formatFile(root: string, file: string, text: string): Promise<string> {
  const parser = PARSERS[path.extname(file)];
  if (!parser) return text;
  const config = (await prettier.resolveConfig(path.join(root, file))) ?? {};
  return prettier.format(text, { ...config, parser });
}
