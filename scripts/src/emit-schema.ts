import openapiTS, { astToString } from "openapi-typescript";
import type { LoadedSpec } from "./load-spec.js";
import { generatedHeader } from "./generated-header.js";
import { SpecError } from "./spec-problem.js";

/** `schema.gen.ts`: openapi-typescript's `paths`, `components` and `operations` for the spec. */
export async function emitSchema(spec: LoadedSpec): Promise<string> {
  try {
    // A structured clone: openapi-typescript annotates the object it is given.
    const ast = await openapiTS(structuredClone(spec.document) as never, { silent: true });
    return generatedHeader(spec) + "\n" + astToString(ast);
  } catch (error) {
    throw new SpecError([
      {
        file: spec.file,
        pointer: "",
        message: `openapi-typescript could not read the spec: ${(error as Error).message.split("\n")[0]}`,
      },
    ]);
  }
}
