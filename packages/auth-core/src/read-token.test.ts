import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import type { AccessToken } from "./access-token.js";
import type { AuthBinding } from "./binding.js";
import { TokenResponseError } from "./errors.js";
import { DEFAULT_LIFETIME_SECONDS, MAX_LIFETIME_MS, readAccessToken } from "./read-token.js";
import {
  HOUR,
  MINUTE,
  T0,
  acmeHeader,
  acmeJson,
  acmeMultipart,
  jwt,
} from "./test-server.test-helper.js";

const context = { vendor: "Acme", operation: "createToken", attempts: 1, status: 200 };

function read(
  binding: AuthBinding,
  body: unknown,
  extra: { previous?: AccessToken; now?: number; credentials?: Record<string, unknown> } = {},
): AccessToken {
  return readAccessToken(binding, body, {
    credentials: extra.credentials ?? {},
    now: extra.now ?? T0,
    context,
    previous: extra.previous,
  });
}

function readError(binding: AuthBinding, body: unknown): TokenResponseError {
  try {
    read(binding, body);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenResponseError);
    return error as TokenResponseError;
  }
  throw new Error("expected a TokenResponseError");
}

function withToken(binding: AuthBinding, token: Partial<AuthBinding["token"]>): AuthBinding {
  return { ...binding, token: { ...binding.token, ...token } };
}

