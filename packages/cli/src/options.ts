/**
 * Turns the environment into `create<Vendor>Auth` options, using only the variable names the
 * registry derives from the spec. Every problem names the variable to set and never its value.
 */
import type { CliAuthOptions, VendorCredential, VendorEntry } from "./vendor-entry.js";

/** Where a token request goes, for messages (no credentials in it). */
export interface Target {
  /** The URL the token operation's path follows; `undefined` when it cannot be known. */
  readonly url: string | undefined;
  /** The server's name when one was chosen or defaulted, `undefined` with a base URL. */
  readonly server: string | undefined;
}

export type ResolvedOptions =
  | { readonly ok: true; readonly options: CliAuthOptions; readonly target: Target }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Settings that are not credentials and may come from flags; flags win over the environment. */
export interface Overrides {
  readonly server?: string | undefined;
  readonly baseUrl?: string | undefined;
}

/** The options for `vendor` from `env` (and non-secret overrides), or every problem found. */
export function resolveVendorOptions(
  vendor: VendorEntry,
  env: Readonly<Record<string, string | undefined>>,
  overrides: Overrides = {},
): ResolvedOptions {
  const problems: string[] = [];
  const credentials: Record<string, unknown> = {};
  for (const credential of vendor.credentials) {
    const text = env[credential.env];
    if (text === undefined || text === "") {
      if (credential.required) {
        problems.push(
          `${credential.env} is not set: ${vendor.name} needs its ${credential.name} (set ${credential.env} in the environment or in the --env-file)`,
        );
      }
      continue;
    }
    const value = readCredential(credential, text);
    if (value === undefined) {
      problems.push(`${credential.env} must be ${describeType(credential.type)}`);
      continue;
    }
    credentials[credential.name] = value;
  }

  const baseUrl = nonEmpty(overrides.baseUrl) ?? nonEmpty(env[vendor.env.baseUrl]);
  const server = nonEmpty(overrides.server) ?? nonEmpty(env[vendor.env.server]);
  const serverNames = Object.keys(vendor.servers);
  if (server !== undefined && !Object.hasOwn(vendor.servers, server)) {
    problems.push(
      `${vendor.env.server}: ${vendor.name} has no server ${JSON.stringify(server)}; ${
        serverNames.length > 0
          ? `choose one of ${serverNames.join(", ")}`
          : `it has no named servers: set ${vendor.env.baseUrl} instead`
      }`,
    );
  }
  if (baseUrl === undefined && server === undefined && vendor.defaultServer === null) {
    problems.push(
      `${vendor.env.baseUrl} is not set: ${vendor.spec} names no usable host for ${vendor.name}, so set ${vendor.env.baseUrl} to its base URL${
        serverNames.length > 0
          ? ` (or ${vendor.env.server} to one of ${serverNames.join(", ")})`
          : ""
      }`,
    );
  }
  if (problems.length > 0) return { ok: false, problems };

  const serverName =
    baseUrl === undefined ? (server ?? vendor.defaultServer ?? undefined) : undefined;
  return {
    ok: true,
    options: {
      credentials,
      ...(server === undefined ? {} : { server }),
      ...(baseUrl === undefined ? {} : { baseUrl }),
    },
    target: {
      url: baseUrl ?? (serverName === undefined ? undefined : vendor.servers[serverName]),
      server: serverName,
    },
  };
}

/** The environment variable behind a `ConfigurationError`'s option, if it has one. */
export function variableOf(vendor: VendorEntry, option: string): string | undefined {
  if (option === "baseUrl") return vendor.env.baseUrl;
  if (option === "server") return vendor.env.server;
  if (option.startsWith("credentials.")) {
    const name = option.slice("credentials.".length);
    return vendor.credentials.find((credential) => credential.name === name)?.env;
  }
  return undefined;
}

/** What `tokenyard vendors` shows about a vendor's base URL variable. */
export function baseUrlRequirement(vendor: VendorEntry): "required" | "optional" | "or-server" {
  if (vendor.defaultServer !== null) return "optional";
  return Object.keys(vendor.servers).length > 0 ? "or-server" : "required";
}

function readCredential(credential: VendorCredential, text: string): unknown {
  switch (credential.type) {
    case "string":
      return text;
    case "number": {
      const value = Number(text.trim());
      return text.trim() !== "" && Number.isFinite(value) ? value : undefined;
    }
    case "boolean": {
      const value = text.trim().toLowerCase();
      if (value === "true" || value === "1") return true;
      if (value === "false" || value === "0") return false;
      return undefined;
    }
    case "string[]": {
      const items = text
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
      return items.length > 0 ? items : undefined;
    }
  }
}

function describeType(type: VendorCredential["type"]): string {
  switch (type) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    case "string[]":
      return "a comma-separated list";
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
