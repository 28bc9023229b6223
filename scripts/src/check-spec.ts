import { Ajv, type ErrorObject } from "ajv";
import xTokenyardSchema from "./x-tokenyard.schema.json" with { type: "json" };
import type { LoadedSpec } from "./load-spec.js";
import { SpecError, pointerJoin, type SpecProblem } from "./spec-problem.js";

// `verbose` keeps each failing subschema, whose `description` explains a pattern in words.
const validateExtension = new Ajv({ allErrors: true, strict: true, verbose: true }).compile(
  xTokenyardSchema,
);

/**
 * Checks what the rest of the pipeline relies on: an OpenAPI 3.1 document with paths, and an
 * `x-tokenyard` block of the right shape. Deeper OpenAPI validity is `pnpm lint:specs`'s job
 * (Redocly); meaning (does the operation exist, is the field in the response) is checked
 * while the vendor model is derived, where it is known.
 */
export function checkSpec(spec: LoadedSpec): void {
  const problems: SpecProblem[] = [];
  const report = (pointer: string, message: string): void => {
    problems.push({ file: spec.file, pointer, message, line: spec.lineOf(pointer) });
  };
  const { document } = spec;

  if (typeof document.openapi !== "string" || !/^3\.1\.\d+$/.test(document.openapi)) {
    report(
      "/openapi",
      `expected an OpenAPI 3.1.x document, found ${JSON.stringify(document.openapi)}`,
    );
  }
  if (!isRecord(document.paths)) report("/paths", "missing paths object");
  if (!isRecord(document.info) || typeof document.info.title !== "string") {
    report("/info/title", "missing info.title");
  }
  if (document["x-tokenyard"] === undefined) {
    report("/x-tokenyard", "missing x-tokenyard extension (see specs/README.md)");
  } else if (!validateExtension(document["x-tokenyard"])) {
    for (const error of validateExtension.errors ?? []) {
      const { pointer, message } = describeSchemaError(error);
      report(`/x-tokenyard${pointer}`, message);
    }
  }
  if (problems.length > 0) throw new SpecError(problems);
}

function describeSchemaError(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return {
        pointer: pointerJoin(error.instancePath, String(params.additionalProperty)),
        message: `unknown key "${String(params.additionalProperty)}"`,
      };
    case "required":
      return {
        pointer: pointerJoin(error.instancePath, String(params.missingProperty)),
        message: `missing required key "${String(params.missingProperty)}"`,
      };
    case "enum":
      return {
        pointer: error.instancePath,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "pattern": {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return {
        pointer: error.instancePath,
        message: `${JSON.stringify(error.data)} is not ${description ? lowerFirst(description) : `of the form ${String(params.pattern)}`}`,
      };
    }
    default:
      return { pointer: error.instancePath, message: error.message ?? error.keyword };
  }
}

function lowerFirst(text: string): string {
  return text[0]!.toLowerCase() + text.slice(1).replace(/\.$/, "");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
