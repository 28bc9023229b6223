/**
 * The token's life against the vendor's fake: outages inside the refresh window and after expiry,
 * Retry-After, and what is never retried. Every vendor must behave alike here; vendors with a
 * refresh operation renew with it first, so their cycles are twice as long.
 */
import { describe, expect, it, vi } from "vitest";
import type { ScriptedResponse } from "../server.js";
import { expectNoSecrets, rejectionOf } from "../secret-scan.js";
import type { SomeVendor } from "./adapter.js";
import { BACKOFF, requestsMade, RETRIES, SKEW_MS, T0, useVendorHarness } from "./harness.js";

/** `{ status }` for an answered failure; nothing for a dropped connection, which has none. */
const withStatus = (status: number | undefined) => (status === undefined ? {} : { status });

export function describeTokenLifecycle(vendor: SomeVendor): void {
  describe(`${vendor.name} token lifecycle (shared conformance)`, () => {
    const { clock, start, setup, secretsOf, requestFailure } = useVendorHarness(vendor);
    const { token: login, refresh } = vendor.operations;
    // Renewing a token that is still valid: the refresh first, where the vendor has one.
    const renewal = refresh === undefined ? [login] : [refresh, login];
    // Failed requests in one renewal cycle, and how many refresh calls one cycle makes.
    const PER_CYCLE = renewal.length * (RETRIES + 1);
    const REFRESHES_PER_CYCLE = refresh === undefined ? 0 : RETRIES + 1;
    const unavailable = { status: 503, body: vendor.unavailable.body };
    const outage = (response: ScriptedResponse, attempts: number) =>
      Array.from({ length: attempts }, () => response);

    describe.each([
      {
        kind: "503s",
        response: unavailable as ScriptedResponse,
        status: 503 as number | undefined,
      },
      { kind: "dropped connections", response: "drop" as ScriptedResponse, status: undefined },
    ])("outage ($kind) during the refresh window", ({ response, status }) => {
      it("keeps serving the valid token, backs off with jitter, and renews once the vendor is back", async () => {
        const server = await start();
        const { auth, sleeper, ofType, events } = setup(server);
        const first = await auth.getToken();
        expect(first.expiresAt).toBe(vendor.expiresAt(T0));

        // Inside the window, far from the 30 s skew; the vendor is down for the whole cycle.
        const t1 = first.expiresAt - 120_000;
        clock.set(t1);
        server.failNext(...outage(response, PER_CYCLE));
        sleeper.hold();
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        // The background renewal failed once and now waits to retry; callers do not wait with it.
        await vi.waitFor(() => expect(sleeper.pending()).toBe(1), { interval: 1 });
        expect(requestsMade(server)).toBe(2);
        for (let i = 0; i < 20; i++) {
          expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        }
        expect(await auth.getAuthorizationHeader()).toBe(`Bearer ${first.accessToken}`);
        expect(auth.stats().requests).toBe(2); // one background renewal, not one per caller
        sleeper.release();
        await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(renewal.length), {
          interval: 1,
        });
        expect(requestsMade(server)).toBe(1 + PER_CYCLE);
        expect(server.refreshRequests()).toBe(REFRESHES_PER_CYCLE);
        expect(sleeper.calls).toEqual(renewal.flatMap(() => BACKOFF));
        expect(ofType("refresh-error")).toEqual(
          renewal.map((operation) =>
            expect.objectContaining({
              vendor: vendor.name,
              operation,
              attempts: RETRIES + 1,
              ...withStatus(status),
            }),
          ),
        );
        if (status === undefined) {
          for (const event of ofType("refresh-error")) expect(event).not.toHaveProperty("status");
        }
        expect(
          ofType("retry").map((event) => [event.operation, event.attempt, event.delayMs]),
        ).toEqual(
          renewal.flatMap((operation) => [
            [operation, 1, 125],
            [operation, 2, 250],
          ]),
        );
        expect(ofType("retry").map((event) => event.status)).toEqual(
          Array(2 * renewal.length).fill(status),
        );

        // Background failures back off on the injected clock: 125 ms (jittered) after the first.
        clock.set(t1 + 124);
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        expect(auth.stats().requests).toBe(1 + renewal.length);
        clock.set(t1 + 125);
        server.failNext(...outage(response, PER_CYCLE));
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        expect(auth.stats().requests).toBe(2 + renewal.length); // the second cycle has started
        await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(2 * renewal.length), {
          interval: 1,
        });
        expect(requestsMade(server)).toBe(1 + 2 * PER_CYCLE);
        // ...and 250 ms after the second failure in a row.
        clock.set(t1 + 125 + 249);
        const requestsSoFar = auth.stats().requests;
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        expect(auth.stats().requests).toBe(requestsSoFar);

        // The vendor is back; the token is still valid, so the first renewal operation is used.
        clock.set(t1 + 125 + 250);
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        await vi.waitFor(() => expect(ofType("refresh")).toHaveLength(2), { interval: 1 });
        expect(ofType("refresh")[1]).toMatchObject({ operation: renewal[0] });
        const renewed = await auth.getToken();
        expect(renewed.accessToken).toBe(server.issuedTokens[1]);
        expect(renewed.accessToken).not.toBe(first.accessToken);
        expect(renewed.obtainedAt).toBe(clock.now());
        expect(server.issuedTokens).toHaveLength(2);
        expect(requestsMade(server)).toBe(2 + 2 * PER_CYCLE);
        // A refresh presents the current token as bearer; a login presents credentials only.
        expect(server.requests.at(-1)?.headers["authorization"]).toBe(
          refresh === undefined ? undefined : `Bearer ${first.accessToken}`,
        );
        expect(auth.stats().failures).toBe(2 * renewal.length);
        expectNoSecrets(events, secretsOf(server), "events");
      });
    });

    describe("outage up to and into the skew", () => {
      it("hands callers the error once the token is within the skew, after background failures", async () => {
        const server = await start();
        const { auth, ofType, events } = setup(server);
        const first = await auth.getToken();
        server.failNext(...outage(unavailable, 3 * PER_CYCLE));
        clock.set(first.expiresAt - 120_000);
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(renewal.length), {
          interval: 1,
        });
        // The last moment the token is usable: still served, and another background attempt fails.
        clock.set(first.expiresAt - SKEW_MS - 1);
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(2 * renewal.length), {
          interval: 1,
        });
        // Within the skew: the caller waits for its own attempts and gets the error.
        clock.set(first.expiresAt - SKEW_MS);
        const error = await rejectionOf(auth.getToken());
        const failure = requestFailure(error);
        expect(failure.status).toBe(503);
        expect(failure.attempts).toBe(RETRIES + 1);
        expect(requestsMade(server)).toBe(1 + 3 * PER_CYCLE);
        expectNoSecrets(error, secretsOf(server), "error");
        expectNoSecrets(events, secretsOf(server), "events");
      });

      it("within the skew: renews in the foreground and rejects with the last operation's 503", async () => {
        const server = await start();
        const { auth, sleeper, ofType, events } = setup(server);
        const first = await auth.getToken();
        clock.set(first.expiresAt - SKEW_MS); // no longer usable, but still valid
        server.failNext(...outage(unavailable, PER_CYCLE));
        const error = await rejectionOf(auth.getToken());
        const failure = requestFailure(error);
        expect(failure.status).toBe(503);
        expect(failure.attempts).toBe(RETRIES + 1);
        expect(failure.vendor).toBe(vendor.name);
        expect(failure.operation).toBe(login);
        expect(failure.body).toEqual(vendor.unavailable.body);
        expect(failure.message).toContain(vendor.unavailable.text);
        expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
        expect(server.refreshRequests()).toBe(REFRESHES_PER_CYCLE);
        expect(sleeper.calls).toEqual(renewal.flatMap(() => BACKOFF));
        expect(
          ofType("refresh-error").map((event) => [event.operation, event.attempts, event.status]),
        ).toEqual(renewal.map((operation) => [operation, RETRIES + 1, 503]));
        expectNoSecrets(error, secretsOf(server), "error");
        expectNoSecrets(events, secretsOf(server), "events");
        // The failure is not cached: once the vendor is back, the next caller gets a new token.
        const next = await auth.getToken();
        expect(next.accessToken).toBe(server.issuedTokens[1]);
        expect(next.accessToken).not.toBe(first.accessToken);
      });
    });

    describe("outage after expiry", () => {
      it("only logs in, and rejects without status, with a cause, when connections drop", async () => {
        const server = await start();
        const { auth, sleeper, ofType, events } = setup(server);
        const first = await auth.getToken();
        clock.set(first.expiresAt + 1);
        server.failNext("drop", "drop", "drop");
        const error = await rejectionOf(auth.getToken());
        const failure = requestFailure(error);
        expect(failure.status).toBeUndefined();
        expect(failure.cause).toBeDefined();
        expect(failure.attempts).toBe(RETRIES + 1);
        expect(server.tokenRequests()).toBe(1 + RETRIES + 1);
        expect(server.refreshRequests()).toBe(0);
        expect(sleeper.calls).toEqual(BACKOFF);
        expect(ofType("retry").map((event) => event.status)).toEqual([undefined, undefined]);
        expect(ofType("refresh-error")).toHaveLength(1);
        expect(ofType("refresh-error")[0]).toMatchObject({
          operation: login,
          attempts: RETRIES + 1,
        });
        expect(ofType("refresh-error")[0]).not.toHaveProperty("status");
        expectNoSecrets(error, secretsOf(server), "error");
        expectNoSecrets(events, secretsOf(server), "events");
      });

      it("makes exactly retries + 1 attempts for any retries option", async () => {
        const server = await start();
        const { auth, sleeper } = setup(server, { retries: 4 });
        server.failNext(...outage(unavailable, 5));
        const error = await rejectionOf(auth.getToken());
        expect(requestFailure(error).attempts).toBe(5);
        expect(server.tokenRequests()).toBe(5);
        expect(sleeper.calls).toEqual([125, 250, 500, 1000]);
      });
    });

    describe("429 and 503 with Retry-After", () => {
      it("sleeps exactly the vendor's Retry-After seconds, then gets the token", async () => {
        const server = await start();
        const { auth, sleeper, ofType, events } = setup(server);
        server.failNext({
          status: 429,
          headers: { "retry-after": "7" },
          body: vendor.errorBody("Too many requests"),
        });
        const token = await auth.getToken();
        expect(sleeper.calls).toEqual([7_000]);
        expect(token.accessToken).toBe(server.issuedTokens[0]);
        expect(server.tokenRequests()).toBe(2);
        expect(ofType("retry")).toEqual([
          expect.objectContaining({ operation: login, attempt: 1, delayMs: 7_000, status: 429 }),
        ]);
        expect(ofType("refresh")[0]).toMatchObject({ attempts: 2 });
        expectNoSecrets(events, secretsOf(server), "events");
      });

      it("sleeps until a Retry-After HTTP date by the injected clock", async () => {
        const server = await start();
        const { auth, sleeper } = setup(server);
        const retryAt = new Date(clock.now() + 5_000).toUTCString();
        server.failNext({ status: 429, headers: { "retry-after": retryAt } });
        await auth.getToken();
        expect(sleeper.calls).toEqual([Date.parse(retryAt) - T0]);
        expect(sleeper.calls[0]).toBe(4_877);
      });

      it("honours Retry-After on a 503 too", async () => {
        const server = await start();
        const { auth, sleeper } = setup(server);
        server.failNext({ ...unavailable, headers: { "retry-after": "2" } }, unavailable);
        const token = await auth.getToken();
        expect(token.accessToken).toBe(server.issuedTokens[0]);
        // The second 503 has no Retry-After: full jitter for the second retry.
        expect(sleeper.calls).toEqual([2_000, 250]);
        expect(server.tokenRequests()).toBe(3);
      });

      it("does not wait longer than 60 s: the error carries retryAfterMs", async () => {
        const server = await start();
        const { auth, sleeper } = setup(server);
        server.failNext({ status: 429, headers: { "retry-after": "120" } });
        const failure = requestFailure(await rejectionOf(auth.getToken()));
        expect(failure.status).toBe(429);
        expect(failure.retryAfterMs).toBe(120_000);
        expect(failure.attempts).toBe(1);
        expect(sleeper.calls).toEqual([]);
        expect(server.tokenRequests()).toBe(1);
      });
    });

    describe("never retried", () => {
      it("makes one attempt when the vendor refuses the credentials (401)", async () => {
        const server = await start();
        const wrong = "wrong-secret-value";
        const { auth, sleeper, ofType, events } = setup(server, {
          credentials: vendor.withWrongSecret(server.credentials, wrong),
        });
        const error = await rejectionOf(auth.getToken());
        const failure = requestFailure(error);
        expect(failure.status).toBe(401);
        expect(failure.body).toEqual(vendor.refusal.body(T0));
        expect(failure.attempts).toBe(1);
        expect(server.tokenRequests()).toBe(1);
        expect(sleeper.calls).toEqual([]);
        expect(ofType("retry")).toEqual([]);
        expectNoSecrets(error, secretsOf(server, wrong), "error");
        expectNoSecrets(events, secretsOf(server, wrong), "events");
      });

      it.each([400, 401, 403, 404, 422])("makes one login attempt on a %i", async (status) => {
        const server = await start();
        const { auth, sleeper } = setup(server);
        server.failNext({ status, body: vendor.errorBody(`refused with ${status}`) });
        const error = await rejectionOf(auth.getToken());
        const failure = requestFailure(error);
        expect(failure.status).toBe(status);
        expect(failure.attempts).toBe(1);
        expect(server.tokenRequests()).toBe(1);
        expect(sleeper.calls).toEqual([]);
        expectNoSecrets(error, secretsOf(server), "error");
      });

      it("makes one attempt per operation on a 403 during a background renewal, and keeps serving the token", async () => {
        const server = await start();
        const { auth, sleeper, ofType } = setup(server);
        const first = await auth.getToken();
        clock.set(first.expiresAt - vendor.refreshWindowMs + 1);
        const forbidden = { status: 403, body: vendor.errorBody("Forbidden") };
        server.failNext(...renewal.map(() => forbidden));
        expect((await auth.getToken()).accessToken).toBe(first.accessToken);
        await vi.waitFor(() => expect(ofType("refresh-error")).toHaveLength(renewal.length), {
          interval: 1,
        });
        expect(ofType("refresh-error")).toEqual(
          renewal.map((operation) =>
            expect.objectContaining({ operation, attempts: 1, status: 403 }),
          ),
        );
        expect(requestsMade(server)).toBe(1 + renewal.length);
        expect(sleeper.calls).toEqual([]);
      });
    });
  });
}
