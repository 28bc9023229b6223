import { isRecord } from "./check-spec.js";
import { readPointer } from "./resolve-ref.js";

/** How a spec change reaches the package's users (semver). */
export type Bump = "patch" | "minor" | "major";

/** What changed in the types a spec produces, by place (`POST /auth/token 200 (application/json).expires_in`). */
export interface SpecChanges {
  readonly bump: Bump;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/**
 * Compares the type surface two versions of a spec generate: every schema property, parameter
 * and body with its type and whether it is required. Removing something or changing its type
 * breaks users (major); a new required input breaks callers too (major); anything else added is a
 * feature (minor); a change that alters no type (descriptions, examples, servers' docs) is a
 * patch.
 */
export function compareSpecs(before: unknown, after: unknown): SpecChanges {
  const old = typeSurface(before);
  const next = typeSurface(after);
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [place, shape] of next) {
    const previous = old.get(place);
    if (previous === undefined) added.push(place);
    else if (previous !== shape) changed.push(`${place}: ${previous} → ${shape}`);
  }
  for (const place of old.keys()) if (!next.has(place)) removed.push(place);
  const breaking =
    removed.length > 0 ||
    changed.length > 0 ||
    added.some((place) => next.get(place)!.endsWith("required input"));
  const bump: Bump = breaking ? "major" : added.length > 0 ? "minor" : "patch";
  return { bump, added, removed, changed };
}

/** Place → "type[, required][ input]" for everything that becomes a TypeScript type. */
function typeSurface(document: unknown): Map<string, string> {
  const surface = new Map<string, string>();
  if (!isRecord(document)) return surface;
  const resolve = (node: unknown): unknown => {
    let current = node;
    for (
      let depth = 0;
      isRecord(current) && typeof current.$ref === "string" && depth < 20;
      depth += 1
    ) {
      current = readPointer(document, current.$ref.slice(1));
    }
    return current;
  };
  const walk = (
    schema: unknown,
    place: string,
    required: boolean,
    input: boolean,
    depth = 0,
  ): void => {
    const resolved = resolve(schema);
    if (!isRecord(resolved) || depth > 12) return;
    surface.set(
      place,
      `${describeType(resolved)}${required ? ", required" : ""}${input ? " input" : ""}`,
    );
    const requiredNames = Array.isArray(resolved.required) ? resolved.required : [];
    if (isRecord(resolved.properties)) {
      for (const [name, property] of Object.entries(resolved.properties)) {
        walk(property, `${place}.${name}`, requiredNames.includes(name), input, depth + 1);
      }
    }
    for (const keyword of ["oneOf", "anyOf", "allOf"] as const) {
      const parts = resolved[keyword];
      if (!Array.isArray(parts)) continue;
      parts.forEach((part, index) =>
        walk(part, `${place}.${keyword}[${index}]`, false, input, depth + 1),
      );
    }
    if (resolved.items !== undefined) walk(resolved.items, `${place}[]`, false, input, depth + 1);
  };
  const paths = isRecord(document.paths) ? document.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolve(rawItem);
    if (!isRecord(item)) continue;
    for (const [method, rawOperation] of Object.entries(item)) {
      const operation = resolve(rawOperation);
      if (!isRecord(operation) || !("responses" in operation)) continue;
      const at = `${method.toUpperCase()} ${path}`;
      const parameters = [
        ...(Array.isArray(item.parameters) ? item.parameters : []),
        ...(Array.isArray(operation.parameters) ? operation.parameters : []),
      ];
      for (const rawParameter of parameters) {
        const parameter = resolve(rawParameter);
        if (!isRecord(parameter)) continue;
        const place = `${at} ${String(parameter.in)} ${String(parameter.name)}`;
        walk(parameter.schema, place, parameter.required === true, true);
      }
      const body = resolve(operation.requestBody);
      if (isRecord(body) && isRecord(body.content)) {
        for (const [mediaType, media] of Object.entries(body.content)) {
          if (isRecord(media))
            walk(media.schema, `${at} body (${mediaType})`, body.required === true, true);
        }
      }
      if (!isRecord(operation.responses)) continue;
      for (const [status, rawResponse] of Object.entries(operation.responses)) {
        const response = resolve(rawResponse);
        if (!isRecord(response) || !isRecord(response.content)) continue;
        for (const [mediaType, media] of Object.entries(response.content)) {
          if (isRecord(media)) walk(media.schema, `${at} ${status} (${mediaType})`, false, false);
        }
      }
    }
  }
  return surface;
}

function describeType(schema: Record<string, unknown>): string {
  if (schema.const !== undefined) return `const ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum)) return `enum ${JSON.stringify(schema.enum)}`;
  const type = Array.isArray(schema.type) ? schema.type.join("|") : String(schema.type ?? "any");
  return type;
}
