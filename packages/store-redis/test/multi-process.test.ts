/**
 * The promise, with real processes and a real Redis: however many processes ask, one
 * token request per credential set per token lifetime; and a process that dies holding the lock
 * delays the others by at most the lock's TTL.
 *
 * Each worker is a separate Node process (tsx) with a Wilson provider on its own Redis store
 * (this package's sources), all asking one generated Wilson sandbox. Time is an injected clock:
 * the test sets it in every worker over IPC, and the sandbox reads the same value here.
 *
 * Forking tsx processes and running thousands of callers takes seconds on a loaded CI machine:
 * the fleet starts in a hook, and hooks and tests have generous timeouts. They guard against a
 * hang; no assertion here is about wall-clock speed.
 */
import { Redis } from "ioredis";
import { startWilsonSandbox, type Sandbox } from "@tokenyard/wilson-auth/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startRedisServer, type RedisServer } from "../src/redis-server.test-helper.js";
import { killFleet, startWorkers, type Worker } from "./fleet.test-helper.js";
import type { GetResult } from "./worker-protocol.js";

type WilsonSandbox = Sandbox<{ appName: string; clientId: string; clientSecret: string }>;

const PROCESSES = 8;
const CALLERS_PER_PROCESS = 250;
/** A hang guard, for starting a fleet and for each test. */
const TIMEOUT_MS = 60_000;

let redis: RedisServer;
let raw: Redis;
let sandbox: WilsonSandbox;
let clock: number;
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedisServer();
  raw = new Redis(redis.url);
});

afterAll(async () => {
  await killFleet();
  raw?.disconnect();
  await redis?.stop();
});

beforeEach(async () => {
  clock = Date.UTC(2030, 0, 1);
  sandbox = await startWilsonSandbox({ now: () => clock });
});

afterEach(async () => {
  await killFleet();
  await sandbox?.close();
});

/** Starts `count` workers on the sandbox, each with its provider on Redis, all under a fresh prefix. */
async function fleet(
  count: number,
  extra: { timeoutMs?: number; retries?: number } = {},
): Promise<{ workers: Worker[]; keyPrefix: string }> {
  const keyPrefix = `mp${++prefixes}:`;
  const workers = await startWorkers(count);
  await Promise.all(
    workers.map((worker) =>
      worker.init({
        redisUrl: redis.url,
        baseUrl: sandbox.baseUrl,
        credentials: sandbox.credentials,
        now: clock,
        keyPrefix,
        ...extra,
      }),
    ),
  );
  return { workers, keyPrefix };
}

/** Every caller of every result, by token. */
function tally(results: readonly GetResult[]): {
  tokens: Map<string, number>;
  errors: string[];
  expiresAt: Map<string, number>;
} {
  const tokens = new Map<string, number>();
  const expiresAt = new Map<string, number>();
  const errors: string[] = [];
  for (const result of results) {
    for (const [token, count] of Object.entries(result.tokens)) {
      tokens.set(token, (tokens.get(token) ?? 0) + count);
      expiresAt.set(token, result.expiresAt[token]!);
    }
    errors.push(...result.errors);
  }
  return { tokens, errors, expiresAt };
}

const FLEET = `${PROCESSES} processes × ${CALLERS_PER_PROCESS} concurrent callers on one Redis`;

describe(FLEET, { timeout: TIMEOUT_MS }, () => {
  let workers: Worker[];
  beforeEach(async () => {
    ({ workers } = await fleet(PROCESSES));
  }, TIMEOUT_MS);

  it("make exactly one token request when cold, and exactly one more after the token expires", async () => {
    const callers = PROCESSES * CALLERS_PER_PROCESS;

    // Cold: every process asks at once.
    const first = tally(await Promise.all(workers.map((w) => w.get(CALLERS_PER_PROCESS))));
    expect(first.errors).toEqual([]);
    expect(sandbox.tokenRequests()).toBe(1);
    expect(first.tokens.size).toBe(1);
    const [token, count] = [...first.tokens][0]!;
    expect(count).toBe(callers);
    expect(token).toBe(sandbox.issuedTokens[0]);

    // Still within its lifetime: nobody asks again.
    clock += 60_000;
    await Promise.all(workers.map((w) => w.setNow(clock)));
    const warm = tally(await Promise.all(workers.map((w) => w.get(CALLERS_PER_PROCESS))));
    expect([...warm.tokens]).toEqual([[token, callers]]);
    expect(sandbox.tokenRequests()).toBe(1);

    // Past its expiry (Redis still holds the entry: its PX runs on real time, the clock jumped).
    clock = first.expiresAt.get(token)! + 1;
    await Promise.all(workers.map((w) => w.setNow(clock)));
    const second = tally(await Promise.all(workers.map((w) => w.get(CALLERS_PER_PROCESS))));
    expect(second.errors).toEqual([]);
    expect(sandbox.tokenRequests()).toBe(2);
    expect(second.tokens.size).toBe(1);
    const [renewed, renewedCount] = [...second.tokens][0]!;
    expect(renewed).not.toBe(token);
    expect(renewed).toBe(sandbox.issuedTokens[1]);
    expect(renewedCount).toBe(callers);

    // Redis was up and fast the whole time: no process went around it.
    const reports = await Promise.all(workers.map((w) => w.report()));
    expect(reports.flatMap((r) => r.storeErrors)).toEqual([]);
    expect(reports.reduce((n, r) => n + r.stats!.requests, 0)).toBe(2);
  });
});