describe("readAccessToken", () => {
  it("reads token, type, expiry and keeps the raw body", () => {
    const body = { access_token: "tok-1", token_type: "Bearer", expires_in: 3600 };
    const token = read(acmeJson, body);
    expect(token).toEqual({
      accessToken: "tok-1",
      tokenType: "Bearer",
      expiresAt: T0 + HOUR,
      obtainedAt: T0,
      raw: body,
    });
    expect(token.raw).toBe(body);
  });

  it("reads a nested pointer", () => {
    const token = read(acmeHeader, { data: { token: "tok-n", expiresAt: T0 + 10 * MINUTE } });
    expect(token.accessToken).toBe("tok-n");
    expect(token.expiresAt).toBe(T0 + 10 * MINUTE);
  });

  it.each([
    ["no token", { expires_in: 60 }],
    ["an empty token", { access_token: "", expires_in: 60 }],
    ["a numeric token", { access_token: 42, expires_in: 60 }],
    ["a null body", null],
    ["an array body", ["tok"]],
  ])("rejects a response with %s", (_name, body) => {
    const error = readError(acmeJson, body);
    expect(error.message).toBe(
      "Acme createToken: the response has no access token at /access_token",
    );
    expect(error.status).toBe(200);
    expect(error.vendor).toBe("Acme");
    expect(error.operation).toBe("createToken");
  });

  it("token type: a literal", () => {
    expect(read(acmeMultipart, { access_token: "t", token_type: "MAC" }).tokenType).toBe("Bearer");
  });

  it("token type: from a pointer", () => {
    expect(read(acmeJson, { access_token: "t", token_type: "bearer" }).tokenType).toBe("bearer");
    expect(read(acmeJson, { access_token: "t", token_type: "DPoP" }).tokenType).toBe("DPoP");
  });

  it("token type: the fallback when the pointer finds nothing usable", () => {
    for (const token_type of [undefined, "", 7, null]) {
      expect(read(acmeJson, { access_token: "t", token_type }).tokenType).toBe("Bearer");
    }
    const custom = withToken(acmeJson, { tokenType: { from: "/type", fallback: "Token" } });
    expect(read(custom, { access_token: "t" }).tokenType).toBe("Token");
  });

  it("rejects a token that had already expired on arrival", () => {
    const binding = withToken(acmeJson, { expiry: [{ from: "/expires_at", as: "epoch-seconds" }] });
    const error = readError(binding, { access_token: "t", expires_at: T0 / 1000 - 1 });
    expect(error.message).toBe(
      "Acme createToken: the token had already expired on arrival (/expires_at as epoch-seconds)",
    );
    expect(error.status).toBe(200);
    expect(readError(acmeMultipart, { access_token: jwt({ exp: T0 / 1000 }) }).message).toContain(
      "already expired on arrival",
    );
  });

  it("applies the binding's default lifetime, else DEFAULT_LIFETIME_SECONDS", () => {
    expect(read(acmeJson, { access_token: "t" }).expiresAt).toBe(
      T0 + DEFAULT_LIFETIME_SECONDS * 1000,
    );
    expect(read(acmeMultipart, { access_token: "not-a-jwt" }).expiresAt).toBe(T0 + 900_000);
  });

  it("clamps an expiry farther than MAX_LIFETIME_MS", () => {
    expect(read(acmeJson, { access_token: "t", expires_in: 10 * 365 * 86_400 }).expiresAt).toBe(
      T0 + MAX_LIFETIME_MS,
    );
  });

  it("reads a refresh token and its JWT expiry", () => {
    const access = jwt({ exp: T0 / 1000 + 3600 });
    const refresh = jwt({ exp: T0 / 1000 + 86_400 });
    const token = read(acmeMultipart, { access_token: access, refresh_token: refresh });
    expect(token.accessToken).toBe(access);
    expect(token.expiresAt).toBe(T0 + HOUR);
    expect(token.refreshToken).toBe(refresh);
    expect(token.refreshTokenExpiresAt).toBe(T0 + 24 * HOUR);
  });

  it("a refresh token without a readable expiry is assumed good for a year", () => {
    const token = read(acmeMultipart, {
      access_token: jwt({ exp: T0 / 1000 + 3600 }),
      refresh_token: "opaque-refresh",
    });
    expect(token.refreshToken).toBe("opaque-refresh");
    expect(token.refreshTokenExpiresAt).toBe(T0 + MAX_LIFETIME_MS);
  });

  it("a refresh token without an expiry rule has no refreshTokenExpiresAt", () => {
    const binding = withToken(acmeMultipart, { refreshToken: { from: "/refresh_token" } });
    const token = read(binding, { access_token: jwt({ exp: T0 / 1000 + 60 }), refresh_token: "r" });
    expect(token.refreshToken).toBe("r");
    expect("refreshTokenExpiresAt" in token).toBe(false);
  });

  it("ignores a refresh token where the binding declares none", () => {
    const token = read(acmeJson, { access_token: "t", refresh_token: "r" });
    expect("refreshToken" in token).toBe(false);
  });

  it("keeps the previous refresh token when a refresh response has none", () => {
    const previous = read(acmeMultipart, {
      access_token: jwt({ exp: T0 / 1000 + 3600 }),
      refresh_token: jwt({ exp: T0 / 1000 + 86_400 }),
    });
    const access2 = jwt({ exp: T0 / 1000 + 7200 });
    const renewed = read(
      acmeMultipart,
      { access_token: access2 },
      { previous, now: T0 + HOUR / 2 },
    );
    expect(renewed.accessToken).toBe(access2);
    expect(renewed.obtainedAt).toBe(T0 + HOUR / 2);
    expect(renewed.refreshToken).toBe(previous.refreshToken);
    expect(renewed.refreshTokenExpiresAt).toBe(T0 + 24 * HOUR);
  });

  it("takes a new refresh token over the previous one", () => {
    const previous = read(acmeMultipart, {
      access_token: jwt({ exp: T0 / 1000 + 3600 }),
      refresh_token: jwt({ exp: T0 / 1000 + 86_400, n: 1 }),
    });
    const refresh2 = jwt({ exp: T0 / 1000 + 2 * 86_400, n: 2 });
    const renewed = read(
      acmeMultipart,
      { access_token: jwt({ exp: T0 / 1000 + 7200 }), refresh_token: refresh2 },
      { previous },
    );
    expect(renewed.refreshToken).toBe(refresh2);
    expect(renewed.refreshTokenExpiresAt).toBe(T0 + 48 * HOUR);
  });

  it("reads expiry from credentials when the binding says so", () => {
    const binding = withToken(acmeJson, {
      expiry: [
        { from: "/expires_in", as: "seconds" },
        { from: "credentials.expiresIn", as: "seconds" },
      ],
    });
    const token = read(binding, { access_token: "t" }, { credentials: { expiresIn: 120 } });
    expect(token.expiresAt).toBe(T0 + 120_000);
  });

  it("hides the token from util.inspect but not from JSON", () => {
    const token = read(acmeJson, { access_token: "tok-SECRET", expires_in: 60 });
    expect(inspect(token, { depth: 10 })).not.toContain("tok-SECRET");
    expect(JSON.stringify(token)).toContain("tok-SECRET");
  });
});
