import { describe, expect, it } from "vitest";
import { normalizeExpiry, type ExpiryEncoding } from "../expiry.js";
import { decodeJwtClaims } from "../jwt.js";
import { jsonVendor, multipartVendor } from "./bindings.test-helper.js";
import {
  deletePointer,
  encodeExpiry,
  issueJwt,
  requestedLifetime,
  signJwt,
  tokenBody,
  verifyJwt,
  writePointer,
  type EncodingChoices,
} from "./issue-token.js";

const NOW = 1_700_000_000_000;
const choices: EncodingChoices = { epochUnit: "ms", autoExpiry: "absolute" };

describe("encodeExpiry", () => {
  it.each<[ExpiryEncoding, Partial<EncodingChoices> | undefined]>([
    ["seconds", undefined],
    ["epoch-seconds", undefined],
    ["epoch-ms", undefined],
    ["epoch-auto", undefined],
    ["epoch-auto", { epochUnit: "s" }],
    ["auto", undefined],
    ["auto", { autoExpiry: "relative" }],
    ["iso", undefined],
  ])("%s (%o) reads back through normalizeExpiry as the same instant", (as, extra) => {
    const value = encodeExpiry(as, NOW, 1234, { ...choices, ...extra });
    const result = normalizeExpiry({
      rules: [{ from: "/e", as }],
      response: { e: value },
      credentials: {},
      now: NOW,
      defaultLifetimeMs: 1,
      maxLifetimeMs: 1e12,
    });
    expect(result).toMatchObject({ ok: true, expiresAt: NOW + 1_234_000 });
  });

  it("writes the documented shapes", () => {
    expect(encodeExpiry("auto", NOW, 60, choices)).toBe(NOW / 1000 + 60);
    expect(encodeExpiry("epoch-auto", NOW, 60, choices)).toBe(NOW + 60_000);
    expect(encodeExpiry("iso", NOW, 60, choices)).toBe("2023-11-14T22:14:20.000Z");
    expect(encodeExpiry("jwt-exp", NOW, 60, choices)).toBeUndefined();
  });
});

describe("requestedLifetime", () => {
  it("reads a value the client sent in the rule's encoding", () => {
    expect(requestedLifetime(120, "seconds", NOW)).toBe(120);
    expect(requestedLifetime(NOW / 1000 + 30, "epoch-seconds", NOW)).toBe(30);
    expect(requestedLifetime(NOW + 30_000, "epoch-auto", NOW)).toBe(30);
    expect(requestedLifetime(new Date(NOW + 5000).toISOString(), "iso", NOW)).toBe(5);
    // Read as the client reads it: a numeric string is a number, an ISO time needs a zone.
    expect(requestedLifetime("120", "seconds", NOW)).toBe(120);
    for (const bad of [0, -1, Number.NaN, "", "soon", null]) {
      expect(requestedLifetime(bad, "seconds", NOW)).toBeUndefined();
    }
    const noZone = new Date(NOW + 5000).toISOString().slice(0, -1);
    expect(requestedLifetime(noZone, "iso", NOW)).toBeUndefined();
  });
});

describe("JWTs", () => {
  it("are HS256 with the sandbox claims, verified only with the same secret", () => {
    const { token, expiresAtMs } = issueJwt("access", "sub-1", NOW + 999, 60, "k");
    expect(expiresAtMs).toBe(NOW + 60_999);
    const claims = decodeJwtClaims(token);
    expect(claims).toMatchObject({ sub: "sub-1", iat: NOW / 1000, exp: NOW / 1000 + 60 });
    expect(claims!["token_type"]).toBe("access");
    expect(JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString())).toEqual({
      alg: "HS256",
      typ: "JWT",
    });
    expect(verifyJwt(token, "k")).toEqual(claims);
    expect(verifyJwt(token, "other")).toBeNull();
    const [h, p, s] = token.split(".") as [string, string, string];
    expect(verifyJwt(`${h}.${p}.${s.slice(0, -1)}${s.endsWith("A") ? "B" : "A"}`, "k")).toBeNull();
    expect(verifyJwt(`${h}.${p}`, "k")).toBeNull();
    expect(verifyJwt("", "k")).toBeNull();
    const odd = signJwt({ sub: 1 } as never, "k");
    expect(verifyJwt(odd, "k")).toBeNull();
  });

  it("get a fresh jti each time", () => {
    const a = decodeJwtClaims(issueJwt("refresh", "s", NOW, 60, "k").token);
    const b = decodeJwtClaims(issueJwt("refresh", "s", NOW, 60, "k").token);
    expect(a!["jti"]).not.toBe(b!["jti"]);
  });
});

describe("tokenBody", () => {
  const base = {
    accessToken: "AT",
    nowMs: NOW,
    lifetimeSeconds: 60,
    choices,
    omit: [] as string[],
  };

  it("fills the example at the binding's pointers, without touching the example", () => {
    const example = jsonVendor.token.success.example;
    const before = structuredClone(example);
    const body = tokenBody({ ...base, auth: jsonVendor.auth, example, onlyDocumented: false });
    expect(body).toEqual({
      access_token: "AT",
      token_type: "Bearer",
      expires_in: 60,
      expires_at: NOW / 1000 + 60,
    });
    expect(example).toEqual(before);
  });

  it("a refresh answer gets only the documented fields; omit deletes", () => {
    const body = tokenBody({
      ...base,
      auth: jsonVendor.auth,
      example: { access_token: "", expires_in: 1, extra: { keep: true } },
      onlyDocumented: true,
      omit: ["/extra/keep"],
    });
    expect(body).toEqual({ access_token: "AT", expires_in: 60, extra: {} });
    const withRefresh = tokenBody({
      ...base,
      auth: multipartVendor.auth,
      example: null,
      refreshToken: "RT",
      onlyDocumented: false,
    });
    expect(withRefresh).toEqual({ access_token: "AT", refresh_token: "RT" });
  });
});

describe("pointers", () => {
  it("write creates the path, escapes decode, and __proto__ stays an own member", () => {
    expect(writePointer({}, "/a/b~1c/d~0e", 1)).toEqual({ a: { "b/c": { "d~e": 1 } } });
    expect(writePointer({ a: [0, 1] }, "/a/1", "x")).toEqual({ a: [0, "x"] });
    expect(writePointer(null, "/t", 1)).toEqual({ t: 1 });
    expect(writePointer({}, "", 5)).toBe(5);
    const polluted = writePointer({}, "/__proto__/x", 1) as Record<string, unknown>;
    expect(Object.hasOwn(polluted, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
  });

  it("delete removes members and array items, and ignores what is absent", () => {
    expect(deletePointer({ a: { b: 1, c: 2 } }, "/a/b")).toEqual({ a: { c: 2 } });
    expect(deletePointer({ a: [1, 2] }, "/a/0")).toEqual({ a: [2] });
    expect(deletePointer({ a: 1 }, "/x/y")).toEqual({ a: 1 });
    expect(deletePointer({ a: 1 }, "/a")).toEqual({});
  });
});
