import { describe, expect, it } from "vitest";
import { ConfigurationError } from "./errors.js";
import { resolveBaseUrl, resolveOptions } from "./options.js";
import { createTokenProvider } from "./provider.js";
import { createMemoryStore } from "./token-store.js";
import {
  ACME_CLIENT_ID,
  ACME_SECRET,
  acmeForm,
  acmeJson,
  acmeMultipart,
} from "./test-server.test-helper.js";

const credentials = { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET };

/** The ConfigurationError `fn` throws; fails the test when it throws anything else or nothing. */
function configError(fn: () => unknown): ConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError, nothing was thrown");
}

function resolveError(input: unknown, binding = acmeJson): ConfigurationError {
  return configError(() => resolveOptions(binding, input));
}

describe("resolveOptions: credentials", () => {
  it("accepts valid credentials and freezes them", () => {
    const resolved = resolveOptions(acmeJson, { credentials });
    expect(resolved.credentials).toEqual(credentials);
    expect(Object.isFrozen(resolved.credentials)).toBe(true);
  });

  it.each([
    ["no options", undefined, "options"],
    ["null options", null, "options"],
    ["array options", [], "options"],
    ["no credentials", {}, "credentials"],
    ["credentials not an object", { credentials: "x" }, "credentials"],
    ["credentials an array", { credentials: [ACME_SECRET] }, "credentials"],
    ["missing required", { credentials: { clientId: ACME_CLIENT_ID } }, "credentials.clientSecret"],
    [
      "required is null",
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: null } },
      "credentials.clientSecret",
    ],
    [
      "required is an empty string",
      { credentials: { clientId: "", clientSecret: ACME_SECRET } },
      "credentials.clientId",
    ],
    [
      "unknown credential",
      { credentials: { ...credentials, clientSecrett: ACME_SECRET } },
      "credentials.clientSecrett",
    ],
    [
      "string given a number",
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: 12345 } },
      "credentials.clientSecret",
    ],
    [
      "string given an array",
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: [ACME_SECRET] } },
      "credentials.clientSecret",
    ],
  ])("rejects %s", (_name, input, option) => {
    const error = resolveError(input);
    expect(error.option).toBe(option);
    expect(error.name).toBe("ConfigurationError");
    expect(error.message.startsWith(`${option}: `)).toBe(true);
    expect(error.message).not.toContain(ACME_SECRET);
  });

  it("names the expected credentials when they are missing", () => {
    expect(resolveError({}).message).toContain("clientId, clientSecret, scope");
    expect(resolveError({ credentials: { ...credentials, typo: 1 } }).message).toContain(
      "expected clientId, clientSecret, scope",
    );
  });

  it("says which type it expected and which it got, never the value", () => {
    const error = resolveError({ credentials: { clientId: ACME_CLIENT_ID, clientSecret: 4242 } });
    expect(error.message).toBe("credentials.clientSecret: expected string, got number");
    expect(error.message).not.toContain("4242");
  });

  it("skips an optional credential that is absent, null or empty", () => {
    for (const scope of [undefined, null, ""]) {
      const resolved = resolveOptions(acmeJson, { credentials: { ...credentials, scope } });
      expect(resolved.credentials).toEqual(credentials);
      expect(Object.hasOwn(resolved.credentials, "scope")).toBe(false);
    }
  });

  it("checks string[], number and boolean credentials", () => {
    const base = { clientId: "id", clientSecret: ACME_SECRET };
    const ok = resolveOptions(acmeForm, {
      baseUrl: "https://acme.example",
      credentials: { ...base, resource: ["a", "b"], expiresIn: 0, verbose: false },
    });
    expect(ok.credentials).toEqual({ ...base, resource: ["a", "b"], expiresIn: 0, verbose: false });
    expect(Object.isFrozen(ok.credentials.resource)).toBe(true);

    const bad: [Record<string, unknown>, string, string][] = [
      [{ resource: "a" }, "credentials.resource", "expected string[], got string"],
      [{ resource: ["a", 1] }, "credentials.resource", "expected string[], got an array"],
      [{ expiresIn: "60" }, "credentials.expiresIn", "expected number, got string"],
      [{ expiresIn: Number.NaN }, "credentials.expiresIn", "expected number"],
      [{ expiresIn: Infinity }, "credentials.expiresIn", "expected number"],
      [{ verbose: "true" }, "credentials.verbose", "expected boolean, got string"],
    ];
    for (const [extra, option, message] of bad) {
      const error = resolveError(
        { baseUrl: "https://acme.example", credentials: { ...base, ...extra } },
        acmeForm,
      );
      expect(error.option).toBe(option);
      expect(error.message).toContain(message);
      expect(error.message).not.toContain(ACME_SECRET);
    }
  });

  it("copies an array credential so later changes by the app do not leak in", () => {
    const resource = ["a"];
    const resolved = resolveOptions(acmeForm, {
      baseUrl: "https://acme.example",
      credentials: { clientId: "id", clientSecret: ACME_SECRET, resource },
    });
    resource.push("b");
    expect(resolved.credentials.resource).toEqual(["a"]);
  });
});

