const REDACTED = "[redacted]";

/**
 * Replaces every occurrence of a secret inside a value (deeply, in strings and keys) with
 * `[redacted]`. Vendors echo inputs back in error bodies (FastAPI's 422 carries the rejected
 * `input`), so a vendor body is redacted before it is put on an error.
 */
export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  // Also each secret as it travels in a URL or form body, or inside a JSON string: vendors echo
  // raw request bodies (`client_secret=p%40ss`) as often as parsed ones.
  const active = [
    ...new Set(
      secrets
        .filter((secret) => secret.length > 0)
        .flatMap((secret) => [
          secret,
          encodeURIComponent(secret),
          new URLSearchParams([["", secret]]).toString().slice(1),
          JSON.stringify(secret).slice(1, -1),
        ]),
    ),
  ].sort((a, b) => b.length - a.length);
  if (active.length === 0) return value;
  return redact(value, active) as T;
}

function redact(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactString(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redact(item, secrets));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        redactString(key, secrets),
        redact(item, secrets),
      ]),
    );
  }
  return value;
}

function redactString(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join(REDACTED);
  return result;
}

/** The secret strings of a credential set: every string value, and every string in an array. */
export function secretsOf(credentials: Readonly<Record<string, unknown>>): string[] {
  return Object.values(credentials).flatMap((value) =>
    typeof value === "string"
      ? [value]
      : Array.isArray(value)
        ? value.filter((item): item is string => typeof item === "string")
        : [],
  );
}
