/**
 * `@tokenyard/auth-core/testing`: offline vendor sandboxes for tests. Node-only (node:http,
 * node:crypto), hence a separate entry that never reaches an app's production bundle.
 */
export { startSandbox } from "./sandbox.js";
export type { Sandbox, SandboxOptions, SandboxRequest } from "./sandbox.js";
export type { SandboxFault } from "./faults.js";
export type { SandboxClaims } from "./issue-token.js";
export type {
  SandboxAnswer,
  SandboxBinding,
  SandboxInput,
  SandboxOperation,
} from "./sandbox-binding.js";