describe("resolveOptions: server and baseUrl", () => {
  it("defaults to the spec's default server", () => {
    expect(resolveOptions(acmeJson, { credentials }).baseUrl).toBe("https://api.acme.example/v1");
  });

  it("picks a named server", () => {
    expect(resolveOptions(acmeJson, { credentials, server: "sandbox" }).baseUrl).toBe(
      "https://sandbox.acme.example",
    );
  });

  it("rejects an unknown server and lists the known ones", () => {
    for (const server of ["staging", "toString", "__proto__", 3]) {
      const error = resolveError({ credentials, server });
      expect(error.option).toBe("server");
      expect(error.message).toContain('expected one of "production", "sandbox"');
    }
  });

  it("lets baseUrl replace the server URL exactly, trailing slashes removed", () => {
    expect(
      resolveOptions(acmeJson, { credentials, baseUrl: "https://eu.acme.example/base/v2/" })
        .baseUrl,
    ).toBe("https://eu.acme.example/base/v2");
    expect(
      resolveOptions(acmeJson, { credentials, server: "sandbox", baseUrl: "https://x.example" })
        .baseUrl,
    ).toBe("https://x.example");
  });

  it("requires baseUrl when the spec has no usable host, naming the known servers", () => {
    const error = resolveError(
      {
        credentials: { username: "u", password: ACME_SECRET, companyName: "c" },
      },
      acmeMultipart,
    );
    expect(error.option).toBe("baseUrl");
    expect(error.message).toContain("required for Acme");
    expect(error.message).toContain("specs/acme.yaml");
    expect(error.message).toContain("servers.staging");
  });

  it.each([
    ["not a string", 42, "expected an absolute http(s) URL"],
    ["relative", "/oauth", "expected an absolute http(s) URL"],
    ["garbage", "acme dot example", "expected an absolute http(s) URL"],
    ["not http(s)", "ftp://acme.example", "expected an absolute http(s) URL"],
    ["user info", "https://user:pw@acme.example", "must not contain a user name or password"],
    ["user name only", "https://user@acme.example", "must not contain a user name or password"],
    ["a query", "https://acme.example/v1?tenant=a", "must not contain a query or fragment"],
    ["a fragment", "https://acme.example/v1#x", "must not contain a query or fragment"],
    ["an empty query", "https://acme.example/v1?", "must not contain a query or fragment"],
    ["an empty fragment", "https://acme.example/v1#", "must not contain a query or fragment"],
    ["plain http to a remote host", "http://acme.example", "only sent over https"],
    ["plain http to a private address", "http://10.0.0.1:8080", "only sent over https"],
    ["plain http to a look-alike", "http://127.0.0.1.evil.example", "only sent over https"],
  ])("rejects a baseUrl that is %s", (_name, baseUrl, message) => {
    const error = resolveError({ credentials, baseUrl });
    expect(error.option).toBe("baseUrl");
    expect(error.message).toContain(message);
  });

  it("keeps the password of a userinfo URL out of the message", () => {
    const error = resolveError({ credentials, baseUrl: `https://me:${ACME_SECRET}@acme.example` });
    expect(error.message).not.toContain(ACME_SECRET);
  });

  it.each([
    "http://127.0.0.1:8080",
    "http://127.1.2.3",
    "http://localhost:3000/base",
    "http://LOCALHOST",
    "http://[::1]:9000",
    "https://acme.example",
  ])("allows %s", (baseUrl) => {
    expect(resolveOptions(acmeJson, { credentials, baseUrl }).baseUrl).toBe(
      baseUrl.replace(/\/+$/, ""),
    );
  });

  it("allows plain http to any host with allowInsecureHttp: true, and only then", () => {
    expect(
      resolveOptions(acmeJson, {
        credentials,
        baseUrl: "http://acme.example",
        allowInsecureHttp: true,
      }).baseUrl,
    ).toBe("http://acme.example");
    expect(
      resolveError({ credentials, baseUrl: "http://acme.example", allowInsecureHttp: "yes" })
        .option,
    ).toBe("baseUrl");
  });

  it("resolveBaseUrl works on its own (used by create<Vendor>Client)", () => {
    expect(resolveBaseUrl(acmeJson, {})).toBe("https://api.acme.example/v1");
    expect(() => resolveBaseUrl(acmeMultipart, {})).toThrow(ConfigurationError);
  });
});

