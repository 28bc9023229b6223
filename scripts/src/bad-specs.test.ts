import { afterEach, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import { generate } from "./generate.js";
import { SpecError } from "./spec-problem.js";
import {
  acmeSpec,
  createTempWorkspace,
  realSpec,
  type TempWorkspace,
} from "./temp-workspace.test-helper.js";

let workspace: TempWorkspace | undefined;
afterEach(async () => {
  await workspace?.remove();
  workspace = undefined;
});

async function problemsFor(specText: string, file = "acme.yaml"): Promise<string[]> {
  workspace = await createTempWorkspace({ [file]: specText });
  const error = await generate({ root: workspace.root }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SpecError);
  // Nothing at all is written for a bad spec.
  expect(await readdir(workspace.root)).not.toContain("packages");
  return (error as SpecError).message.split("\n");
}

describe("a bad spec gets one line per problem, with file, line and JSON pointer", () => {
  it.each([
    {
      case: "unknown response field",
      edit: (d: any) => (d["x-tokenyard"].token.expiry[0].from = "/expiresat"),
      expected:
        /^specs\/acme\.yaml:\d+ #\/x-tokenyard\/token\/expiry\/0\/from: unknown field "expiresat" in response schema \(\/components\/schemas\/Token\); it has: token, ttl, valid_until$/,
    },
    {
      case: "unknown nested response field",
      edit: (d: any) => (d["x-tokenyard"].token.accessToken = "/token/val"),
      expected:
        /#\/x-tokenyard\/token\/accessToken: unknown field "val" in response schema .*it has: value, kind$/,
    },
    {
      case: "unknown operation",
      edit: (d: any) => (d["x-tokenyard"].token.operation = "getToken"),
      expected:
        /#\/x-tokenyard\/token\/operation: unknown operation "getToken"; the spec has: issueToken$/,
    },
    {
      case: "wrong expiry kind",
      edit: (d: any) => (d["x-tokenyard"].token.expiry[1].as = "minutes"),
      expected:
        /#\/x-tokenyard\/token\/expiry\/1\/as: must be one of "seconds", "epoch-seconds", .*"jwt-exp"$/,
    },
    {
      case: "no expiry rule at all",
      edit: (d: any) => (d["x-tokenyard"].token.expiry = []),
      expected: /#\/x-tokenyard\/token\/expiry: .*(fewer than 1|at least 1|empty)/i,
    },
    {
      case: "an expiry source that is neither a pointer nor a credential",
      edit: (d: any) => (d["x-tokenyard"].token.expiry[0].from = "ttl"),
      expected:
        /#\/x-tokenyard\/token\/expiry\/0\/from: "ttl" is not a JSON pointer into the response \(such as \/expires_in\), or credentials\.<name> for a value the app sent$/,
    },
    {
      case: "a name that is not PascalCase",
      edit: (d: any) => (d["x-tokenyard"].name = "acme"),
      expected: /#\/x-tokenyard\/name: "acme" is not a PascalCase brand name/,
    },
    {
      case: "unknown key in x-tokenyard",
      edit: (d: any) => (d["x-tokenyard"].token.expiresAt = "/ttl"),
      expected: /#\/x-tokenyard\/token\/expiresAt: unknown key "expiresAt"$/,
    },
    {
      case: "missing x-tokenyard key",
      edit: (d: any) => delete d["x-tokenyard"].token.accessToken,
      expected: /#\/x-tokenyard\/token\/accessToken: missing required key "accessToken"$/,
    },
    {
      case: "missing x-tokenyard",
      edit: (d: any) => delete d["x-tokenyard"],
      expected: /#\/x-tokenyard: missing x-tokenyard extension \(see specs\/README\.md\)$/,
    },
    {
      case: "expiry from an unknown credential",
      edit: (d: any) => (d["x-tokenyard"].token.expiry[2].from = "credentials.maxAgeSeconds"),
      expected:
        /#\/x-tokenyard\/token\/expiry\/2\/from: unknown credential "maxAgeSeconds"; the token operation's inputs give: tenantId, clientId, clientSecret, audience, maxAge$/,
    },
    {
      case: "two servers with one name",
      edit: (d: any) => (d.servers[1].description = "production"),
      expected: /#\/servers\/1\/description: two servers are named "production"$/,
    },
    {
      case: "server URL without a host (Manis' https:/)",
      edit: (d: any) => (d.servers[0].url = "https:/"),
      expected: /#\/servers\/0\/url: "https:\/" is not an absolute http\(s\) URL with a host$/,
    },
    {
      case: "a $ref that goes nowhere",
      edit: (d: any) =>
        (d.paths["/oauth/token"].post.responses["200"].content["application/json"].schema.$ref =
          "#/components/schemas/Tokn"),
      expected:
        /#\/paths\/~1oauth~1token\/post\/responses\/200\/content\/application~1json\/schema\/\$ref: \$ref "#\/components\/schemas\/Tokn" points nowhere$/,
    },
    {
      case: "an OpenAPI 3.0 document",
      edit: (d: any) => (d.openapi = "3.0.3"),
      expected: /#\/openapi: expected an OpenAPI 3\.1\.x document, found "3\.0\.3"$/,
    },
    {
      case: "two request media types",
      edit: (d: any) =>
        (d.paths["/oauth/token"].post.requestBody.content["application/json"] = {
          schema: { type: "object" },
        }),
      expected:
        /#\/paths\/~1oauth~1token\/post\/requestBody\/content: expected exactly one of application\/json, .*found application\/x-www-form-urlencoded, application\/json$/,
    },
    {
      case: "a credential type that cannot be sent",
      edit: (d: any) => {
        const schema =
          d.paths["/oauth/token"].post.requestBody.content["application/x-www-form-urlencoded"]
            .schema;
        schema.properties.client_id = { type: "object" };
      },
      expected: /properties\/client_id: input "client_id" has a type tokenyard cannot send/,
    },
    {
      case: "a 2xx response that is not JSON",
      edit: (d: any) => {
        d.paths["/oauth/token"].post.responses["200"].content = {
          "text/plain": { schema: { type: "string" } },
        };
      },
      expected:
        /#\/paths\/~1oauth~1token\/post\/responses\/200\/content: the 200 response must have an application\/json body$/,
    },
    {
      case: "a refresh that sends the bearer token to an operation without bearer security",
      edit: (d: any) => {
        d.paths["/oauth/refresh"] = {
          post: {
            operationId: "refreshToken",
            responses: d.paths["/oauth/token"].post.responses,
          },
        };
        d["x-tokenyard"].refresh = {
          operation: "refreshToken",
          sends: {},
          authorization: "current-access-token",
        };
      },
      expected:
        /#\/x-tokenyard\/refresh\/authorization: sends the current access token as a bearer token, but operation refreshToken declares no http bearer security/,
    },
    {
      case: "refresh sending an input the operation does not have",
      edit: (d: any) => {
        d["x-tokenyard"].refresh = { operation: "issueToken", sends: { refresh: "refreshToken" } };
      },
      expected:
        /#\/x-tokenyard\/refresh\/sends\/refresh: "refresh" is not an input of operation issueToken$/,
    },
  ])("$case", async ({ edit, expected }) => {
    const lines = await problemsFor(await acmeSpec(edit));
    expect(
      lines.some((line) => expected.test(line)),
      lines.join("\n"),
    ).toBe(true);
  });

  it("reports a YAML syntax error with its line", async () => {
    const text = (await acmeSpec()).replace("  title: Acme identity", "  title: [Acme identity");
    const lines = await problemsFor(text);
    expect(lines[0]).toMatch(/^specs\/acme\.yaml:\d+ #: YAML syntax error: /);
  });

  it("reports every problem of a spec in one run", async () => {
    const lines = await problemsFor(
      await acmeSpec((d) => {
        d["x-tokenyard"].token.accessToken = "/nope";
        d["x-tokenyard"].token.tokenType = "/nada";
        d.servers[1].description = "Production";
      }),
    );
    expect(lines).toHaveLength(3);
  });

  it("requires the spec's file name to match x-tokenyard.name", async () => {
    const lines = await problemsFor(await acmeSpec(), "acme-corp.yaml");
    expect(lines[0]).toMatch(
      /^specs\/acme-corp\.yaml:\d+ #\/x-tokenyard\/name: name "Acme" makes package @tokenyard\/acme-auth, so the spec must be named acme\.yaml$/,
    );
  });

  it("writes nothing for any vendor when one spec of several is bad", async () => {
    workspace = await createTempWorkspace({
      "wilson.yaml": await realSpec("wilson"),
      "acme.yaml": await acmeSpec((d) => (d["x-tokenyard"].token.operation = "nope")),
    });
    await expect(generate({ root: workspace.root })).rejects.toThrow(/unknown operation "nope"/);
    expect(await readdir(workspace.root)).not.toContain("packages");
  });
});
