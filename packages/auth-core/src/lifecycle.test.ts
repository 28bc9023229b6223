/**
 * The token's life through createTokenProvider over real HTTP on 127.0.0.1: refresh ahead,
 * single flight of background refreshes, outages with backoff on the injected clock, the error
 * once the token is inside the skew, recovery, and the meaning of 0 for every window.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AccessToken } from "./access-token.js";
import { TokenRequestError } from "./errors.js";
import type { TokenEvent } from "./events.js";
import { createTokenProvider } from "./provider.js";
import { createMemoryStore } from "./token-store.js";
import {
  ACME_CLIENT_ID,
  ACME_SECRET,
  HOUR,
  MINUTE,
  SECOND,
  T0,
  acmeJson,
  closeAllServers,
  createClock,
  deferred,
  dropConnection,
  failWith,
  leaked,
  nextTurn,
  recordingSleep,
  startAcmeTokens,
  until,
  rejection,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

const tok = (n: number) => `tok-${ACME_CLIENT_ID}-${n}`;
const WINDOW_START = T0 + 55 * MINUTE; // default window of a 1-hour token
const SKEW_START = T0 + HOUR - 30 * SECOND; // default skew of a 1-hour token

async function setup(extra: Record<string, unknown> = {}, lifetimeSeconds = 3600) {
  const clock = createClock();
  const acme = await startAcmeTokens(clock, { lifetimeSeconds });
  const { sleep, sleeps } = recordingSleep();
  const events: TokenEvent[] = [];
  const options = {
    credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET },
    baseUrl: acme.server.url,
    now: clock.now,
    sleep,
    random: () => 1,
    onEvent: (event: TokenEvent) => events.push(event),
    ...extra,
  };
  const provider = createTokenProvider(acmeJson, options);
  const count = (type: TokenEvent["type"]) => events.filter((e) => e.type === type).length;
  return { ...acme, clock, provider, sleeps, events, count, options };
}

/** Fails the test (instead of hanging) if `promise` has not settled within `ms` of real time. */
function within<T>(promise: Promise<T>, ms = 1000): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** True if `promise` is still pending after the event loop turned a few times. */
async function isPending(promise: Promise<unknown>, turns = 5): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < turns; i += 1) await nextTurn();
  return !settled;
}

