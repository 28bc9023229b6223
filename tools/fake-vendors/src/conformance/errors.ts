/**
 * Failures a caller can see: the vendor's refusal, 5xx, a 2xx without a usable token, dropped
 * connections, timeouts and aborts; and that no error, cause, event or `util.inspect` output
 * carries a credential or a token.
 */
import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import type { ScriptedResponse } from "../server.js";
import { expectNoSecrets, rejectionOf } from "../secret-scan.js";
import type { ObservedEvent, SomeVendor } from "./adapter.js";
import { T0, useVendorHarness } from "./harness.js";

export function describeErrorsAndSecrets(vendor: SomeVendor): void {
  describe(`${vendor.name} errors (shared conformance)`, () => {
    const { start, authFor, secretsOf, requestFailure } = useVendorHarness(vendor);
    const { TokenRequestError, TokenResponseError } = vendor.library;

    it(`turns ${vendor.name}'s 401 into a TokenRequestError with status, body and message`, async () => {
      const server = await start();
      const wrong = "wrong-secret-value";
      const auth = authFor(server, {
        retries: 0,
        credentials: vendor.withWrongSecret(server.credentials, wrong),
      });
      const error = await rejectionOf(auth.getToken());
      const failure = requestFailure(error);
      expect(error).toBeInstanceOf(Error);
      expect(failure.name).toBe("TokenRequestError");
      expect(failure.status).toBe(401);
      expect(failure.body).toEqual(vendor.refusal.body(T0));
      expect(failure.message).toContain(vendor.refusal.text);
      expect(failure.vendor).toBe(vendor.name);
      expect(failure.operation).toBe(vendor.operations.token);
      expectNoSecrets(error, secretsOf(server, wrong));
      // A failure is not cached: the next call asks again.
      await rejectionOf(auth.getToken());
      expect(server.tokenRequests()).toBe(2);
    });

    it("turns a 5xx into a TokenRequestError", async () => {
      const server = await start();
      server.failNext({ status: 503, body: vendor.errorBody("Try again later") });
      const failure = requestFailure(await rejectionOf(authFor(server, { retries: 0 }).getToken()));
      expect(failure.status).toBe(503);
      expect(failure.message).toContain("Try again later");
    });

    it("turns a 2xx without a token into a TokenResponseError", async () => {
      const server = await start();
      server.failNext({ status: 200, body: vendor.tokenlessBody });
      const error = await rejectionOf(authFor(server).getToken());
      expect(error).toBeInstanceOf(TokenResponseError);
      expect(error).not.toBeInstanceOf(TokenRequestError);
      expect((error as { status?: number }).status).toBe(200);
    });

    it("turns a 2xx that is not JSON into a TokenResponseError", async () => {
      const server = await start();
      server.failNext({ status: 200, body: "<html>maintenance</html>" });
      expect(await rejectionOf(authFor(server).getToken())).toBeInstanceOf(TokenResponseError);
    });

    it("reports a dropped connection or a closed server without status, with a cause", async () => {
      const server = await start();
      server.failNext("drop");
      const dropped = requestFailure(await rejectionOf(authFor(server, { retries: 0 }).getToken()));
      expect(dropped.status).toBeUndefined();
      expect(dropped.cause).toBeDefined();
      await server.close();
      const closed = requestFailure(await rejectionOf(authFor(server, { retries: 0 }).getToken()));
      expect(closed.status).toBeUndefined();
      expect(closed.cause).toBeInstanceOf(Error);
    });

    it("times out after timeoutMs", async () => {
      const server = await start();
      server.setDelay(2_000);
      const auth = authFor(server, { retries: 0, timeoutMs: 50 });
      const failure = requestFailure(await rejectionOf(auth.getToken()));
      expect(failure.status).toBeUndefined();
      expect(failure.cause).toBeDefined();
    });

    it("rejects an aborted caller with the signal's reason while others still get the token", async () => {
      const server = await start();
      server.setDelay(50);
      const auth = authFor(server);
      const controller = new AbortController();
      const reason = new Error("caller gave up");
      const aborted = rejectionOf(auth.getToken({ signal: controller.signal }));
      const patient = auth.getToken();
      await vi.waitFor(() => expect(server.requests).toHaveLength(1), { interval: 1 });
      controller.abort(reason);
      expect(await aborted).toBe(reason);
      expect((await patient).accessToken).toBe(server.issuedTokens[0]);
      expect(server.tokenRequests()).toBe(1);
    });

    it("rejects a caller whose signal is already aborted, without a request", async () => {
      const server = await start();
      const reason = new Error("too late");
      const signal = AbortSignal.abort(reason);
      expect(await rejectionOf(authFor(server).getToken({ signal }))).toBe(reason);
      expect(server.requests).toHaveLength(0);
    });

    // A signal aborted while getToken() still awaits the cache key or the store is seen too.
    it("rejects a caller whose signal aborts before its request is under way", async () => {
      const server = await start();
      server.setDelay(50);
      const controller = new AbortController();
      const reason = new Error("caller gave up");
      const pending = rejectionOf(authFor(server).getToken({ signal: controller.signal }));
      controller.abort(reason);
      expect(await pending).toBe(reason);
    });
  });

  describe(`${vendor.name} secrets (shared conformance)`, () => {
    const { start, authFor, secretsOf } = useVendorHarness(vendor);

    it("appear in no error, cause or event of any failure", async () => {
      const server = await start();
      const events: ObservedEvent[] = [];
      const onEvent = (event: ObservedEvent): void => void events.push(event);
      const credentials = { ...server.credentials, ...vendor.optionalCredentials };
      const auth = authFor(server, { retries: 0, onEvent, credentials });
      await auth.getToken();
      const failures: Array<readonly [string, ScriptedResponse]> = [
        ["401", { status: 401, body: vendor.refusal.body(T0) }],
        ["503", { status: 503, body: vendor.unavailable.body }],
        ["no token", { status: 200, body: vendor.tokenlessBody }],
        ["drop", "drop"],
        ...(vendor.moreFailures ?? []),
      ];
      // Each failure is a login: without a cached token there is nothing to refresh.
      for (const [label, response] of failures) {
        await auth.invalidate();
        server.failNext(response);
        const error = await rejectionOf(auth.getToken());
        expect(error, label).toBeInstanceOf(Error);
        expectNoSecrets(error, secretsOf(server), label);
      }
      const wrong = authFor(server, {
        retries: 0,
        onEvent,
        credentials: vendor.withWrongSecret(server.credentials, "wrong-secret-value"),
      });
      const secrets = secretsOf(server, "wrong-secret-value");
      expectNoSecrets(await rejectionOf(wrong.getToken()), secrets, "wrong credentials");
      await server.close();
      await auth.invalidate();
      expectNoSecrets(await rejectionOf(auth.getToken()), secrets, "closed server");

      expect(events.filter((event) => event.type === "refresh-error")).toHaveLength(
        failures.length + 2,
      );
      expectNoSecrets(events, secrets, "events");
    });

    it("are hidden from util.inspect of the provider and the token", async () => {
      const server = await start();
      const auth = authFor(server);
      const token = await auth.getToken();
      expect(inspect(auth, { depth: 10 })).toContain(vendor.name);
      expectNoSecrets(inspect(auth, { depth: 10 }), secretsOf(server), "provider");
      expect(inspect(token, { depth: 10 })).toContain("[redacted]");
      expectNoSecrets(inspect(token, { depth: 10 }), secretsOf(server), "token");
    });
  });
}
