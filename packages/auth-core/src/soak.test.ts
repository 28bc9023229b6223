/**
 * The soak test of issue 3: a simulated day of 1-hour tokens and a million callers. It runs on
 * the injected clock against a real node:http vendor on 127.0.0.1 (only 27 requests reach it),
 * letting each background refresh land before the clock moves on, so every run is the same.
 */
import { afterEach, expect, it } from "vitest";
import type { AccessToken } from "./access-token.js";
import type { TokenEvent } from "./events.js";
import { createTokenProvider } from "./provider.js";
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
  nextTurn,
  startAcmeTokens,
  until,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

const CALLS = 1_000_000;
const DAY = 24 * HOUR;
const WAITED = Symbol("waited for I/O");

it("24 h of 1-hour tokens, 1,000,000 calls: 27 requests, never an unusable token, never a wait after the first", async () => {
  const clock = createClock();
  const acme = await startAcmeTokens(clock, { lifetimeSeconds: 3600 });
  const counts = {
    hit: 0,
    miss: 0,
    refresh: 0,
    "refresh-error": 0,
    "store-error": 0,
    retry: 0,
    replay: 0,
  };
  const provider = createTokenProvider(acmeJson, {
    credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET },
    baseUrl: acme.server.url,
    now: clock.now,
    sleep: () => Promise.reject(new Error("nothing should be retried")),
    random: () => 0.5,
    onEvent: (event: TokenEvent) => {
      counts[event.type] += 1;
    },
  });

  const problems: string[] = [];
  const obtained: number[] = [];
  let latest: AccessToken | undefined;
  let requests = 0;
  // When the background refresh that has just landed started (its token's obtainedAt).
  let refreshStartedAt: number | undefined;

  for (let i = 0; i < CALLS; i += 1) {
    const at = T0 + Math.floor((i * DAY) / CALLS);
    clock.set(at);
    const hitsBefore = counts.hit;
    const refreshesBefore = counts.refresh;
    const pending = provider.getToken();
    // Inside the refresh window the slow path runs: prove it settles before any I/O could
    // happen (the vendor's answer needs an I/O turn), i.e. the caller never waits on the network.
    const inWindow = latest !== undefined && at >= latest.expiresAt - 5 * MINUTE;
    const token = inWindow
      ? await Promise.race([pending, nextTurn().then((): typeof WAITED => WAITED)])
      : await pending;
    if (token === WAITED) {
      problems.push(`call ${i} waited for I/O`);
      continue;
    }
    if (token.expiresAt - 30 * SECOND <= at) {
      problems.push(
        `call ${i} at +${at - T0} ms got a token expiring at +${token.expiresAt - T0} ms`,
      );
    }
    if (i > 0 && counts.hit !== hitsBefore + 1) problems.push(`call ${i} was not a cache hit`);
    if (token !== latest) {
      // Only the first call and the first call after a refresh landed see a new token.
      if (i > 0 && refreshStartedAt === undefined) problems.push(`call ${i} got a new token`);
      if (refreshStartedAt !== undefined && token.obtainedAt !== refreshStartedAt) {
        problems.push(`call ${i} got a token obtained at ${token.obtainedAt}`);
      }
      refreshStartedAt = undefined;
      latest = token;
      obtained.push(token.obtainedAt);
    } else if (refreshStartedAt !== undefined) {
      problems.push(`call ${i} still got the old token after the refresh landed`);
    }

    const started = provider.stats().requests;
    if (started !== requests) {
      requests = started;
      if (i > 0) {
        // A background refresh began with this call, which already has the cached token.
        if (counts.refresh !== refreshesBefore) problems.push(`call ${i} saw the refresh land`);
        await acme.whenAnswered(requests);
        await until(() => counts.refresh === requests, "the background refresh");
        await nextTurn();
        refreshStartedAt = at;
      }
    }
  }

  expect(problems.slice(0, 10)).toEqual([]);
  expect(acme.tokenRequests()).toBe(27);
  expect(provider.stats()).toEqual({
    hits: CALLS - 1,
    misses: 1,
    requests: 27,
    failures: 0,
    replays: 0,
    storeErrors: 0,
  });
  expect(counts).toEqual({
    hit: CALLS - 1,
    miss: 1,
    refresh: 27,
    "refresh-error": 0,
    "store-error": 0,
    retry: 0,
    replay: 0,
  });
  // One at the start, then one each time the token enters its 5-minute window: every 55 minutes
  // (plus up to one 86.4 ms step, since a refresh starts with the first call in the window).
  expect(obtained).toHaveLength(27);
  expect(obtained[0]).toBe(T0);
  const gaps = obtained.slice(1).map((t, k) => t - obtained[k]!);
  for (const gap of gaps) {
    expect(gap).toBeGreaterThanOrEqual(55 * MINUTE);
    expect(gap).toBeLessThan(55 * MINUTE + 87);
  }
  expect(obtained.at(-1)! - T0).toBeLessThan(DAY);
}, 30_000);