describe("resolveOptions: lifecycle knobs", () => {
  it("applies defaults", () => {
    const resolved = resolveOptions(acmeJson, { credentials });
    expect(resolved.timeoutMs).toBe(10_000);
    expect(resolved.retries).toBe(2);
    expect(resolved.refreshWindowMs).toBeUndefined();
    expect(resolved.expirySkewMs).toBeUndefined();
    expect(resolved.store).toBeUndefined();
    expect(resolved.onEvent).toBeUndefined();
    expect(resolved.now).toBe(Date.now);
    expect(typeof resolved.fetch).toBe("function");
  });

  it("accepts 0 for every numeric option and keeps it as 0", () => {
    const resolved = resolveOptions(acmeJson, {
      credentials,
      refreshWindowMs: 0,
      expirySkewMs: 0,
      timeoutMs: 0,
      retries: 0,
    });
    expect(resolved.refreshWindowMs).toBe(0);
    expect(resolved.expirySkewMs).toBe(0);
    expect(resolved.timeoutMs).toBe(0);
    expect(resolved.retries).toBe(0);
  });

  it.each(["refreshWindowMs", "expirySkewMs", "timeoutMs"])(
    "rejects a negative, NaN, infinite or non-number %s",
    (option) => {
      for (const value of [-1, Number.NaN, Infinity, "100", null]) {
        const error = resolveError({ credentials, [option]: value });
        expect(error.option).toBe(option);
        expect(error.message).toContain("expected a finite number of milliseconds >= 0");
      }
    },
  );

  it("rejects retries that are not a whole number >= 0", () => {
    for (const retries of [1.5, -1, Number.NaN, "2", Infinity]) {
      const error = resolveError({ credentials, retries });
      expect(error.option).toBe("retries");
      expect(error.message).toContain("expected a whole number >= 0");
    }
    expect(resolveOptions(acmeJson, { credentials, retries: 5 }).retries).toBe(5);
  });

  it.each(["fetch", "now", "onEvent"])("rejects a %s that is not a function", (option) => {
    for (const value of ["x", 1, {}, null]) {
      const error = resolveError({ credentials, [option]: value });
      expect(error.option).toBe(option);
      expect(error.message).toContain("expected a function");
    }
  });

  it("keeps given functions", () => {
    const now = (): number => 1;
    const onEvent = (): void => {};
    const fetch = globalThis.fetch;
    const resolved = resolveOptions(acmeJson, { credentials, now, onEvent, fetch });
    expect(resolved.now).toBe(now);
    expect(resolved.onEvent).toBe(onEvent);
    expect(resolved.fetch).toBe(fetch);
  });

  it("rejects a store without get, set and delete", () => {
    const valid = { get() {}, set() {}, delete() {} };
    for (const store of [null, "redis", {}, { get() {}, set() {} }, { ...valid, delete: 1 }]) {
      const error = resolveError({ credentials, store });
      expect(error.option).toBe("store");
      expect(error.message).toContain("get, set and delete");
    }
    expect(resolveOptions(acmeJson, { credentials, store: valid }).store).toBe(valid);
    const memory = createMemoryStore();
    expect(resolveOptions(acmeJson, { credentials, store: memory }).store).toBe(memory);
  });
});

describe("createTokenProvider", () => {
  it("throws ConfigurationError synchronously, before any request", () => {
    let requests = 0;
    const fetch = (() => {
      requests += 1;
      return Promise.reject(new Error("must not be called"));
    }) as typeof globalThis.fetch;
    const error = configError(() =>
      createTokenProvider(acmeJson, { credentials: { clientId: ACME_CLIENT_ID }, fetch }),
    );
    expect(error.option).toBe("credentials.clientSecret");
    expect(requests).toBe(0);
  });

  it("never puts a credential value into a ConfigurationError", () => {
    const attempts: unknown[] = [
      { credentials: { clientId: ACME_SECRET, clientSecret: 1 } },
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET }, server: "nope" },
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET }, timeoutMs: -1 },
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: [ACME_SECRET, 1] } },
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET, x: ACME_SECRET } },
      { credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET }, store: {} },
    ];
    for (const input of attempts) {
      const error = configError(() => createTokenProvider(acmeJson, input as object));
      expect(error.message).not.toContain(ACME_SECRET);
      expect(JSON.stringify(error)).not.toContain(ACME_SECRET);
      expect(String(error.stack)).not.toContain(ACME_SECRET);
    }
  });
});

describe("server together with baseUrl", () => {
  it("still rejects an unknown server name", () => {
    expect(() =>
      resolveBaseUrl(acmeJson, { server: "prod", baseUrl: "https://override.example" }),
    ).toThrow(/^server: unknown server "prod"/);
  });
});
