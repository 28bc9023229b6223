/**
 * The conformance suite every vendor package runs against its fake (imported as
 * `@tokenyard/fake-vendors/conformance`; it registers vitest tests, so it is kept out of the main
 * entry). A vendor's tests call the `describe…` functions with its adapter and keep only what is
 * genuinely its own.
 */
export {
  defineVendor,
  type ConfigurationCase,
  type LibraryUnderTest,
  type ObservedEvent,
  type ObservedToken,
  type ProviderUnderTest,
  type SomeVendor,
  type SuiteAuthOptions,
  type VendorAdapter,
} from "./adapter.js";
export { describeCaching } from "./caching.js";
export { CONFIGURATION_SECRET, describeConfiguration } from "./configuration.js";
export { describeErrorsAndSecrets } from "./errors.js";
export {
  BACKOFF,
  createSleeper,
  JITTER,
  RETRIES,
  SKEW_MS,
  T0,
  T0_SECONDS,
  useVendorHarness,
  type ApiCall,
  type RequestFailure,
  type TestClock,
} from "./harness.js";
export { describeTokenLifecycle } from "./lifecycle.js";
export { describeAuthorizedCalls } from "./replay.js";
export { describeSandbox, type SandboxAdapter, type SandboxUnderTest } from "./sandbox.js";
export { servedUnder } from "./served-under.js";
