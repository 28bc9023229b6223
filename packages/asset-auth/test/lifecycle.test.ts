// The token's life through the generated package against the fake Asset on 127.0.0.1. The shared
// suite covers outages, Retry-After, what is never retried and 401 replays; here is what Asset's
// rate-limit headers add.
import {
  describeAuthorizedCalls,
  describeTokenLifecycle,
  BACKOFF,
  T0,
  useVendorHarness,
} from "@tokenyard/fake-vendors/conformance";
import { expectNoSecrets, rejectionOf } from "@tokenyard/fake-vendors/secret-scan";
import { TokenRequestError } from "@tokenyard/auth-core";
import { describe, expect, it, vi } from "vitest";
import { createAssetAuth } from "../src/index.js";
import { asset } from "./asset-vendor.js";

describeTokenLifecycle(asset);
describeAuthorizedCalls(asset);

const { clock, start, setup, secretsOf } = useVendorHarness(asset);
const unavailable = { status: 503, body: asset.unavailable.body };

/** When the fake's fixed one-minute rate-limit window that contains `at` ends, epoch ms. */
const rateLimitResetMs = (at: number): number =>
  (Math.floor(Math.floor(at / 1000) / 60) * 60 + 60) * 1000;

describe("x-ratelimit-reset", () => {
  // Asset sends x-ratelimit-reset (the end of the quota window) on every answer: only a 429
  // (or x-ratelimit-remaining: 0) makes it a wait; a 503 with quota left backs off normally.
  it("backs off a 503 with full jitter, not until the rate-limit window resets", async () => {
    const server = await start();
    const { auth, sleeper } = setup(server);
    server.failNext(unavailable, unavailable, unavailable);
    const error = await rejectionOf(auth.getToken());
    expect((error as TokenRequestError).status).toBe(503);
    expect((error as TokenRequestError).retryAfterMs).toBeUndefined();
    expect(sleeper.calls).toEqual(BACKOFF);
  });

  // Nor does it delay the next background refresh after a 503.
  it("retries a background refresh that met 503s after the jittered backoff", async () => {
    const server = await start();
    const { auth, ofType } = setup(server);
    const first = await auth.getToken();
    const t1 = first.expiresAt - 120_000;
    clock.set(t1);
    server.failNext(unavailable, unavailable, unavailable);
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(1), { interval: 1 });
    clock.set(t1 + 125);
    expect((await auth.getToken()).accessToken).toBe(first.accessToken);
    expect(auth.stats().requests).toBe(3); // a second background refresh has started
    await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
    expect((await auth.getToken()).accessToken).toBe(server.issuedTokens[1]);
  });

  it("sleeps exactly until the fake's x-ratelimit-reset, then gets the token", async () => {
    const server = await start({ rateLimitPerMinute: 1 });
    // Another process of the same tenant used up this minute's quota.
    await createAssetAuth({
      credentials: server.credentials,
      baseUrl: server.baseUrl,
      now: clock.now,
    }).getToken();
    const { auth, sleeper, ofType, events } = setup(server, {}, { advanceClock: true });
    const token = await auth.getToken();
    const waited = rateLimitResetMs(T0) - T0;
    expect(waited).toBe(39_877);
    expect(sleeper.calls).toEqual([waited]);
    expect(server.requests.map((request) => request.status)).toEqual([200, 429, 200]);
    expect(token.accessToken).toBe(server.issuedTokens[1]);
    expect(token.obtainedAt).toBe(rateLimitResetMs(T0));
    expect(ofType("retry")).toEqual([
      expect.objectContaining({ attempt: 1, delayMs: waited, status: 429 }),
    ]);
    expectNoSecrets(events, secretsOf(server), "events");
  });
});
