import { describe, expect, it } from "vitest";
import type { SandboxOperation } from "./sandbox-binding.js";
import { decodeFields, parseContentType, validateRequest } from "./validate-request.js";

const operation: SandboxOperation = {
  operationId: "op",
  method: "post",
  path: "/t",
  inputs: [
    { wire: "X-Tenant", in: "header", required: true, type: "string" },
    { wire: "x-tags", in: "header", required: false, type: "string[]" },
    { wire: "verbose", in: "query", required: false, type: "boolean" },
    { wire: "limit", in: "query", required: true, type: "number", const: 10 },
  ],
  bearer: false,
  success: { status: 200, example: {} },
};

const request = (headers: Record<string, string>, query: string, body = "") => ({
  headers,
  query: new URLSearchParams(query),
  body: Buffer.from(body),
});

describe("validateRequest", () => {
  it("reads header and query inputs with their types", async () => {
    const result = await validateRequest(
      operation,
      request({ "x-tenant": "t1", "x-tags": "a, b" }, "limit=10&verbose=true"),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.fromEntries(result.values)).toEqual({
      "header:x-tenant": "t1",
      "header:x-tags": ["a", "b"],
      "query:verbose": true,
      "query:limit": 10,
    });
  });

  it.each([
    [{}, "limit=10", 'missing required header input "X-Tenant"'],
    [{ "x-tenant": "t" }, "limit=11", 'query input "limit" must be the documented constant'],
    [{ "x-tenant": "t" }, "limit=ten", 'query input "limit" is not a number'],
    [{ "x-tenant": "t" }, "limit=10&limit=10", 'query input "limit" sent more than once'],
    [{ "x-tenant": "t" }, "limit=10&verbose=yes", 'query input "verbose" is not a boolean'],
    [{ "x-tenant": "t" }, "limit=10&page=2", 'unknown query parameter "page"'],
  ])("%o ?%s → %s", async (headers, query, problem) => {
    expect(await validateRequest(operation, request(headers, query))).toMatchObject({
      ok: false,
      problem,
    });
  });

  it("refuses a body where the operation takes none", async () => {
    expect(
      await validateRequest(operation, request({ "x-tenant": "t" }, "limit=10", "x")),
    ).toMatchObject({ ok: false, problem: "this operation takes no body" });
  });

  it("checks JSON types strictly: numbers are numbers, arrays hold strings", async () => {
    const json: SandboxOperation = {
      ...operation,
      body: "json",
      inputs: [
        { wire: "n", in: "body", required: true, type: "number" },
        { wire: "b", in: "body", required: false, type: "boolean" },
        { wire: "l", in: "body", required: false, type: "string[]" },
      ],
    };
    const send = (body: unknown) =>
      validateRequest(
        json,
        request({ "content-type": "application/json" }, "", JSON.stringify(body)),
      );
    expect((await send({ n: 1, b: false, l: ["x"] })).ok).toBe(true);
    expect(await send({ n: "1" })).toMatchObject({ problem: 'body input "n" is not a number' });
    expect(await send({ n: 1, b: "true" })).toMatchObject({
      problem: 'body input "b" is not a boolean',
    });
    expect(await send({ n: 1, l: [1] })).toMatchObject({
      problem: 'body input "l" is not a string[]',
    });
    expect(await send({ n: 1, ["__proto__"]: 1 })).toMatchObject({
      problem: 'unknown body field "__proto__"',
    });
  });
});

describe("helpers", () => {
  it("parseContentType", () => {
    expect(parseContentType('Multipart/Form-Data; Boundary="ab c"')).toEqual({
      mediaType: "multipart/form-data",
      params: { boundary: "ab c" },
    });
    expect(parseContentType("nonsense")).toBeNull();
    expect(parseContentType(undefined)).toBeNull();
  });

  it("decodeFields decodes by the declared type, whatever the operation wants", async () => {
    expect(
      await decodeFields(
        request({ "content-type": "application/x-www-form-urlencoded" }, "", "a=1&a=2&b=3"),
      ),
    ).toEqual({ a: ["1", "2"], b: "3" });
    expect(await decodeFields(request({ "content-type": "application/json" }, "", "{"))).toBeNull();
    expect(await decodeFields(request({ "content-type": "text/plain" }, "", "hi"))).toBeNull();
    expect(await decodeFields(request({}, "", ""))).toBeNull();
  });
});
