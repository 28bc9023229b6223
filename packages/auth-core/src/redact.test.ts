import { describe, expect, it } from "vitest";
import { redactSecrets, secretsOf } from "./redact.js";

describe("redactSecrets", () => {
  it("replaces every occurrence in a string", () => {
    expect(redactSecrets("a s3cret b s3cret", ["s3cret"])).toBe("a [redacted] b [redacted]");
  });

  it("redacts deeply: nested objects, arrays and keys", () => {
    const body = {
      detail: [
        {
          loc: ["body", "password"],
          msg: "bad value pw-123",
          input: { username: "alice", password: "pw-123", nested: [["pw-123"]] },
        },
      ],
      "pw-123": "key was a secret",
      "prefix_pw-123_suffix": 1,
    } as unknown;
    const redacted = redactSecrets(body, ["pw-123"]);
    expect(redacted).toEqual({
      detail: [
        {
          loc: ["body", "password"],
          msg: "bad value [redacted]",
          input: { username: "alice", password: "[redacted]", nested: [["[redacted]"]] },
        },
      ],
      "[redacted]": "key was a secret",
      "prefix_[redacted]_suffix": 1,
    });
    expect(JSON.stringify(redacted)).not.toContain("pw-123");
  });

  it("redacts several secrets and leaves numbers, booleans and null alone", () => {
    expect(redactSecrets({ a: "id-1:pw-2", n: 12, b: true, z: null }, ["id-1", "pw-2"])).toEqual({
      a: "[redacted]:[redacted]",
      n: 12,
      b: true,
      z: null,
    });
  });

  it("also redacts a secret URL-encoded, form-encoded or JSON-escaped", () => {
    const secret = 'p@ss w/rd&x=1+é"';
    const echoed = [
      `client_secret=${new URLSearchParams({ s: secret }).toString().slice(2)}`,
      `?s=${encodeURIComponent(secret)}`,
      `{"client_secret":${JSON.stringify(secret)}}`,
      secret,
    ];
    expect(redactSecrets(echoed, [secret])).toEqual([
      "client_secret=[redacted]",
      "?s=[redacted]",
      '{"client_secret":"[redacted]"}',
      "[redacted]",
    ]);
  });

  it("does not change the input", () => {
    const body = { password: "pw-123", list: ["pw-123"] };
    redactSecrets(body, ["pw-123"]);
    expect(body).toEqual({ password: "pw-123", list: ["pw-123"] });
  });

  it("ignores empty secrets and returns the value itself when there is nothing to hide", () => {
    const body = { a: "x" };
    expect(redactSecrets(body, [])).toBe(body);
    expect(redactSecrets(body, [""])).toBe(body);
    expect(redactSecrets("abc", ["", "b"])).toBe("a[redacted]c");
  });

  it("passes through undefined and primitives", () => {
    expect(redactSecrets(undefined, ["x"])).toBeUndefined();
    expect(redactSecrets(42, ["42"])).toBe(42);
  });
});

describe("secretsOf", () => {
  it("collects every string and every string in an array, not numbers or booleans", () => {
    expect(
      secretsOf({ id: "id-1", secret: "pw-2", resource: ["r1", "r2"], expiresIn: 60, on: true }),
    ).toEqual(["id-1", "pw-2", "r1", "r2"]);
  });

  it("is empty for no credentials", () => {
    expect(secretsOf({})).toEqual([]);
  });
});
