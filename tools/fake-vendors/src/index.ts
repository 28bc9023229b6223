/**
 * Strict fake token endpoints for the four vendors, on real HTTP (127.0.0.1, random port).
 * They accept only each vendor's documented wire format, so a client wire-format bug fails a test.
 */
export type {
  FakeVendor,
  FakeVendorOptions,
  RecordedFields,
  RecordedRequest,
  ScriptedResponse,
} from "./server.js";
export {
  startWilson,
  type FakeWilson,
  type WilsonCompany,
  type WilsonCredentials,
  type WilsonExpiryEncoding,
  type WilsonOptions,
} from "./wilson.js";
export {
  startAsset,
  type AssetCredentials,
  type AssetExpiresInEncoding,
  type AssetOptions,
} from "./asset.js";
export {
  signJwt,
  startKlearStack,
  type FakeKlearStack,
  type KlearStackClaims,
  type KlearStackCredentials,
  type KlearStackOptions,
} from "./klearstack.js";
export {
  startManis,
  type ManisCredentials,
  type ManisErrorShape,
  type ManisOptions,
} from "./manis.js";
