import { randomBytes } from "node:crypto";
import type { AccessToken } from "@tokenyard/auth-core";

/** A token whose secrets are random, so a test can search raw Redis values for them. */
export function makeToken(overrides: Partial<AccessToken> = {}): AccessToken {
  const accessToken = `at_${randomBytes(24).toString("hex")}`;
  const refreshToken = `rt_${randomBytes(24).toString("hex")}`;
  return {
    accessToken,
    tokenType: "Bearer",
    expiresAt: Date.now() + 3_600_000,
    obtainedAt: Date.now(),
    refreshToken,
    refreshTokenExpiresAt: Date.now() + 86_400_000,
    raw: { access_token: accessToken, refresh_token: refreshToken, expires_in: 3600 },
    ...overrides,
  };
}

/** A key shaped like the provider's: `tokenyard:v1:<vendor>:<sha256>`. */
export function makeKey(vendor = "asset"): string {
  return `tokenyard:v1:${vendor}:${randomBytes(32).toString("hex")}`;
}
