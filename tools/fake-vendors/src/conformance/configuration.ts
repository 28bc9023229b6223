/**
 * Options are checked when the provider is created: a ConfigurationError, thrown synchronously,
 * names the offending option and never echoes a secret. Cases every vendor shares are derived
 * from its valid options; a vendor adds the ones only its credentials or servers have.
 */
import { describe, expect, it } from "vitest";
import type { ConfigurationCase, SomeVendor } from "./adapter.js";
import { useVendorHarness } from "./harness.js";

/** The secret every adapter's `validOptions` uses, so a test can tell when it leaks. */
export const CONFIGURATION_SECRET = "s3cr3t-value";

function sharedCases(vendor: SomeVendor): ConfigurationCase[] {
  const valid = vendor.validOptions;
  const { credentials } = valid;
  const cases: ConfigurationCase[] = Object.keys(credentials).flatMap((name) => {
    const { [name]: _dropped, ...without } = credentials as Record<string, unknown>;
    return [
      [`a missing ${name}`, { ...valid, credentials: without }, `credentials.${name}`],
      [
        `an empty ${name}`,
        { ...valid, credentials: { ...credentials, [name]: "" } },
        `credentials.${name}`,
      ],
    ] satisfies ConfigurationCase[];
  });
  return [
    ...cases,
    [
      "an unknown credential",
      { ...valid, credentials: { ...credentials, tenant: "x" } },
      "credentials.tenant",
    ],
    ["no credentials", { baseUrl: valid.baseUrl }, "credentials"],
    ["an unknown server", { ...valid, server: "no-such-server" }, "server"],
    [
      "plain http to a remote host",
      { ...valid, baseUrl: "http://vendor.example.com/api" },
      "baseUrl",
    ],
    ["a relative baseUrl", { ...valid, baseUrl: "/api" }, "baseUrl"],
    ["a negative timeoutMs", { ...valid, timeoutMs: -1 }, "timeoutMs"],
    ["a negative expirySkewMs", { ...valid, expirySkewMs: -5 }, "expirySkewMs"],
    ["a fractional retries", { ...valid, retries: 1.5 }, "retries"],
  ];
}

export function describeConfiguration(
  vendor: SomeVendor,
  vendorCases: readonly ConfigurationCase[] = [],
): void {
  describe(`${vendor.name} configuration (shared conformance)`, () => {
    const { start, authFor } = useVendorHarness(vendor);
    // Invalid options on purpose: the untyped call is what a JavaScript app could make.
    const create = (options: unknown) => () =>
      vendor.createAuth(options as Parameters<typeof vendor.createAuth>[0]);

    it.each([...sharedCases(vendor), ...vendorCases])(
      "throws ConfigurationError synchronously for %s",
      (_label, options, option) => {
        expect(create(options)).toThrow(vendor.library.ConfigurationError);
        try {
          create(options)();
        } catch (error) {
          expect((error as { option?: string }).option).toBe(option);
          expect((error as Error).message).not.toContain(CONFIGURATION_SECRET);
        }
      },
    );

    it("accepts plain http to loopback and makes no request while constructing", async () => {
      const server = await start();
      expect(() => authFor(server)).not.toThrow();
      expect(server.requests).toHaveLength(0);
    });
  });
}
