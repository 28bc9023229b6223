import { afterEach, describe, expect, it } from "vitest";
import { TokenRequestError, TokenResponseError } from "./errors.js";
import type { TokenEvent } from "./events.js";
import { createTokenProvider } from "./provider.js";
import { MAX_RETRY_AFTER_MS, isRetryable, withRetries } from "./retry.js";
import {
  ACME_CLIENT_ID,
  ACME_SECRET,
  SECOND,
  T0,
  acmeJson,
  closeAllServers,
  createClock,
  dropConnection,
  failWith,
  leaked,
  neverAnswer,
  recordingSleep,
  startAcmeTokens,
  unusedUrl,
  type AcmeAnswer,
  rejection,
} from "./test-server.test-helper.js";

afterEach(closeAllServers);

type Clock = ReturnType<typeof createClock>;

const KEY = /^tokenyard:v1:acme:[0-9a-f]{64}$/;

function requestError(status: number | undefined, retryAfterMs?: number): TokenRequestError {
  return new TokenRequestError("failed", {
    vendor: "Acme",
    operation: "createToken",
    attempts: 1,
    status,
    retryAfterMs,
  });
}

describe("withRetries (unit)", () => {
  const policy = (retries: number) => {
    const { sleep, sleeps } = recordingSleep();
    const retriesSeen: { attempt: number; delayMs: number; status: number | undefined }[] = [];
    return {
      sleeps,
      retriesSeen,
      policy: {
        retries,
        sleep,
        random: () => 1,
        onRetry: (retry: (typeof retriesSeen)[number]) => {
          retriesSeen.push(retry);
        },
      },
    };
  };

  it("classifies: network/timeout, 408, 429 and 5xx are retryable; other 4xx and other errors not", () => {
    for (const status of [undefined, 408, 429, 500, 502, 503, 504, 599]) {
      expect(isRetryable(requestError(status))).toBe(true);
    }
    for (const status of [400, 401, 403, 404, 405, 409, 410, 422, 499]) {
      expect(isRetryable(requestError(status))).toBe(false);
    }
    expect(isRetryable(new Error("boom"))).toBe(false);
    expect(
      isRetryable(
        new TokenResponseError("no token", {
          vendor: "Acme",
          operation: "createToken",
          attempts: 1,
          status: 200,
        }),
      ),
    ).toBe(false);
  });

  it("returns the first success without sleeping", async () => {
    const { policy: p, sleeps } = policy(2);
    expect(await withRetries(async (n) => `ok-${n}`, p)).toBe("ok-1");
    expect(sleeps).toEqual([]);
  });

  it("retries `retries` times with growing full-jitter waits, then throws the last error", async () => {
    const { policy: p, sleeps, retriesSeen } = policy(4);
    const seen: number[] = [];
    const error = await rejection(
      withRetries(async (n) => {
        seen.push(n);
        throw requestError(503);
      }, p),
    );
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(sleeps).toEqual([250, 500, 1000, 2000]);
    expect(retriesSeen).toEqual([
      { attempt: 1, delayMs: 250, status: 503 },
      { attempt: 2, delayMs: 500, status: 503 },
      { attempt: 3, delayMs: 1000, status: 503 },
      { attempt: 4, delayMs: 2000, status: 503 },
    ]);
  });

  it("retries: 0 makes exactly one attempt", async () => {
    const { policy: p, sleeps } = policy(0);
    let calls = 0;
    await rejection(
      withRetries(async () => {
        calls += 1;
        throw requestError(undefined);
      }, p),
    );
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("does not retry other errors", async () => {
    const { policy: p } = policy(5);
    let calls = 0;
    const boom = new Error("bug");
    expect(
      await rejection(
        withRetries(async () => {
          calls += 1;
          throw boom;
        }, p),
      ),
    ).toBe(boom);
    expect(calls).toBe(1);
  });

  it("waits exactly the vendor's retryAfterMs up to 60 s, and not at all beyond", async () => {
    expect(MAX_RETRY_AFTER_MS).toBe(60_000);
    const { policy: p, sleeps } = policy(3);
    const answers = [requestError(429, 0), requestError(429, 60_000), requestError(429, 60_001)];
    let calls = 0;
    const error = await rejection(
      withRetries(async () => {
        throw answers[calls++];
      }, p),
    );
    expect(calls).toBe(3);
    expect(sleeps).toEqual([0, 60_000]);
    expect(error).toBe(answers[2]);
  });
});

// ---------------------------------------------------------------------------------------------
// Through createTokenProvider, against a real server on 127.0.0.1
// ---------------------------------------------------------------------------------------------

async function setup(
  options: Record<string, unknown> & { answer?: AcmeAnswer; clock?: Clock; url?: string } = {},
) {
  const { answer, clock = createClock(), url, ...extra } = options;
  const acme = await startAcmeTokens(clock);
  acme.state.answer = answer;
  const { sleep, sleeps } = recordingSleep();
  const events: TokenEvent[] = [];
  const provider = createTokenProvider(acmeJson, {
    credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET },
    baseUrl: url ?? acme.server.url,
    now: clock.now,
    sleep,
    random: () => 1,
    onEvent: (event: TokenEvent) => events.push(event),
    ...extra,
  });
  return { ...acme, clock, provider, sleeps, events };
}

const RETRYABLE: { kind: string; answer: AcmeAnswer; status?: number; message: RegExp }[] = [
  { kind: "dropped connection", answer: dropConnection, message: /could not reach the vendor/ },
  { kind: "408", answer: failWith(408), status: 408, message: /HTTP 408/ },
  { kind: "429", answer: failWith(429), status: 429, message: /HTTP 429/ },
  { kind: "500", answer: failWith(500), status: 500, message: /HTTP 500/ },
  { kind: "503", answer: failWith(503), status: 503, message: /HTTP 503/ },
];

describe("retries through the provider", () => {
  describe.each(RETRYABLE)("$kind", ({ answer, status, message }) => {
    it.each([
      { retries: undefined, attempts: 3 },
      { retries: 1, attempts: 2 },
      { retries: 4, attempts: 5 },
    ])(
      "is retried `retries` ($retries) times, then rejects with attempts $attempts",
      async ({ retries, attempts }) => {
        const { provider, tokenRequests, sleeps, events } = await setup({ answer, retries });
        const error = (await rejection(provider.getToken())) as TokenRequestError;
        expect(error).toBeInstanceOf(TokenRequestError);
        expect(error.message).toMatch(message);
        expect(error.status).toBe(status);
        expect(error.attempts).toBe(attempts);
        expect(tokenRequests()).toBe(attempts);
        expect(sleeps).toEqual([250, 500, 1000, 2000].slice(0, attempts - 1));
        expect(events.filter((e) => e.type === "retry")).toHaveLength(attempts - 1);
        expect(events.filter((e) => e.type === "refresh-error")).toEqual([
          expect.objectContaining({ attempts, ...(status ? { status } : {}) }),
        ]);
        expect(provider.stats()).toMatchObject({ requests: 1, failures: 1 });
      },
    );
  });

  it("network error (nothing listening) is retried, rejects without status, with the cause", async () => {
    const { provider, sleeps, events } = await setup({ url: await unusedUrl() });
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBeUndefined();
    expect(error.cause).toBeDefined();
    expect(error.attempts).toBe(3);
    expect(sleeps).toEqual([250, 500]);
    const retries = events.filter((e) => e.type === "retry");
    expect(retries.map((e) => "status" in e)).toEqual([false, false]);
  });

  it("a timeout is retried, then rejects as timed out without status (real 3 × 20 ms)", async () => {
    const { provider, sleeps } = await setup({
      answer: neverAnswer,
      timeoutMs: 20,
    });
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.message).toBe("Acme createToken timed out after 20 ms");
    expect(error.status).toBeUndefined();
    expect(error.attempts).toBe(3);
    // How many attempts reached the server before timing out depends on the machine's load
    // (20 ms of real time); that all three were made and waited between does not.
    expect(sleeps).toEqual([250, 500]);
  });

  it.each([400, 401, 403, 404, 422])("%i is never retried (attempts 1)", async (status) => {
    const { provider, tokenRequests, sleeps, events } = await setup({
      answer: failWith(status, { "retry-after": "1" }),
      retries: 5,
    });
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBe(status);
    expect(error.attempts).toBe(1);
    expect(tokenRequests()).toBe(1);
    expect(sleeps).toEqual([]);
    expect(events.some((e) => e.type === "retry")).toBe(false);
  });

  it("a 2xx without a usable token is not retried", async () => {
    const { provider, tokenRequests } = await setup({
      answer: (_request, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ nothing: true }));
        return true;
      },
    });
    expect(await rejection(provider.getToken())).toBeInstanceOf(TokenResponseError);
    expect(tokenRequests()).toBe(1);
  });

  it("Retry-After: 2 → sleeps exactly 2000 ms, then succeeds", async () => {
    let n = 0;
    const { provider, sleeps, events } = await setup({
      answer: (request, response) =>
        n++ === 0 ? failWith(429, { "retry-after": "2" })(request, response) : false,
    });
    expect((await provider.getToken()).accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(sleeps).toEqual([2000]);
    expect(events.find((e) => e.type === "retry")).toMatchObject({ delayMs: 2000, status: 429 });
  });

  it("Retry-After as an HTTP date counts from the injected clock", async () => {
    const clock = createClock(T0 + 17 * SECOND);
    let n = 0;
    const { provider, sleeps } = await setup({
      clock,
      answer: (request, response) =>
        n++ === 0
          ? failWith(503, { "retry-after": new Date(clock.now() + 5 * SECOND).toUTCString() })(
              request,
              response,
            )
          : false,
    });
    await provider.getToken();
    expect(sleeps).toEqual([5000]);
  });

  it("x-ratelimit-reset (unix seconds) is honoured", async () => {
    const clock = createClock();
    let n = 0;
    const { provider, sleeps } = await setup({
      clock,
      answer: (request, response) =>
        n++ === 0
          ? failWith(429, { "x-ratelimit-reset": String(clock.now() / 1000 + 7) })(
              request,
              response,
            )
          : false,
    });
    await provider.getToken();
    expect(sleeps).toEqual([7000]);
  });

  it("Retry-After of exactly 60 s is waited", async () => {
    let n = 0;
    const { provider, sleeps } = await setup({
      answer: (request, response) =>
        n++ === 0 ? failWith(429, { "retry-after": "60" })(request, response) : false,
    });
    await provider.getToken();
    expect(sleeps).toEqual([60_000]);
  });

  it("Retry-After over 60 s is not waited: the error carries retryAfterMs", async () => {
    const { provider, tokenRequests, sleeps, events } = await setup({
      answer: failWith(429, { "retry-after": "120" }),
    });
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(120_000);
    expect(error.attempts).toBe(1);
    expect(tokenRequests()).toBe(1);
    expect(sleeps).toEqual([]);
    expect(events.some((e) => e.type === "retry")).toBe(false);
  });

  it("retries: 0 → one attempt", async () => {
    const { provider, tokenRequests, sleeps } = await setup({
      answer: failWith(503),
      retries: 0,
    });
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error.attempts).toBe(1);
    expect(tokenRequests()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it("timeoutMs: 0 → the attempt times out at once, before anything reaches the vendor", async () => {
    const { provider, tokenRequests, sleeps } = await setup({ timeoutMs: 0, retries: 0 });
    for (let i = 0; i < 20; i += 1) {
      const error = (await rejection(provider.getToken())) as TokenRequestError;
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error.message).toBe("Acme createToken timed out after 0 ms");
      expect(error.status).toBeUndefined();
      expect(error.attempts).toBe(1);
    }
    expect(tokenRequests()).toBe(0);
    expect(sleeps).toEqual([]);
  });

  it("timeoutMs: 0 with retries: every attempt times out", async () => {
    const { provider, sleeps } = await setup({ timeoutMs: 0, retries: 2 });
    const error = (await rejection(provider.getToken())) as TokenRequestError;
    expect(error.message).toMatch(/timed out after 0 ms/);
    expect(error.attempts).toBe(3);
    expect(sleeps).toEqual([250, 500]);
  });

  it("random: () => 0 retries with no wait at all", async () => {
    const { provider, sleeps } = await setup({ answer: failWith(500), random: () => 0 });
    await rejection(provider.getToken());
    expect(sleeps).toEqual([0, 0]);
  });

  it("success after two failures: the token, retry events, and refresh with attempts 3", async () => {
    const clock = createClock();
    const { sleep, sleeps } = recordingSleep(clock);
    let n = 0;
    const { provider, events, tokenRequests } = await setup({
      clock,
      sleep,
      answer: (request, response) =>
        n++ < 2 ? failWith(n === 1 ? 503 : 502)(request, response) : false,
    });
    const token = await provider.getToken();
    expect(token.accessToken).toBe(`tok-${ACME_CLIENT_ID}-1`);
    expect(token.obtainedAt).toBe(T0 + 750);
    expect(tokenRequests()).toBe(3);
    expect(sleeps).toEqual([250, 500]);
    const base = { vendor: "Acme", key: expect.stringMatching(KEY) };
    expect(events).toEqual([
      { type: "miss", reason: "empty", ...base, at: T0 },
      {
        type: "retry",
        operation: "createToken",
        attempt: 1,
        delayMs: 250,
        status: 503,
        ...base,
        at: T0,
      },
      {
        type: "retry",
        operation: "createToken",
        attempt: 2,
        delayMs: 500,
        status: 502,
        ...base,
        at: T0 + 250,
      },
      {
        type: "refresh",
        operation: "createToken",
        durationMs: 750,
        attempts: 3,
        expiresAt: T0 + 750 + 3600 * SECOND,
        ...base,
        at: T0 + 750,
      },
    ]);
    expect(provider.stats()).toMatchObject({ requests: 1, failures: 0, misses: 1 });
  });

  it("retry and refresh-error events and the errors never carry a secret", async () => {
    const kinds: AcmeAnswer[] = [
      failWith(503, { "retry-after": "1" }),
      dropConnection,
      (_request, response) => {
        // A vendor that echoes the secret back in its error body.
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: `bad secret ${ACME_SECRET}` }));
        return true;
      },
    ];
    for (const answer of kinds) {
      const { provider, events } = await setup({ answer });
      const error = await rejection(provider.getToken());
      const retries = events.filter((e) => e.type === "retry");
      expect(retries).toHaveLength(2);
      for (const event of retries) {
        expect(Object.keys(event).sort()).toEqual(
          ["at", "attempt", "delayMs", "key", "operation", "type", "vendor"]
            .concat("status" in event ? ["status"] : [])
            .sort(),
        );
      }
      const surfaces = [JSON.stringify(events), String(error), JSON.stringify(error)];
      expect(leaked(surfaces, [ACME_SECRET])).toEqual([]);
    }
  });
});
