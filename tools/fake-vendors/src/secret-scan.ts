/**
 * Test support shared by the vendor packages: does a value leak a secret anywhere an app might
 * print it? (Imported as `@tokenyard/fake-vendors/secret-scan`; it needs vitest, so it is kept
 * out of the main entry that the demo loads.)
 */
import { inspect } from "node:util";
import { expect } from "vitest";

/**
 * Every way an app might render `value` in a log: its message, `String()`, `JSON.stringify`,
 * `util.inspect` (deep), and the same for every link of its `cause` chain.
 */
export function renderings(value: unknown): string[] {
  const texts: string[] = [];
  let current: unknown = value;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    texts.push(String(current), inspect(current, { depth: 10, showHidden: true }));
    try {
      texts.push(JSON.stringify(current) ?? "");
    } catch {
      // Not serialisable (a cycle): the inspect output above still covers it.
    }
    if (current instanceof Error) texts.push(current.message, current.stack ?? "");
    current = current instanceof Error ? current.cause : undefined;
  }
  return texts;
}

/** Fails when any secret appears in any rendering of `value`. */
export function expectNoSecrets(value: unknown, secrets: readonly string[], label = "value"): void {
  expect(secrets.length).toBeGreaterThan(0);
  const texts = renderings(value);
  for (const secret of secrets) {
    expect(secret.length, "a secret must not be empty").toBeGreaterThan(0);
    const leaking = texts.filter((text) => text.includes(secret));
    expect(leaking, `${label} leaks a secret`).toEqual([]);
  }
}

/** The promise's rejection; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}
