import path from "node:path";
import * as prettier from "prettier";

/**
 * Formats generated text exactly as `prettier --write` would format that file in the
 * repository: same config, and the parser prettier infers from the path.
 */
export async function formatFile(root: string, file: string, text: string): Promise<string> {
  const filepath = path.join(root, file);
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(text, { ...config, filepath });
}
