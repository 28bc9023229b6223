/** `app_name` → `appName`; `x-merchant-id` (a header) → `merchantId`. */
export function credentialName(wire: string, placement: "body" | "header" | "query"): string {
  const bare = placement === "header" ? wire.replace(/^x-/i, "") : wire;
  return camelCase(bare);
}

/** `Production` → `production`; `EU West` → `euWest`. */
export function camelCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words
    .map((word, index) =>
      index === 0 ? word.toLowerCase() : word[0]!.toUpperCase() + word.slice(1).toLowerCase(),
    )
    .join("");
}

/**
 * `WILSON_CLIENT_SECRET` for vendor `wilson`, credential `clientSecret`: what the CLI reads. The
 * same rule names the other options it reads: `WILSON_BASE_URL` (`baseUrl`), `WILSON_SERVER`.
 */
export function environmentVariable(vendorId: string, credential: string): string {
  return `${vendorId.toUpperCase()}_${credential.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** `@tokenyard/wilson-auth` for vendor `wilson`: the package a spec generates. */
export function packageName(vendorId: string): string {
  return `@tokenyard/${vendorId}-auth`;
}

/** `packages/wilson-auth`, relative to the repository root. */
export function packageDirectory(vendorId: string): string {
  return `packages/${vendorId}-auth`;
}