describe("refresh ahead", () => {
  it("outside the window: served from memory, no request", async () => {
    const { provider, clock, tokenRequests } = await setup();
    const first = await provider.getToken();
    clock.set(WINDOW_START - 1);
    expect(await provider.getToken()).toBe(first);
    await nextTurn();
    expect(tokenRequests()).toBe(1);
    expect(provider.stats().requests).toBe(1);
  });

  it("inside the window: 100 callers get the cached token at once while ONE background refresh is held back", async () => {
    const { provider, clock, state, server, tokenRequests, answered, count, events } =
      await setup();
    const first = await provider.getToken();
    const gate = deferred();
    state.gate = gate.promise;
    clock.set(WINDOW_START);
    const callers = Array.from({ length: 100 }, () => provider.getToken());
    // They resolve while the vendor's answer is still held back.
    const tokens = await within(Promise.all(callers));
    expect(new Set(tokens)).toEqual(new Set([first]));
    expect(answered()).toBe(1);
    await server.received(2);
    // More callers arrive, later in the window, while the refresh is still running.
    for (let i = 1; i <= 50; i += 1) {
      clock.set(WINDOW_START + i * SECOND);
      expect(await within(provider.getToken())).toBe(first);
      expect(await within(provider.getToken({}))).toBe(first);
      expect(await within(provider.getAuthorizationHeader())).toBe(`Bearer ${tok(1)}`);
    }
    for (let i = 0; i < 5; i += 1) await nextTurn();
    expect(tokenRequests()).toBe(2);
    expect(provider.stats()).toMatchObject({ requests: 2, misses: 1, failures: 0 });
    expect(count("refresh")).toBe(1);
    expect(count("miss")).toBe(1);

    gate.resolve();
    await until(() => count("refresh") === 2, "the background refresh");
    await nextTurn();
    const next = await provider.getToken();
    expect(next.accessToken).toBe(tok(2));
    expect(next.obtainedAt).toBe(WINDOW_START + 50 * SECOND);
    expect(events.filter((e) => e.type === "refresh").at(-1)).toMatchObject({
      type: "refresh",
      operation: "createToken",
      attempts: 1,
      expiresAt: WINDOW_START + 50 * SECOND + HOUR,
      at: WINDOW_START + 50 * SECOND,
    });
    // The new token is outside its own window: plain cache hits again, no more requests.
    clock.advance(MINUTE);
    expect(await provider.getToken()).toBe(next);
    await nextTurn();
    expect(tokenRequests()).toBe(2);
    expect(provider.stats().misses).toBe(1);
  });

  it("the window starts exactly at expiresAt - 5 min", async () => {
    const { provider, clock, tokenRequests, server } = await setup();
    await provider.getToken();
    clock.set(WINDOW_START - 1);
    await provider.getToken();
    expect(provider.stats().requests).toBe(1);
    clock.set(WINDOW_START);
    await provider.getToken();
    expect(provider.stats().requests).toBe(2);
    await server.received(2);
    expect(tokenRequests()).toBe(2);
  });

  it("a forced refresh while a background refresh runs joins it", async () => {
    const { provider, clock, state, server, tokenRequests, events } = await setup();
    await provider.getToken();
    const gate = deferred();
    state.gate = gate.promise;
    clock.set(WINDOW_START);
    expect((await provider.getToken()).accessToken).toBe(tok(1));
    await server.received(2);
    const forced = Array.from({ length: 10 }, () => provider.getToken({ forceRefresh: true }));
    expect(await isPending(Promise.all(forced))).toBe(true);
    expect(tokenRequests()).toBe(2);
    gate.resolve();
    const tokens = await within(Promise.all(forced));
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set([tok(2)]));
    expect(tokenRequests()).toBe(2);
    expect(provider.stats().requests).toBe(2);
    expect(events.filter((e) => e.type === "miss" && e.reason === "forced")).toHaveLength(10);
  });

  it("a caller who reaches the skew while the background refresh runs waits for it (no second request)", async () => {
    const { provider, clock, state, server, tokenRequests } = await setup();
    await provider.getToken();
    const gate = deferred();
    state.gate = gate.promise;
    clock.set(WINDOW_START);
    await provider.getToken();
    await server.received(2);
    clock.set(SKEW_START);
    const waiting = provider.getToken();
    expect(await isPending(waiting)).toBe(true);
    gate.resolve();
    expect((await within(waiting)).accessToken).toBe(tok(2));
    expect(tokenRequests()).toBe(2);
  });

  it("a refresh window longer than the token's life does not make every call a request", async () => {
    const { provider, clock, tokenRequests, whenAnswered } = await setup(
      { refreshWindowMs: 5 * MINUTE },
      60,
    );
    await provider.getToken();
    // Ten calls over the first tenth of each token's life (6 s): the first token is never due.
    for (let i = 0; i < 10; i += 1) {
      await provider.getToken();
      await nextTurn();
      clock.advance(500);
    }
    expect(tokenRequests()).toBe(1);
    // From then on, one background refresh, and the new token is not due again at once.
    clock.set(T0 + 6 * SECOND);
    await provider.getToken();
    await whenAnswered(2);
    for (let i = 0; i < 10; i += 1) {
      await nextTurn();
      await provider.getToken();
    }
    expect(tokenRequests()).toBe(2);
  });

  it("two providers on one store share one background refresh", async () => {
    const first = await setup();
    const store = createMemoryStore({ now: first.clock.now });
    const a = createTokenProvider(acmeJson, { ...first.options, store });
    const b = createTokenProvider(acmeJson, { ...first.options, store });
    await Promise.all([a.getToken(), b.getToken()]);
    const gate = deferred();
    first.state.gate = gate.promise;
    first.clock.set(WINDOW_START);
    await within(Promise.all([a.getToken(), b.getToken(), a.getToken(), b.getToken()]));
    await first.server.received(2);
    for (let i = 0; i < 5; i += 1) await nextTurn();
    expect(first.tokenRequests()).toBe(2);
    gate.resolve();
    await first.whenAnswered(2);
    await until(() => first.count("refresh") === 2, "refresh");
    await nextTurn();
    first.clock.advance(SECOND);
    expect((await a.getToken()).accessToken).toBe(tok(2));
    // b did not start the refresh: it still serves its valid copy at once, and its own
    // background refresh finds a's token in the store instead of asking the vendor.
    expect((await b.getToken()).accessToken).toBe(tok(1));
    await nextTurn();
    expect((await b.getToken()).accessToken).toBe(tok(2));
    expect(first.tokenRequests()).toBe(2);
  });

  it("short-lived (60 s) tokens: background refresh from 40 s, usable until 54 s", async () => {
    const { provider, clock, state, tokenRequests, whenAnswered, count } = await setup({}, 60);
    await provider.getToken();
    clock.set(T0 + 40 * SECOND - 1);
    await provider.getToken();
    expect(provider.stats().requests).toBe(1);
    state.answer = failWith(503);
    clock.set(T0 + 40 * SECOND);
    expect((await provider.getToken()).accessToken).toBe(tok(1));
    await whenAnswered(4); // 1 + 3 attempts
    await until(() => count("refresh-error") === 1, "refresh-error");
    clock.set(T0 + 54 * SECOND - 1);
    expect((await provider.getToken()).accessToken).toBe(tok(1));
    clock.set(T0 + 54 * SECOND);
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBe(503);
    expect(tokenRequests()).toBeGreaterThan(4);
  });
});

