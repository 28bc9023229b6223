/**
 * Replaces every occurrence of a secret inside a value (deeply, in strings and keys) with
 * `[redacted]`. Vendors echo inputs back in error bodies (FastAPI's 422 carries the rejected
 * `input`), so a vendor body is redacted before it is put on an error.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  // Also each secret as it travels in a URL or form body, or inside a JSON string: vendors echo
  // raw request bodies (`client_secret=p%40ss`) as often as parsed ones. Longest first, so a
  // secret that contains another is replaced whole.
  const variants = [
    ...new Set(
      secrets
        .filter(Boolean)
        .flatMap((secret) => [
          secret,
          encodeURIComponent(secret),
          new URLSearchParams({ "": secret }).toString().slice(1),
          JSON.stringify(secret).slice(1, -1),
        ]),
    ),
  ].sort((a, b) => b.length - a.length);
  const redact = (item: unknown): unknown =>
    typeof item == "string"
      ? variants.reduce((text, secret) => text.split(secret).join("[redacted]"), item)
      : Array.isArray(item)
        ? item.map(redact)
        : item && typeof item == "object"
          ? Object.fromEntries(Object.entries(item).map((entry) => entry.map(redact)))
          : item;
  return variants.length ? (redact(value) as T) : value;
}

/** The secret strings of a credential set: every string value, and every string in an array. */
export function secretsOf(credentials: Readonly<Record<string, unknown>>): string[] {
  return Object.values(credentials)
    .flat()
    .filter((value): value is string => typeof value == "string");
}
