import { isRecord } from "./check-spec.js";
import { SpecError, type SpecProblem } from "./spec-problem.js";
import type { LoadedSpec } from "./load-spec.js";

/** A node of the spec together with the pointer it was found at (after following `$ref`s). */
export interface Located<T = unknown> {
  readonly value: T;
  readonly pointer: string;
}

/**
 * Follows local `$ref`s (`#/components/...`) until a real node is reached. A `$ref` that goes
 * nowhere, leaves the file, or loops is reported at the pointer of the `$ref` itself.
 */
export function resolveRef(spec: LoadedSpec, node: Located): Located {
  let current = node;
  const seen = new Set<string>();
  while (isRecord(current.value) && typeof current.value.$ref === "string") {
    const ref = current.value.$ref;
    const refPointer = `${current.pointer}/$ref`;
    if (!ref.startsWith("#")) {
      throw problem(spec, refPointer, `external $ref "${ref}" is not supported; inline it`);
    }
    const target = ref.slice(1);
    if (seen.has(target)) throw problem(spec, refPointer, `$ref "${ref}" loops`);
    seen.add(target);
    const value = readPointer(spec.document, target);
    if (value === undefined) throw problem(spec, refPointer, `$ref "${ref}" points nowhere`);
    current = { value, pointer: target };
  }
  return current;
}

/** RFC 6901 read; `undefined` when any segment is missing. */
export function readPointer(document: unknown, pointer: string): unknown {
  let current = document;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (isRecord(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

function problem(spec: LoadedSpec, pointer: string, message: string): SpecError {
  const found: SpecProblem = { file: spec.file, pointer, message, line: spec.lineOf(pointer) };
  return new SpecError([found]);
}
