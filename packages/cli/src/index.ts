/**
 * `@tokenyard/cli`'s library side: what the `tokenyard` bin is built on, without Node APIs, for
 * wrappers that want the same variable names, `.env` parsing and plain-words diagnoses. The bin
 * itself is `tokenyard` (see the README).
 */
export { describeDuration, diagnose, EXIT_CODES } from "./diagnose.js";
export type { Diagnosis, ProblemKind } from "./diagnose.js";
export { DotEnvError, parseDotEnv } from "./dotenv.js";
export { baseUrlRequirement, resolveVendorOptions, variableOf } from "./options.js";
export type { Overrides, ResolvedOptions, Target } from "./options.js";
export type {
  CliAuthOptions,
  CliSandbox,
  VendorCredential,
  VendorEntry,
  VendorModule,
  VendorTestingModule,
} from "./vendor-entry.js";
