/**
 * The cache key of a credential set: vendor id plus a SHA-256 (Web Crypto) over the base URL and
 * every credential field. Two credential sets never share a key, and a key reveals no secret.
 */
export async function cacheKey(
  vendorId: string,
  baseUrl: string,
  credentials: Readonly<Record<string, unknown>>,
): Promise<string> {
  const fields = Object.keys(credentials)
    .sort()
    .map((name) => [name, credentials[name]]);
  const material = new TextEncoder().encode(JSON.stringify([vendorId, baseUrl, fields]));
  const digest = await crypto.subtle.digest("SHA-256", material);
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join(
    "",
  );
  return `tokenyard:v1:${vendorId}:${hex}`;
}
