/**
 * The credentials a sandbox accepts, and the check that a request carries them.
 *
 * Random by default so a test can never pass by accident with a hard-coded or production value;
 * the test reads them back from `sandbox.credentials` and hands them to the client.
 */
import { randomBytes } from "node:crypto";
import { credentialOf, type AuthBinding, type WireField } from "../binding.js";
import { inputKey, type InputValue } from "./validate-request.js";

/**
 * Every required credential of the binding with a random value of its declared type
 * (`sbx-clientSecret-3f9a…`), then the test's overrides. Optional credentials are absent unless
 * the test sets them: the client then sends no such field, as an app that does not use it would.
 */
export function sandboxCredentials(
  auth: AuthBinding,
  overrides: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const credentials: Record<string, unknown> = {};
  for (const credential of auth.credentials) {
    if (!credential.required) continue;
    const text = `sbx-${credential.name}-${randomBytes(8).toString("hex")}`;
    credentials[credential.name] =
      credential.type === "string"
        ? text
        : credential.type === "string[]"
          ? [text]
          : credential.type === "number"
            ? randomBytes(3).readUIntBE(0, 3) + 1
            : true;
  }
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined) credentials[name] = value;
  }
  return credentials;
}

/** The credential a wire field carries (`credentials.clientId` → `clientId`), if any. */
export function credentialName(field: WireField): string | undefined {
  return credentialOf(field.from);
}

/**
 * Whether every required credential the operation carries equals the sandbox's. An absent one
 * counts as wrong: the shape check already rejected it when the spec marks the input required.
 */
export function credentialsMatch(
  auth: AuthBinding,
  fields: readonly WireField[],
  values: ReadonlyMap<string, InputValue>,
  expected: Readonly<Record<string, unknown>>,
): boolean {
  const required = new Set(auth.credentials.filter((c) => c.required).map((c) => c.name));
  for (const field of fields) {
    const name = credentialName(field);
    if (name === undefined || !required.has(name)) continue;
    if (!sameValue(values.get(inputKey(field)), expected[name])) return false;
  }
  return true;
}

/** Equality across encodings: a form sends `42` as `"42"`, which the validator made a number. */
function sameValue(received: InputValue | undefined, expected: unknown): boolean {
  if (received === undefined) return false;
  if (Array.isArray(received) || Array.isArray(expected)) {
    const a = Array.isArray(received) ? received : [received];
    const b = Array.isArray(expected) ? expected : [expected];
    return a.length === b.length && a.every((item, i) => String(item) === String(b[i]));
  }
  return String(received) === String(expected);
}
