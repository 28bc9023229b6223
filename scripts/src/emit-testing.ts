import type { SandboxBinding } from "@tokenyard/auth-core/testing";
import { generatedHeader } from "./generated-header.js";
import type { VendorModel } from "./vendor-model.js";

/**
 * `testing.gen.ts`, the package's `/testing` entry: an offline sandbox of the vendor's token
 * endpoints, made from the same spec. A separate entry, so it never reaches an app's bundle.
 */
export function emitTesting(model: VendorModel, sandbox: SandboxBinding): string {
  const { name } = model;
  // The binding itself comes from binding.gen.ts, shared with the main entry.
  const { auth: _auth, ...withoutAuth } = sandbox;
  const refresh = model.refreshOperation
    ? ` and \`${model.refreshOperation.operationId}\` (${model.refreshOperation.method.toUpperCase()} ${model.refreshOperation.path})`
    : "";
  return `${generatedHeader(model)}
import { startSandbox, type Sandbox, type SandboxBinding, type SandboxOptions } from "@tokenyard/auth-core/testing";
import type { ${name}Credentials } from "./auth.gen.js";
import { binding } from "./binding.gen.js";

export type { Sandbox, SandboxOptions } from "@tokenyard/auth-core/testing";

const sandbox: SandboxBinding = { auth: binding, ${JSON.stringify(withoutAuth).slice(1)};

/**
 * Starts an offline ${name} on 127.0.0.1 that behaves as ${model.file} describes:
 * \`${model.tokenOperation.operationId}\` (${model.tokenOperation.method.toUpperCase()} ${model.tokenOperation.path})${refresh}
 * accept only requests that follow the spec, answer with the vendor's own response shape, expiry
 * encoding and error bodies, and take faults on demand (\`sandbox.fail(...)\`).
 *
 * @example
 * const sandbox = await start${name}Sandbox();
 * const auth = create${name}Auth({ credentials: sandbox.credentials, baseUrl: sandbox.baseUrl });
 * await auth.getToken();
 * await sandbox.close();
 */
export function start${name}Sandbox(
  options?: SandboxOptions<${name}Credentials>,
): Promise<Sandbox<${name}Credentials>> {
  return startSandbox<${name}Credentials>(sandbox, options);
}
`;
}