describe("a process killed while holding the lock", { timeout: TIMEOUT_MS }, () => {
  // timeoutMs 1 s and no retries: the provider's lock lives one attempt + 1 s = 2 s.
  const LOCK_TTL_MS = 2_000;
  let workers: Worker[];
  let keyPrefix: string;
  let subscriber: Redis | undefined;
  beforeEach(async () => {
    ({ workers, keyPrefix } = await fleet(4, { timeoutMs: 1_000, retries: 0 }));
  }, TIMEOUT_MS);
  afterEach(() => subscriber?.disconnect());

  it("delays the others by at most the lock's TTL, and costs exactly one more request", async () => {
    const [victim, ...survivors] = workers as [Worker, ...Worker[]];

    // What happens to the keys under this prefix, in order, as Redis reports it (keyspace
    // notifications): "lock:set", "lock:expired", "entry:set", "lock:del"... ("expire", which
    // every SET PX also reports, left out).
    await raw.config("SET", "notify-keyspace-events", "Kg$x");
    subscriber = new Redis(redis.url);
    const channel = `__keyspace@0__:${keyPrefix}`;
    const keyEvents: string[] = [];
    subscriber.on("pmessage", (_pattern: string, name: string, event: string) => {
      if (event === "expire") return;
      const key = name.slice(channel.length);
      keyEvents.push(
        `${key === "end" ? "end" : key.startsWith("lock:") ? "lock" : "entry"}:${event}`,
      );
    });
    await subscriber.psubscribe(`${channel}*`);

    // The victim's request hangs at the vendor, so it holds the lock when it dies.
    sandbox.fail({ latencyMs: 60_000 });
    const victimCall = victim.get(1).catch((error: unknown) => error);
    await vi.waitFor(() => expect(sandbox.tokenRequests()).toBe(1), {
      timeout: 20_000,
      interval: 5,
    });
    const locks = await raw.keys(`${keyPrefix}lock:*`);
    expect(locks).toHaveLength(1);
    // Taken before asking, so that Redis's expiry falls at least lockLeftMs after it.
    const started = performance.now();
    const lockLeftMs = await raw.pttl(locks[0]!);
    expect(lockLeftMs).toBeGreaterThan(0);
    expect(lockLeftMs).toBeLessThanOrEqual(LOCK_TTL_MS);

    const calls = Promise.all(survivors.map((w) => w.get(CALLERS_PER_PROCESS)));
    await victim.kill();
    expect(victim.process.signalCode).toBe("SIGKILL");
    const results = tally(await calls);
    const elapsedMs = performance.now() - started;

    expect(results.errors).toEqual([]);
    expect(results.tokens.size).toBe(1);
    expect([...results.tokens.values()][0]).toBe(survivors.length * CALLERS_PER_PROCESS);
    // The dead process's request and exactly one more.
    expect(sandbox.tokenRequests()).toBe(2);
    expect([...results.tokens.keys()][0]).toBe(sandbox.issuedTokens.at(-1));
    // They waited for the dead holder's lock to expire, not around it (a few ms of slack: PTTL
    // and Redis's clock count whole milliseconds)...
    expect(elapsedMs).toBeGreaterThanOrEqual(lockLeftMs - 5);
    // ...and then no longer than it takes one of them to take the lock and make one request.
    // Told by cause, not by a stopwatch: Redis saw the dead holder's lock expire, then one
    // survivor take it, write the token and release it. A survivor that had stopped waiting (its
    // poll limit, or a lock call that failed or timed out) would have gone to the vendor by
    // itself: a third request, or a store error (both checked here).
    // A marker written now is reported after every earlier event: once it is in, they all are.
    await raw.set(`${keyPrefix}end`, "");
    await vi.waitFor(() => expect(keyEvents.at(-1)).toBe("end:set"));
    const written = keyEvents.indexOf("entry:set");
    expect(keyEvents.slice(0, written + 2)).toEqual([
      "lock:set", // the victim's
      "lock:expired",
      "lock:set", // the first survivor to ask after that
      "entry:set",
      "lock:del",
    ]);
    // The others, if they took the lock after it, found the token in Redis and wrote nothing.
    const after = keyEvents.slice(written + 2, -1);
    expect(after.filter((event) => event !== "lock:set" && event !== "lock:del")).toEqual([]);
    const reports = await Promise.all(survivors.map((w) => w.report()));
    expect(reports.flatMap((r) => r.storeErrors)).toEqual([]);
    expect(reports.reduce((n, r) => n + r.stats!.requests, 0)).toBe(1);
    expect(await victimCall).toBeInstanceOf(Error);
  });
});
