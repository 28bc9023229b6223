export type { AccessToken } from "./access-token.js";
export type {
  AuthBinding,
  CredentialBinding,
  FieldSource,
  OperationBinding,
  TokenTypeBinding,
  WireField,
} from "./binding.js";
export { ConfigurationError, TokenRequestError, TokenResponseError } from "./errors.js";
export type { TokenErrorContext } from "./errors.js";
export type { TokenEvent, TokenStats } from "./events.js";
export { normalizeExpiry } from "./expiry.js";
export type { ExpiryEncoding, ExpiryInput, ExpiryResult, ExpiryRule } from "./expiry.js";
export type {
  LifecycleOptions,
  VendorAuthOptions,
  VendorAuthOptionsWithBaseUrl,
} from "./options.js";
export { createTokenProvider } from "./provider.js";
export type { GetTokenOptions, TokenProvider } from "./provider.js";
export { DEFAULT_LIFETIME_SECONDS, MAX_LIFETIME_MS } from "./read-token.js";
export { createMemoryStore } from "./token-store.js";
export type { MemoryStoreOptions, TokenStore } from "./token-store.js";
export { createVendorClient } from "./vendor-client.js";
export type { VendorClientOptions, VendorClientOptionsWithBaseUrl } from "./vendor-client.js";
