/**
 * The promise, with real processes and a real Redis: however many processes ask, one
 * token request per credential set per token lifetime; and a process that dies holding the lock
 * delays the others by at most the lock's TTL.
 *
 * Each worker is a separate Node process (tsx) with a Wilson provider on its own Redis store
 * (this package's sources), all asking one generated Wilson sandbox. Time is an injected clock:
 * the test sets it in every worker over IPC, and the sandbox reads the same value here.
 */
import { Redis } from "ioredis";
import { startWilsonSandbox, type Sandbox } from "@tokenyard/wilson-auth/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../src/redis-server.test-helper.js";
import { killFleet, startWorkers, type Worker } from "./fleet.test-helper.js";
import type { GetResult } from "./worker-protocol.js";

type WilsonSandbox = Sandbox<{ appName: string; clientId: string; clientSecret: string }>;

const PROCESSES = 8;
const CALLERS_PER_PROCESS = 250;

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

async function waitFor(condition: () => boolean | Promise<boolean>, withinMs: number) {
  const deadline = performance.now() + withinMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe(`${PROCESSES} processes × ${CALLERS_PER_PROCESS} concurrent callers on one Redis`, () => {
  it("make exactly one token request when cold, and exactly one more after the token expires", async () => {
    const { workers } = await fleet(PROCESSES);
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

describe("a process killed while holding the lock", () => {
  it("delays the others by at most the lock's TTL, and costs exactly one more request", async () => {
    // timeoutMs 1 s and no retries: the provider's lock lives one attempt + 1 s = 2 s.
    const LOCK_TTL_MS = 2_000;
    const SLACK_MS = 1_500;
    const { workers, keyPrefix } = await fleet(4, { timeoutMs: 1_000, retries: 0 });
    const [victim, ...survivors] = workers as [Worker, ...Worker[]];

    // The victim's request hangs at the vendor, so it holds the lock when it dies.
    sandbox.fail({ latencyMs: 60_000 });
    const victimCall = victim.get(1).catch((error: unknown) => error);
    await waitFor(() => sandbox.tokenRequests() === 1, 10_000);
    const locks = await raw.keys(`${keyPrefix}lock:*`);
    expect(locks).toHaveLength(1);
    const lockLeftMs = await raw.pttl(locks[0]!);
    expect(lockLeftMs).toBeGreaterThan(0);
    expect(lockLeftMs).toBeLessThanOrEqual(LOCK_TTL_MS);

    const started = performance.now();
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
    // They waited for the dead holder's lock to expire (not around it), and no longer than that.
    expect(elapsedMs).toBeGreaterThanOrEqual(lockLeftMs - 100);
    expect(elapsedMs).toBeLessThan(LOCK_TTL_MS + SLACK_MS);
    const reports = await Promise.all(survivors.map((w) => w.report()));
    expect(reports.flatMap((r) => r.storeErrors)).toEqual([]);
    expect(await victimCall).toBeInstanceOf(Error);
  });
});
