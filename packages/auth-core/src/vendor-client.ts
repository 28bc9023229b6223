import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { AuthBinding } from "./binding.js";
import { resolveBaseUrl } from "./options.js";

/** Options of `create<Vendor>Client` for a vendor with named servers. */
export type VendorClientOptions<Server extends string> = Omit<ClientOptions, "baseUrl"> & {
  /** A key of the package's `servers`. Default: the spec's first server. */
  readonly server?: Server | undefined;
  /** Replaces the chosen server's URL exactly, base path included. */
  readonly baseUrl?: string | undefined;
  /** Allow plain http to a non-loopback host. */
  readonly allowInsecureHttp?: boolean | undefined;
};

/** Options of `create<Vendor>Client` for a vendor whose spec has no usable host. */
export type VendorClientOptionsWithBaseUrl = Omit<ClientOptions, "baseUrl"> & {
  readonly baseUrl: string;
  readonly allowInsecureHttp?: boolean | undefined;
};

/** An openapi-fetch client for the vendor's spec with its base URL resolved like the provider's. */
export function createVendorClient<Paths extends {}>(
  binding: AuthBinding,
  options: VendorClientOptions<string> | VendorClientOptionsWithBaseUrl = {},
): Client<Paths> {
  const { server, baseUrl, allowInsecureHttp, ...clientOptions } =
    options as VendorClientOptions<string>;
  return createClient<Paths>({
    ...clientOptions,
    baseUrl: resolveBaseUrl(binding, { server, baseUrl, allowInsecureHttp }),
  });
}
