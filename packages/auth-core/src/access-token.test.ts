import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { authorizationHeader, hideSecretsFromInspect, type AccessToken } from "./access-token.js";

describe("authorizationHeader", () => {
  it("spells any casing of bearer as Bearer", () => {
    for (const tokenType of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      expect(authorizationHeader({ tokenType, accessToken: "t" })).toBe("Bearer t");
    }
  });

  it("sends other schemes as the vendor names them", () => {
    expect(authorizationHeader({ tokenType: "Token", accessToken: "t" })).toBe("Token t");
    expect(authorizationHeader({ tokenType: "DPoP", accessToken: "t" })).toBe("DPoP t");
  });
});

describe("hideSecretsFromInspect", () => {
  const token = (): AccessToken<{ access_token: string }> => ({
    accessToken: "tok-SECRET-1",
    tokenType: "Bearer",
    expiresAt: Date.UTC(2026, 4, 1, 1),
    obtainedAt: Date.UTC(2026, 4, 1),
    refreshToken: "ref-SECRET-2",
    refreshTokenExpiresAt: Date.UTC(2026, 4, 2),
    raw: { access_token: "tok-SECRET-1" },
  });

  it("hides the token, refresh token and raw body from util.inspect", () => {
    const hidden = hideSecretsFromInspect(token());
    const shown = inspect(hidden, { depth: 10 });
    expect(shown).not.toContain("SECRET");
    expect(shown).toContain("[redacted]");
    expect(shown).toContain("2026-05-01T01:00:00.000Z");
    expect(shown).toContain("Bearer");
  });

  it("leaves JSON and the properties untouched", () => {
    const hidden = hideSecretsFromInspect(token());
    expect(JSON.parse(JSON.stringify(hidden))).toEqual(token());
    expect(hidden.accessToken).toBe("tok-SECRET-1");
    expect(Object.keys(hidden)).toEqual(Object.keys(token()));
  });

  it("is idempotent and returns the same object", () => {
    const original = token();
    expect(hideSecretsFromInspect(hideSecretsFromInspect(original))).toBe(original);
  });
});
