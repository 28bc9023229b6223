import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { SpecError, type SpecProblem } from "./spec-problem.js";

/** A spec as read from disk: its text, content hash and parsed document. */
export interface LoadedSpec {
  /** Path relative to the repository root, with forward slashes (`specs/wilson.yaml`). */
  readonly file: string;
  /** SHA-256 of the file's bytes: generated files name it, so staleness is visible in a diff. */
  readonly hash: string;
  readonly document: Record<string, unknown>;
  /** 1-based line of the node a JSON pointer names (or of its nearest existing ancestor). */
  lineOf(pointer: string): number | undefined;
}

/** Reads and parses one YAML spec; YAML syntax errors become a {@link SpecError} with a line. */
export async function loadSpec(absolutePath: string, file: string): Promise<LoadedSpec> {
  const source = await readFile(absolutePath, "utf8");
  return parseSpec(source, file);
}

/** Parses spec text; separated from {@link loadSpec} so tests can feed text directly. */
export function parseSpec(source: string, file: string): LoadedSpec {
  const lineCounter = new LineCounter();
  const yamlDocument = parseDocument(source, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  if (yamlDocument.errors.length > 0) {
    throw new SpecError(
      yamlDocument.errors.map((error): SpecProblem => ({
        file,
        pointer: "",
        message: `YAML syntax error: ${error.message.split("\n")[0]}`,
        ...lineOf(lineCounter, error.pos[0]),
      })),
    );
  }
  const document: unknown = yamlDocument.toJS({ maxAliasCount: 100 });
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new SpecError([{ file, pointer: "", message: "a spec must be a YAML mapping" }]);
  }
  return {
    file,
    hash: createHash("sha256").update(source).digest("hex"),
    document: document as Record<string, unknown>,
    lineOf: (pointer) => locate(yamlDocument, lineCounter, pointer),
  };
}

function lineOf(lineCounter: LineCounter, offset: number): { line?: number } {
  return { line: lineCounter.linePos(offset).line };
}

function locate(document: Document, lineCounter: LineCounter, pointer: string): number | undefined {
  const keys = pointer
    .split("/")
    .slice(1)
    .map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
  // Walk up until a node exists: a problem about a missing key is reported at its parent.
  for (let depth = keys.length; depth >= 0; depth -= 1) {
    const path = keys.slice(0, depth).map((key) => (/^\d+$/.test(key) ? Number(key) : key));
    const node = depth === 0 ? document.contents : document.getIn(path, true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
