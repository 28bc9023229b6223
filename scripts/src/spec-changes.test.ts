import { describe, expect, it } from "vitest";
import { compareSpecs } from "./spec-changes.js";

/** A tiny spec: one token operation with a form body and a JSON response. */
function spec(edit: (document: any) => void = () => {}): unknown {
  const document = {
    openapi: "3.1.0",
    info: { title: "t", version: "1", description: "before" },
    paths: {
      "/token": {
        post: {
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  required: ["client_id"],
                  properties: { client_id: { type: "string" }, scope: { type: "string" } },
                },
              },
            },
          },
          responses: {
            "200": {
              description: "ok",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Token" } } },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Token: {
          type: "object",
          required: ["access_token"],
          properties: { access_token: { type: "string" }, expires_in: { type: "integer" } },
        },
      },
    },
  };
  edit(document);
  return document;
}
const tokenSchema = (d: any): any => d.components.schemas.Token;
const formSchema = (d: any): any =>
  d.paths["/token"].post.requestBody.content["application/x-www-form-urlencoded"].schema;

type Edit = (document: any) => void;
const CASES: Array<[string, Edit, "patch" | "minor" | "major"]> = [
  ["a description only", (d) => void (d.info.description = "after"), "patch"],
  [
    "an example only",
    (d) => void (tokenSchema(d).properties.expires_in.examples = [3600]),
    "patch",
  ],
  [
    "a new optional response field",
    (d) => void (tokenSchema(d).properties.scope = { type: "string" }),
    "minor",
  ],
  [
    "a new optional input",
    (d) => void (formSchema(d).properties.audience = { type: "string" }),
    "minor",
  ],
  [
    "a new required input",
    (d) => {
      formSchema(d).properties.tenant = { type: "string" };
      formSchema(d).required.push("tenant");
    },
    "major",
  ],
  ["a removed response field", (d) => void delete tokenSchema(d).properties.expires_in, "major"],
  ["a changed type", (d) => void (tokenSchema(d).properties.expires_in.type = "string"), "major"],
  ["an input made required", (d) => void formSchema(d).required.push("scope"), "major"],
];

describe("compareSpecs: the semver of a spec change", () => {
  it.each(CASES)("%s → %s", (_label, edit, bump) => {
    expect(compareSpecs(spec(), spec(edit)).bump).toBe(bump);
  });

  it("names what changed", () => {
    const changes = compareSpecs(
      spec(),
      spec((d) => {
        tokenSchema(d).properties.scope = { type: "string" };
        tokenSchema(d).properties.expires_in.type = "string";
        delete formSchema(d).properties.scope;
      }),
    );
    expect(changes.added).toEqual(["POST /token 200 (application/json).scope"]);
    expect(changes.changed).toEqual([
      "POST /token 200 (application/json).expires_in: integer → string",
    ]);
    expect(changes.removed).toEqual(["POST /token body (application/x-www-form-urlencoded).scope"]);
  });
});
