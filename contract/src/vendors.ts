/**
 * The vendors, read from `specs/*.yaml` (file names and each spec's `x-tokenyard` block), so that
 * a new spec is checked by the sandbox and README tests with no edit here.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./prism.js";
import { readSpec } from "./spec-schemas.js";

type Json = Record<string, any>;

/** One operation of a spec, found by its `operationId`. */
export interface SpecOperation {
  readonly operationId: string;
  /** Upper case (`POST`). */
  readonly method: string;
  /** The spec's path, relative to the server URL (`/auth/token`). */
  readonly path: string;
}

export interface SpecVendor {
  /** `specs/<id>.yaml`. */
  readonly id: string;
  readonly spec: string;
  /** `x-tokenyard.name`: `create<name>Auth`, `start<name>Sandbox`. */
  readonly name: string;
  /** `@tokenyard/<id>-auth`. */
  readonly packageName: string;
  readonly token: SpecOperation;
  readonly refresh: SpecOperation | undefined;
}

/** Every spec in `specs/`, sorted by id. */
export function specVendors(): SpecVendor[] {
  return readdirSync(path.join(REPO_ROOT, "specs"))
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const id = file.slice(0, -".yaml".length);
      const spec = `specs/${file}`;
      const document = readSpec(spec) as Json;
      const extension = document["x-tokenyard"] as Json | undefined;
      if (!extension) throw new Error(`${spec} has no x-tokenyard block`);
      return {
        id,
        spec,
        name: String(extension.name),
        packageName: `@tokenyard/${id}-auth`,
        token: findOperation(document, spec, String(extension.token?.operation)),
        refresh: extension.refresh
          ? findOperation(document, spec, String(extension.refresh.operation))
          : undefined,
      };
    });
}

function findOperation(document: Json, spec: string, operationId: string): SpecOperation {
  for (const [pathName, item] of Object.entries((document.paths ?? {}) as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      if ((operation as Json)?.operationId === operationId) {
        return { operationId, method: method.toUpperCase(), path: pathName };
      }
    }
  }
  throw new Error(`${spec} has no operation ${operationId}`);
}