describe("outage during the refresh window", () => {
  it("5xx: the valid token keeps being served, no error reaches callers, refresh-error events", async () => {
    const { provider, clock, state, count, events, whenAnswered, sleeps } = await setup();
    const first = await provider.getToken();
    state.answer = failWith(503);
    clock.set(WINDOW_START);
    expect(await provider.getToken()).toBe(first);
    await whenAnswered(4);
    await until(() => count("refresh-error") === 1, "refresh-error");
    // The background refresh retried with the injected sleep (random → 1: 250, 500).
    expect(sleeps).toEqual([250, 500]);
    expect(events.filter((e) => e.type === "refresh-error")).toEqual([
      expect.objectContaining({ operation: "createToken", status: 503, attempts: 3 }),
    ]);
    for (let t = WINDOW_START; t < SKEW_START; t += 7 * SECOND) {
      clock.set(t);
      expect(await provider.getToken()).toBe(first);
    }
    expect(provider.stats().misses).toBe(1);
    expect(count("miss")).toBe(1);
    expect(leaked([JSON.stringify(events)], [ACME_SECRET, tok(1)])).toEqual([]);
  });

  it("dropped connections: the same, and the error carries no status", async () => {
    const { provider, clock, state, count, events, whenAnswered } = await setup({ retries: 0 });
    const first = await provider.getToken();
    state.answer = dropConnection;
    clock.set(WINDOW_START);
    expect(await provider.getToken()).toBe(first);
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    expect(events.find((e) => e.type === "refresh-error")).not.toHaveProperty("status");
    clock.set(SKEW_START - 1);
    expect(await provider.getToken()).toBe(first);
    clock.set(SKEW_START);
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/could not reach the vendor/);
  });

  it("random → 1: background attempts wait exactly 250 ms, 500 ms, 1 s, … capped at 10 s", async () => {
    const { provider, clock, state, count, whenAnswered } = await setup({ retries: 0 });
    const first = await provider.getToken();
    state.answer = failWith(503);
    let failures = 0;
    let failedAt = WINDOW_START;
    clock.set(failedAt);
    expect(await provider.getToken()).toBe(first);
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    await nextTurn();
    failures = 1;

    const waits: number[] = [];
    for (const expected of [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]) {
      // One ms early: the token is served and no attempt starts.
      clock.set(failedAt + expected - 1);
      expect(await provider.getToken()).toBe(first);
      await nextTurn();
      expect(provider.stats().requests).toBe(failures + 1);
      // On time: the next background attempt starts, and the token is still served at once.
      clock.set(failedAt + expected);
      expect(await within(provider.getToken())).toBe(first);
      expect(provider.stats().requests).toBe(failures + 2);
      await whenAnswered(failures + 2);
      await until(() => count("refresh-error") === failures + 1, "refresh-error");
      await nextTurn();
      failures += 1;
      waits.push(clock.now() - failedAt);
      failedAt = clock.now();
    }
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(provider.stats()).toMatchObject({ failures: 10, misses: 1 });
  });

  it("a background refresh refused with Retry-After waits as long as the vendor asked, even past 60 s", async () => {
    const { provider, clock, state, count, whenAnswered } = await setup({ retries: 0 });
    const first = await provider.getToken();
    state.answer = failWith(429, { "retry-after": "120" });
    clock.set(WINDOW_START);
    expect(await provider.getToken()).toBe(first);
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    await nextTurn();
    // Backoff alone would allow another attempt after 250 ms; the vendor said 120 s.
    clock.set(WINDOW_START + 120 * SECOND - 1);
    expect(await provider.getToken()).toBe(first);
    await nextTurn();
    expect(provider.stats().requests).toBe(2);
    clock.set(WINDOW_START + 120 * SECOND);
    expect(await provider.getToken()).toBe(first);
    expect(provider.stats().requests).toBe(3);
  });

  it("while a background refresh backs off, callers are served without reading the store", async () => {
    const reads: string[] = [];
    const memory = createMemoryStore();
    const store = { ...memory, get: (key: string) => (reads.push(key), memory.get(key)) };
    const { provider, clock, state, count, whenAnswered } = await setup({ retries: 0, store });
    const first = await provider.getToken();
    const readsAfterFirst = reads.length;
    state.answer = failWith(503);
    clock.set(WINDOW_START);
    expect(await provider.getToken()).toBe(first); // reads the store once, then refreshes
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    for (let i = 0; i < 100; i += 1) expect(await provider.getToken()).toBe(first);
    expect(reads.length).toBe(readsAfterFirst + 1);
  });

  it("many callers during one failing background refresh count as ONE failure (first pause 250 ms)", async () => {
    const { provider, clock, state, server, count, whenAnswered } = await setup({ retries: 0 });
    const first = await provider.getToken();
    state.answer = failWith(503);
    const gate = deferred();
    state.gate = gate.promise;
    clock.set(WINDOW_START);
    for (let i = 0; i < 50; i += 1) {
      clock.set(WINDOW_START + i);
      expect(await within(provider.getToken())).toBe(first);
    }
    await server.received(2);
    gate.resolve();
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    await nextTurn();
    expect(provider.stats().requests).toBe(2);
    // The failure landed at WINDOW_START + 49: the next attempt may start 250 ms later.
    clock.set(WINDOW_START + 49 + 249);
    await provider.getToken();
    expect(provider.stats().requests).toBe(2);
    clock.set(WINDOW_START + 49 + 250);
    await provider.getToken();
    expect(provider.stats().requests).toBe(3);
  });

  it("random → 0: each caller after a failure may start the next attempt at once", async () => {
    const { provider, clock, state, count, whenAnswered } = await setup({
      retries: 0,
      random: () => 0,
    });
    const first = await provider.getToken();
    state.answer = failWith(500);
    clock.set(WINDOW_START);
    for (let i = 1; i <= 5; i += 1) {
      expect(await provider.getToken()).toBe(first);
      expect(provider.stats().requests).toBe(i + 1);
      await whenAnswered(i + 1);
      await until(() => count("refresh-error") === i, "refresh-error");
      await nextTurn();
    }
    expect(clock.now()).toBe(WINDOW_START);
  });

  it("inside the skew callers get the typed error; recovery when the vendor returns", async () => {
    const { provider, clock, state, count, whenAnswered, events, tokenRequests } = await setup();
    const first = await provider.getToken();
    state.answer = failWith(503, { "retry-after": "1" });
    clock.set(WINDOW_START);
    expect(await provider.getToken()).toBe(first);
    await whenAnswered(4);
    await until(() => count("refresh-error") === 1, "refresh-error");

    clock.set(SKEW_START);
    const errors = await Promise.all(
      Array.from({ length: 10 }, () => rejection(provider.getToken())),
    );
    expect(new Set(errors).size).toBe(1); // one shared foreground request
    const error = errors[0] as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBe(503);
    expect(error.attempts).toBe(3);
    expect(error.retryAfterMs).toBe(1000);
    expect(tokenRequests()).toBe(7);
    expect(events.filter((e) => e.type === "miss").at(-1)).toMatchObject({ reason: "expired" });

    // Still down, even after expiry: every caller gets the error, never the dead token.
    clock.set(T0 + HOUR + MINUTE);
    expect(await rejection(provider.getToken())).toBeInstanceOf(TokenRequestError);

    state.answer = undefined;
    const fresh = await provider.getToken();
    expect(fresh.accessToken).toBe(tok(2));
    expect(fresh.obtainedAt).toBe(T0 + HOUR + MINUTE);
    clock.advance(MINUTE);
    expect(await provider.getToken()).toBe(fresh);
  });

  it("recovery inside the window: the next allowed background attempt lands the new token", async () => {
    const { provider, clock, state, count, whenAnswered } = await setup({ retries: 0 });
    const first = await provider.getToken();
    state.answer = failWith(502);
    clock.set(WINDOW_START);
    await provider.getToken();
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    state.answer = undefined;
    clock.set(WINDOW_START + 250);
    expect(await provider.getToken()).toBe(first);
    await whenAnswered(3);
    await until(() => count("refresh") === 2, "refresh");
    await nextTurn();
    expect((await provider.getToken()).accessToken).toBe(tok(2));
  });

  it("the backoff starts over after a background refresh succeeds", async () => {
    const { provider, clock, state, count, whenAnswered } = await setup({ retries: 0 });
    await provider.getToken();
    state.answer = failWith(503);
    clock.set(WINDOW_START);
    await provider.getToken();
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    clock.advance(250);
    await provider.getToken();
    await whenAnswered(3);
    await until(() => count("refresh-error") === 2, "refresh-error");
    state.answer = undefined;
    clock.advance(500);
    await provider.getToken();
    await whenAnswered(4);
    await until(() => count("refresh") === 2, "refresh");
    await nextTurn();
    const second = await provider.getToken();
    expect(second.accessToken).toBe(tok(2));

    // The next window, down again: the first pause is 250 ms again, not 1 s.
    state.answer = failWith(503);
    const window2 = second.expiresAt - 5 * MINUTE;
    clock.set(window2);
    await provider.getToken();
    await whenAnswered(5);
    await until(() => count("refresh-error") === 3, "refresh-error");
    await nextTurn();
    clock.set(window2 + 250);
    await provider.getToken();
    expect(provider.stats().requests).toBe(6);
  });

  it("the backoff starts over after a foreground fetch succeeds", async () => {
    const { provider, clock, state, count, whenAnswered } = await setup({ retries: 0 });
    await provider.getToken();
    state.answer = failWith(503);
    clock.set(WINDOW_START);
    let requests = 1;
    // Fail in the background until the token is inside the skew (backoff up to 10 s).
    for (let i = 0; i < 6; i += 1) {
      await provider.getToken();
      if (provider.stats().requests > requests) {
        requests = provider.stats().requests;
        await whenAnswered(requests);
        await until(() => count("refresh-error") === requests - 1, "refresh-error");
        await nextTurn();
      }
      clock.advance(10 * SECOND);
    }
    expect(count("refresh-error")).toBe(6);
    state.answer = undefined;
    clock.set(SKEW_START);
    const second = await provider.getToken();
    expect(second.accessToken).toBe(tok(2));

    state.answer = failWith(503);
    const window2 = second.expiresAt - 5 * MINUTE;
    clock.set(window2);
    await provider.getToken();
    await whenAnswered(requests + 2);
    await until(() => count("refresh-error") === 7, "refresh-error");
    await nextTurn();
    clock.set(window2 + 250);
    expect(await provider.getToken()).toBe(second);
    expect(provider.stats().requests).toBe(requests + 3);
  });
});

