import { describe, expect, it } from "vitest";
import { formVendor } from "./bindings.test-helper.js";
import { checkFault, statusFaultAnswer, truncatedJson } from "./faults.js";

describe("statusFaultAnswer", () => {
  const { errors } = formVendor;

  it("prefers the spec's answers when the status matches", () => {
    expect(statusFaultAnswer({ status: 401 }, errors)).toMatchObject(errors.badCredentials);
    expect(statusFaultAnswer({ status: 403 }, errors)).toMatchObject({
      ...errors.badCredentials,
      status: 403,
    });
    expect(statusFaultAnswer({ status: 422 }, errors)).toMatchObject(errors.badRequest);
  });

  it("else a generic { error }, Retry-After when asked, a given body as is", () => {
    expect(statusFaultAnswer({ status: 429, retryAfter: 3 }, errors)).toEqual({
      status: 429,
      contentType: "application/json",
      body: { error: "too_many_requests" },
      headers: { "retry-after": "3" },
    });
    expect(statusFaultAnswer({ status: 502, body: "down" }, errors)).toMatchObject({
      contentType: "text/plain; charset=utf-8",
      body: "down",
    });
  });
});

describe("truncatedJson", () => {
  it.each([{ access_token: "abc", expires_in: 5 }, {}, null, 5, "x"])("%o never parses", (v) => {
    expect(() => JSON.parse(truncatedJson(v))).toThrow();
  });
});

describe("checkFault", () => {
  it("accepts every documented mode", () => {
    for (const fault of [
      "drop",
      "malformed-json",
      "no-token",
      { latencyMs: 0 },
      { status: 503, retryAfter: 0 },
    ] as const)
      expect(() => checkFault(fault)).not.toThrow();
    expect(() => checkFault({ status: 429.5 })).toThrow(RangeError);
    expect(() => checkFault({ status: 429, retryAfter: 1.5 })).toThrow(RangeError);
  });
});
