import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeJwtClaims } from "./jwt.js";

/** base64url without padding, via web APIs only (the module under test must not need Buffer). */
function base64url(text: string): string {
  const binary = Array.from(new TextEncoder().encode(text), (b) => String.fromCharCode(b)).join("");
  return latin1ToBase64url(binary);
}

/** Encodes raw bytes given as a binary (Latin-1) string. */
function latin1ToBase64url(binary: string): string {
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function jwt(payload: unknown, header: unknown = { alg: "HS256", typ: "JWT" }): string {
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.c2lnbmF0dXJl`;
}

const HEADER = base64url('{"alg":"none"}');

describe("decodeJwtClaims", () => {
  it("decodes payload claims", () => {
    expect(decodeJwtClaims(jwt({ sub: "abc", exp: 1_777_657_168 }))).toEqual({
      sub: "abc",
      exp: 1_777_657_168,
    });
  });

  it("decodes a well-known RFC 7519 example token", () => {
    const token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" +
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
      ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    expect(decodeJwtClaims(token)).toEqual({
      iss: "joe",
      exp: 1300819380,
      "http://example.com/is_root": true,
    });
  });

  it("handles base64url '-' and '_' characters", () => {
    // "??>" encodes to "Pz8-" and "???" to "Pz8_" in base64url ("Pz8+" / "Pz8/" in base64).
    const payload = { a: "??>", b: "???", c: "ÿÿÿ" };
    const encoded = base64url(JSON.stringify(payload));
    expect(encoded).toMatch(/[-_]/);
    expect(decodeJwtClaims(`${HEADER}.${encoded}.`)).toEqual(payload);
  });

  it.each([0, 1, 2, 3])("accepts unpadded and padded segments (payload length mod 3 = %i)", (n) => {
    const payload = { k: "x".repeat(n) };
    const unpadded = base64url(JSON.stringify(payload));
    const padded = unpadded.padEnd(Math.ceil(unpadded.length / 4) * 4, "=");
    expect(decodeJwtClaims(`${HEADER}.${unpadded}.sig`)).toEqual(payload);
    expect(decodeJwtClaims(`${HEADER}.${padded}.sig`)).toEqual(payload);
  });

  it("decodes unicode claims (multi-byte UTF-8)", () => {
    const payload = { name: "Zoë 日本 🔑", exp: 1 };
    expect(decodeJwtClaims(jwt(payload))).toEqual(payload);
  });

  it("accepts an unsecured JWT with an empty signature", () => {
    expect(decodeJwtClaims(`${HEADER}.${base64url('{"exp":1}')}.`)).toEqual({ exp: 1 });
  });

  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a number", 42],
    ["an object", { exp: 1 }],
    ["an empty string", ""],
    ["a random string", "not-a-jwt"],
    ["two segments", `${HEADER}.${base64url('{"exp":1}')}`],
    ["four segments", `${HEADER}.${base64url('{"exp":1}')}.sig.extra`],
    ["five segments (JWE)", "a.b.c.d.e"],
    ["empty payload", `${HEADER}..sig`],
    ["empty header", `.${base64url('{"exp":1}')}.sig`],
    ["standard base64 '+' in payload", `${HEADER}.${base64url('{"a":"??>"}').replace("-", "+")}.s`],
    ["standard base64 '/' in payload", `${HEADER}.${base64url('{"a":"???"}').replace("_", "/")}.s`],
    ["whitespace in payload", `${HEADER}.${base64url('{"exp":1}')} .sig`],
    ["impossible length (4n+1)", `${HEADER}.${base64url('{"exp":1}')}A.sig`],
    ["payload not JSON", `${HEADER}.${base64url("hello")}.sig`],
    ["payload JSON array", `${HEADER}.${base64url("[1,2]")}.sig`],
    ["payload JSON null", `${HEADER}.${base64url("null")}.sig`],
    ["payload JSON number", `${HEADER}.${base64url("123")}.sig`],
    ["payload JSON string", `${HEADER}.${base64url('"exp"')}.sig`],
    ["header not JSON", `${base64url("x")}.${base64url('{"exp":1}')}.sig`],
    ["header JSON array", `${base64url("[]")}.${base64url('{"exp":1}')}.sig`],
    ["signature with invalid characters", `${HEADER}.${base64url('{"exp":1}')}.s!g`],
    ["invalid UTF-8 payload", `${HEADER}.${latin1ToBase64url("\xff\xfe{}")}.sig`],
    ["too much padding", `${HEADER}.${base64url('{"exp":1}')}===.sig`],
  ])("returns undefined for %s", (_label, token) => {
    expect(decodeJwtClaims(token)).toBeUndefined();
  });

  it("never throws and never returns the token itself (property)", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_=-]{0,40}$/);
    const candidate = fc.oneof(
      fc.anything(),
      fc.string(),
      fc.tuple(segment, segment, segment).map((parts) => parts.join(".")),
    );
    fc.assert(
      fc.property(candidate, (token) => {
        const claims = decodeJwtClaims(token);
        if (claims === undefined) return;
        expect(typeof claims === "object" && !Array.isArray(claims)).toBe(true);
        expect(claims).not.toBe(token);
        expect(Object.values(claims)).not.toContain(token);
      }),
    );
  });

  it("round-trips any JSON object payload (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (payload) => {
        const normalized: unknown = JSON.parse(JSON.stringify(payload));
        expect(decodeJwtClaims(jwt(payload))).toEqual(normalized);
      }),
    );
  });
});
