/**
 * The shape of one vendor in the CLI's registry (`vendors.gen.ts`). The registry itself is pure data
 * derived from the specs; everything the CLI does with a vendor goes through this shape, so a new
 * spec adds a vendor to the CLI with no handwritten code.
 */
import type { TokenProvider } from "@tokenyard/auth-core";

/** A credential of the vendor's token operation and the environment variable that carries it. */
export interface VendorCredential {
  /** camelCase name in `create<Vendor>Auth({ credentials })` (`clientSecret`). */
  readonly name: string;
  /** `<VENDOR>_<NAME_IN_UPPER_SNAKE>` (`WILSON_CLIENT_SECRET`). */
  readonly env: string;
  readonly required: boolean;
  /** The JSON type the spec declares; how the variable's text is read. */
  readonly type: "string" | "number" | "boolean" | "string[]";
}

/** The options the CLI hands to any vendor's `create<Vendor>Auth`. */
export interface CliAuthOptions {
  readonly credentials: object;
  readonly server?: string | undefined;
  readonly baseUrl?: string | undefined;
  readonly timeoutMs?: number | undefined;
  readonly retries?: number | undefined;
}

/** What the CLI needs of a running sandbox (a vendor package's `/testing` entry). */
export interface CliSandbox {
  readonly baseUrl: string;
  readonly credentials: object;
  close(): Promise<void>;
}

/** A vendor package's main entry, as the CLI uses it (method syntax: any vendor's options fit). */
export interface VendorModule {
  createAuth(options: CliAuthOptions): TokenProvider<unknown>;
}

/** A vendor package's `/testing` entry, loaded only for `--sandbox`. */
export interface VendorTestingModule {
  startSandbox(): Promise<CliSandbox>;
}

/** One vendor: its names, servers, credentials and environment variables, and its packages. */
export interface VendorEntry {
  /** Lowercase id, the CLI's `<vendor>` argument (`klearstack`). */
  readonly id: string;
  /** Brand name (`KlearStack`). */
  readonly name: string;
  readonly packageName: string;
  readonly spec: string;
  /** The spec's named servers. */
  readonly servers: Readonly<Record<string, string>>;
  /** Server used when none is chosen; `null` when the spec has no usable host (base URL required). */
  readonly defaultServer: string | null;
  readonly env: {
    /** `<VENDOR>_BASE_URL`: replaces the server's URL, base path included. */
    readonly baseUrl: string;
    /** `<VENDOR>_SERVER`: a key of `servers`. */
    readonly server: string;
  };
  readonly credentials: readonly VendorCredential[];
  /** Imports the vendor package's main entry. */
  load(): Promise<VendorModule>;
  /** Imports the vendor package's `/testing` entry (node only). */
  loadTesting(): Promise<VendorTestingModule>;
}
