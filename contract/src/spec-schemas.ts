import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { REPO_ROOT } from "./prism.js";

type Json = Record<string, unknown>;

/** A spec (`specs/<vendor>.yaml`, relative to the repository root), parsed. */
export function readSpec(spec: string): Json {
  return parse(readFileSync(path.join(REPO_ROOT, spec), "utf8")) as Json;
}

/**
 * Validates bodies against a spec's response schemas with ajv (OpenAPI 3.1 schemas are JSON
 * Schema 2020-12): a maintained validator, not our own reading of the spec.
 */
export function responseValidator(
  spec: string,
): (operationId: string, status: number, body: unknown) => string[] {
  const document = readSpec(spec);
  // OpenAPI adds keywords JSON Schema does not know (example, discriminator…): not errors here.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats.default(ajv);
  ajv.addFormat("password", true);
  ajv.addSchema({ ...document, $id: "spec" });

  return (operationId, status, body) => {
    const { response, pointer } = findResponse(document, operationId, status);
    const content = (response.content ?? {}) as Json;
    const mediaType = Object.keys(content)[0];
    if (!mediaType) return [`${operationId} ${status}: the spec documents no body`];
    const schemaPointer = `${pointer}/content/${escape(mediaType)}/schema`;
    const validate =
      ajv.getSchema(`spec#${schemaPointer}`) ?? ajv.compile({ $ref: `spec#${schemaPointer}` });
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) => `${operationId} ${status}${error.instancePath} ${error.message}`,
    );
  };
}

function findResponse(
  document: Json,
  operationId: string,
  status: number,
): { response: Json; pointer: string } {
  for (const [pathName, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      if ((operation as Json).operationId !== operationId) continue;
      const responses = (operation as Json).responses as Json;
      const key = [String(status), `${String(status)[0]}XX`, "default"].find(
        (candidate) => candidate in responses,
      );
      if (!key) throw new Error(`${operationId} documents no ${status} response`);
      let pointer = `/paths/${escape(pathName)}/${method}/responses/${key}`;
      let response = responses[key] as Json;
      while (typeof response.$ref === "string") {
        pointer = response.$ref.slice(1);
        response = pointer
          .split("/")
          .slice(1)
          .reduce((node: any, part) => node[unescape(part)], document) as Json;
      }
      return { response, pointer };
    }
  }
  throw new Error(`no operation ${operationId}`);
}

const escape = (segment: string): string => segment.replaceAll("~", "~0").replaceAll("/", "~1");
const unescape = (segment: string): string => segment.replaceAll("~1", "/").replaceAll("~0", "~");
