/**
 * Minimal, read-only RFC 6901 JSON pointer evaluation.
 *
 * Used by expiry rules (`from: "/expires_in"`) to find a value inside a parsed token response.
 * Pure and dependency-free; works in any JavaScript runtime.
 */

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const INVALID_ESCAPE = /~(?![01])/;

/**
 * Reads the value an RFC 6901 JSON pointer refers to.
 *
 * - `""` refers to the whole document.
 * - `"/a/b"` walks object members; `~1` decodes to `/` and `~0` to `~` (in that order, so `~01`
 *   means the literal `~1`).
 * - Array elements are addressed by canonical decimal index (`/items/0`); leading zeros, `-`
 *   and out-of-range indices are absent.
 * - Only own properties are followed, so `/__proto__` or `/constructor` never reach
 *   `Object.prototype`.
 *
 * @param document - Any parsed JSON value (or other plain data).
 * @param pointer - The JSON pointer string, e.g. `"/token/expires_in"`.
 * @returns The referenced value, or `undefined` when it is absent or the pointer is malformed
 *   (does not start with `/`, or contains a `~` not followed by `0` or `1`). Never throws.
 */
export function readPointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  if (!pointer.startsWith("/") || INVALID_ESCAPE.test(pointer)) return undefined;

  let current: unknown = document;
  for (const token of pointerTokens(pointer)) {
    current = child(current, token);
    if (current === undefined) return undefined;
  }
  return current;
}

/** The decoded reference tokens of a pointer that starts with `/` (`"/a~1b/c"` → `a/b`, `c`). */
export function pointerTokens(pointer: string): string[] {
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function child(parent: unknown, token: string): unknown {
  if (Array.isArray(parent)) {
    return ARRAY_INDEX.test(token) ? parent[Number(token)] : undefined;
  }
  if (typeof parent === "object" && parent !== null && Object.hasOwn(parent, token)) {
    return (parent as Record<string, unknown>)[token];
  }
  return undefined;
}