describe("0 means zero", () => {
  it("refreshWindowMs: 0 → no refresh ahead; the caller waits once the token is unusable", async () => {
    const { provider, clock, state, tokenRequests, count } = await setup({ refreshWindowMs: 0 });
    const first = await provider.getToken();
    for (const t of [WINDOW_START, T0 + 58 * MINUTE, SKEW_START - 1]) {
      clock.set(t);
      expect(await provider.getToken()).toBe(first);
    }
    await nextTurn();
    expect(tokenRequests()).toBe(1);
    expect(provider.stats().requests).toBe(1);
    const gate = deferred();
    state.gate = gate.promise;
    clock.set(SKEW_START);
    const waiting = provider.getToken();
    expect(await isPending(waiting)).toBe(true);
    gate.resolve();
    expect((await waiting).accessToken).toBe(tok(2));
    expect(count("miss")).toBe(2);
  });

  it("expirySkewMs: 0 → the token is served until expiresAt - 1 while the vendor is down", async () => {
    const { provider, clock, state, count, whenAnswered } = await setup({
      expirySkewMs: 0,
      retries: 0,
    });
    const first = await provider.getToken();
    state.answer = failWith(503);
    clock.set(WINDOW_START);
    expect(await provider.getToken()).toBe(first);
    await whenAnswered(2);
    await until(() => count("refresh-error") === 1, "refresh-error");
    clock.set(T0 + HOUR - 1);
    expect(await provider.getToken()).toBe(first);
    clock.set(T0 + HOUR);
    expect(await rejection(provider.getToken())).toBeInstanceOf(TokenRequestError);
  });

  it("refreshWindowMs: 0 and expirySkewMs: 0 → one request per token lifetime, exactly at expiry", async () => {
    const { provider, clock, tokenRequests } = await setup({
      refreshWindowMs: 0,
      expirySkewMs: 0,
    });
    const tokens: AccessToken[] = [];
    for (let t = T0; t < T0 + 3 * HOUR; t += MINUTE) {
      clock.set(t);
      tokens.push(await provider.getToken());
    }
    await nextTurn();
    expect(tokenRequests()).toBe(3);
    expect(tokens.map((t) => t.obtainedAt).filter((v, i, a) => a.indexOf(v) === i)).toEqual([
      T0,
      T0 + HOUR,
      T0 + 2 * HOUR,
    ]);
  });

  it("a window shorter than the skew refreshes (in the foreground) when the token becomes unusable", async () => {
    const { provider, clock, tokenRequests } = await setup({
      refreshWindowMs: 10 * SECOND,
      expirySkewMs: MINUTE,
    });
    const first = await provider.getToken();
    clock.set(T0 + HOUR - MINUTE - 1);
    expect(await provider.getToken()).toBe(first);
    await nextTurn();
    expect(tokenRequests()).toBe(1);
    clock.set(T0 + HOUR - MINUTE);
    expect((await provider.getToken()).accessToken).toBe(tok(2));
  });
});
