/**
 * `pnpm bench:redis`: what `@tokenyard/store-redis` costs and saves, measured through the
 * generated `@tokenyard/wilson-auth` against the fake Wilson server (node:http on 127.0.0.1) and
 * a real `redis-server` this script starts on a free loopback port (`REDIS_SERVER` or the one on
 * PATH), stopped at the end.
 *
 * - Cache hit: awaited `getToken()` calls per second on a warm provider whose store is Redis
 *   (the provider's in-memory copy first, Redis behind it), next to (interleaved, same run) a
 *   warm provider on the default in-memory store. A hit never touches Redis, so the two should
 *   match; that is the point being checked.
 * - First token of a fresh provider (a process that just started): read from Redis, where
 *   another process put it, versus fetched from the vendor.
 * - Upstream requests: N = 1, 2, 4, 8 processes (this file, forked in worker mode through tsx),
 *   each with 250 concurrent cold `getToken()` calls, all at once, with the vendor answering
 *   after 20 ms. With the default store each process asks for its own token (N requests); with
 *   the Redis store one process fetches under the lock and the others wait for its token (1
 *   request). Both are checked: the process exits non-zero otherwise.
 *
 * Each figure is the median of several runs after a warm-up run. Results go to
 * bench/RESULTS.md (section "redis"). The packages are used as built (`dist/`).
 */
import { execFileSync, fork, spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AccessToken } from "@tokenyard/auth-core";
import { startWilson, type FakeWilson } from "@tokenyard/fake-vendors";
import { createRedisStore, type RedisStore } from "@tokenyard/store-redis";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { replaceSection } from "./results-file.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SELF = fileURLToPath(import.meta.url);
const RUNS = 5;
const HIT_CALLS = 2_000_000;
const FIRST_TOKEN_SAMPLES = 200;
const PROCESS_COUNTS = [1, 2, 4, 8] as const;
const CALLERS_PER_PROCESS = 250;
const PROCESS_RUNS = 3;
const VENDOR_DELAY_MS = 20;

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Resolves once the store's client is connected (a process's warm state, not its startup). */
async function connected(store: RedisStore): Promise<void> {
  const { client } = store;
  if (client.status !== "ready") await new Promise((resolve) => client.once("ready", resolve));
}

// ---------------------------------------------------------------------------------------------
// Worker mode: one process of the fleet, driven over IPC by the main process.

interface WorkerSetup {
  readonly baseUrl: string;
  readonly credentials: FakeWilson["credentials"];
  /** Omitted: the provider's default in-memory store. */
  readonly redisUrl?: string;
  readonly keyPrefix: string;
}
type WorkerMessage =
  | { readonly cmd: "setup"; readonly setup: WorkerSetup }
  | { readonly cmd: "get"; readonly count: number };
interface WorkerGet {
  readonly tokens: string[];
  readonly errors: number;
}

async function runWorker(): Promise<void> {
  let store: RedisStore | undefined;
  let auth: ReturnType<typeof createWilsonAuth> | undefined;
  const handle = async (message: WorkerMessage): Promise<unknown> => {
    if (message.cmd === "setup") {
      await store?.close();
      const { setup } = message;
      store = setup.redisUrl
        ? createRedisStore({ url: setup.redisUrl, keyPrefix: setup.keyPrefix })
        : undefined;
      if (store) await connected(store);
      auth = createWilsonAuth({
        credentials: setup.credentials,
        baseUrl: setup.baseUrl,
        ...(store ? { store } : {}),
      });
      return null;
    }
    const settled = await Promise.allSettled(
      Array.from({ length: message.count }, () => auth!.getToken()),
    );
    const tokens = new Set<string>();
    let errors = 0;
    for (const result of settled) {
      if (result.status === "fulfilled") tokens.add(result.value.accessToken);
      else errors += 1;
    }
    return { tokens: [...tokens], errors } satisfies WorkerGet;
  };
  process.on("message", (message: WorkerMessage) => {
    void handle(message).then(
      (result) => process.send?.({ ok: true, result }),
      (error: unknown) => process.send?.({ ok: false, error: String(error) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  process.send?.({ ok: true, result: "started" });
}

// ---------------------------------------------------------------------------------------------
// Main mode.

const failures: string[] = [];
function check(ok: boolean, message: string): void {
  if (!ok) failures.push(message);
}

/** A redis-server on a free loopback port, persisting nothing. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const child = spawn(
    process.env["REDIS_SERVER"] ?? "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start:\n${output}`)),
      10_000,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

interface Worker {
  readonly child: ChildProcess;
  send(message: WorkerMessage): Promise<unknown>;
}

const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const workers: ChildProcess[] = [];

async function startWorker(): Promise<Worker> {
  const child = fork(SELF, ["--worker"], {
    execArgv: ["--import", TSX],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  workers.push(child);
  let waiting: ((reply: { ok: boolean; result?: unknown; error?: string }) => void) | undefined;
  child.on("message", (reply: { ok: boolean; result?: unknown; error?: string }) => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.(reply);
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      waiting = (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error)));
    });
  await next(); // "started"
  return {
    child,
    send(message) {
      const reply = next();
      child.send(message);
      return reply;
    },
  };
}

function stopWorkers(): void {
  for (const child of workers) if (child.exitCode === null) child.kill("SIGKILL");
}

// 1. Cache hits: Redis store vs default store, interleaved.
interface HitRun {
  readonly redis: number;
  readonly memory: number;
}

async function cacheHits(redisUrl: string): Promise<HitRun[]> {
  const server = await startWilson();
  const store = createRedisStore({ url: redisUrl, keyPrefix: "bench-hit:" });
  const withRedis = createWilsonAuth({
    credentials: server.credentials,
    baseUrl: server.baseUrl,
    store,
  });
  const withMemory = createWilsonAuth({ credentials: server.credentials, baseUrl: server.baseUrl });
  const a = await withRedis.getToken();
  const b = await withMemory.getToken();
  const runs: HitRun[] = [];
  for (let run = 0; run <= RUNS; run += 1) {
    let seen = 0;
    let started = performance.now();
    for (let i = 0; i < HIT_CALLS; i += 1) if ((await withRedis.getToken()) === a) seen += 1;
    const redis = HIT_CALLS / ((performance.now() - started) / 1000);
    started = performance.now();
    for (let i = 0; i < HIT_CALLS; i += 1) if ((await withMemory.getToken()) === b) seen += 1;
    const memory = HIT_CALLS / ((performance.now() - started) / 1000);
    check(seen === 2 * HIT_CALLS, `cache hit: a call returned another token (${seen})`);
    if (run > 0) runs.push({ redis, memory });
  }
  check(
    server.tokenRequests() === 2,
    `cache hit: expected 2 token requests (one per provider), the vendor saw ${server.tokenRequests()}`,
  );
  await store.close();
  await server.close();
  return runs;
}

// 2. First token of a fresh provider: from Redis vs from the vendor.
interface FirstToken {
  readonly fromRedisMs: number;
  readonly fromVendorMs: number;
}

async function firstToken(redisUrl: string): Promise<FirstToken> {
  const server = await startWilson();
  const options = { credentials: server.credentials, baseUrl: server.baseUrl };
  // Each sample is a new provider (a process that just started) on an already connected store.
  const stores = [0, 1].map(() => createRedisStore({ url: redisUrl, keyPrefix: "bench-first:" }));
  await Promise.all(stores.map((store) => connected(store)));
  const writer = createWilsonAuth({ ...options, store: stores[0]! });
  const shared = await writer.getToken();
  const time = async (
    make: () => ReturnType<typeof createWilsonAuth>,
    expected?: AccessToken,
  ): Promise<number[]> => {
    const samples: number[] = [];
    for (let i = 0; i < FIRST_TOKEN_SAMPLES; i += 1) {
      const started = performance.now();
      const token = await make().getToken();
      samples.push(performance.now() - started);
      if (expected)
        check(token.accessToken === expected.accessToken, "first token: Redis gave another token");
    }
    return samples.slice(FIRST_TOKEN_SAMPLES / 10); // the first tenth warms up
  };
  const before = server.tokenRequests();
  const redisSamples = await time(
    () => createWilsonAuth({ ...options, store: stores[1]! }),
    shared,
  );
  check(server.tokenRequests() === before, "first token: a provider on Redis asked the vendor");
  const vendorSamples = await time(() => createWilsonAuth(options));
  await Promise.all(stores.map((store) => store.close()));
  await server.close();
  return { fromRedisMs: median(redisSamples), fromVendorMs: median(vendorSamples) };
}

// 3. Upstream requests for N processes.
interface FleetRow {
  readonly processes: number;
  readonly redis: boolean;
  readonly requests: number[];
  readonly allResolvedMs: number;
}

async function fleetRuns(redisUrl: string): Promise<FleetRow[]> {
  const server = await startWilson();
  server.setDelay(VENDOR_DELAY_MS);
  const pool = await Promise.all(
    Array.from({ length: Math.max(...PROCESS_COUNTS) }, () => startWorker()),
  );
  const rows: FleetRow[] = [];
  let prefix = 0;
  for (const processes of PROCESS_COUNTS) {
    for (const redis of [false, true]) {
      const fleet = pool.slice(0, processes);
      const requests: number[] = [];
      const times: number[] = [];
      for (let run = 0; run <= PROCESS_RUNS; run += 1) {
        // A new provider in every process, and a new key prefix: every run is cold.
        const keyPrefix = `bench-fleet-${++prefix}:`;
        const setup: WorkerSetup = {
          baseUrl: server.baseUrl,
          credentials: server.credentials,
          keyPrefix,
          ...(redis ? { redisUrl } : {}),
        };
        await Promise.all(fleet.map((worker) => worker.send({ cmd: "setup", setup })));
        const before = server.tokenRequests();
        const started = performance.now();
        const results = (await Promise.all(
          fleet.map((worker) => worker.send({ cmd: "get", count: CALLERS_PER_PROCESS })),
        )) as WorkerGet[];
        const elapsed = performance.now() - started;
        const made = server.tokenRequests() - before;
        const label = `${processes} process(es) ${redis ? "with" : "without"} Redis, run ${run}`;
        check(
          results.every((r) => r.errors === 0),
          `${label}: ${results.reduce((n, r) => n + r.errors, 0)} calls failed`,
        );
        const distinct = new Set(results.flatMap((r) => r.tokens));
        const expected = redis ? 1 : processes;
        check(made === expected, `${label}: expected ${expected} token requests, saw ${made}`);
        check(
          distinct.size === expected,
          `${label}: expected ${expected} distinct tokens, got ${distinct.size}`,
        );
        if (run > 0) {
          requests.push(made);
          times.push(elapsed);
        }
      }
      rows.push({ processes, redis, requests, allResolvedMs: median(times) });
    }
  }
  stopWorkers();
  await server.close();
  return rows;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  let hits: HitRun[];
  let first: FirstToken;
  let fleet: FleetRow[];
  try {
    hits = await cacheHits(redis.url);
    first = await firstToken(redis.url);
    fleet = await fleetRuns(redis.url);
  } finally {
    stopWorkers();
    await redis.stop();
  }

  const millions = (perSecond: number): string => (perSecond / 1e6).toFixed(1);
  const ms = (value: number): string =>
    value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1);
  const redisHits = median(hits.map((run) => run.redis));
  const memoryHits = median(hits.map((run) => run.memory));
  const ratio = median(hits.map((run) => run.redis / run.memory));

  const hitTable = [
    "| store | calls/s (millions) | ÷ default store |",
    "| --- | --- | --- |",
    `| Redis (\`createRedisStore\`), in-memory copy first | ${millions(redisHits)} | ${ratio.toFixed(2)} |`,
    `| default in-memory store | ${millions(memoryHits)} | 1 |`,
  ].join("\n");
  const firstTable = [
    "| first `getToken()` of a fresh provider | median (ms) |",
    "| --- | --- |",
    `| read from Redis (another process fetched it) | ${ms(first.fromRedisMs)} |`,
    `| fetched from the vendor (no delay, loopback) | ${ms(first.fromVendorMs)} |`,
  ].join("\n");
  const fleetTable = [
    "| processes × cold callers | store | token requests per run | all resolved (ms) |",
    "| --- | --- | --- | --- |",
    ...fleet.map(
      (row) =>
        `| ${row.processes} × ${CALLERS_PER_PROCESS} | ${row.redis ? "Redis" : "default (in-memory)"} | ${[...new Set(row.requests)].join(", ")} | ${ms(row.allResolvedMs)} |`,
    ),
  ].join("\n");

  const withRedis = fleet.filter((row) => row.redis);
  const without = fleet.filter((row) => !row.redis);
  const verdict = [
    `- Cache hit with the Redis store: ${millions(redisHits)} million calls/s, ${ratio.toFixed(2)}× the default store (a hit is served from the provider's memory and never reaches Redis): ${ratio >= 0.9 ? "no measurable cost" : "SLOWER than the default store"}.`,
    `- Upstream requests: without Redis ${without.map((row) => `${row.processes} → ${[...new Set(row.requests)].join("/")}`).join(", ")} (one per process); with Redis ${withRedis.map((row) => `${row.processes} → ${[...new Set(row.requests)].join("/")}`).join(", ")} (target 1 for every N): ${withRedis.every((row) => row.requests.every((n) => n === 1)) ? "met" : "NOT met"}. The price is latency for the processes that wait: they look for the holder's token every 50 ms (auth-core's lock poll), so they resolve up to one poll after it lands.`,
    `- A process that starts while the token is in Redis has it in ${ms(first.fromRedisMs)} ms, against ${ms(first.fromVendorMs)} ms from a vendor on loopback that answers at once.`,
  ].join("\n");

  const machine = `${os.cpus()[0]?.model ?? "unknown CPU"} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`;
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, Redis ${redisVersion()} on 127.0.0.1 (started by the bench), through \`@tokenyard/wilson-auth\` against the fake Wilson server on 127.0.0.1.`,
    `Cache hit (${(HIT_CALLS / 1e6).toFixed(0)} million awaited calls per loop, the two loops interleaved; median of ${RUNS} runs after a warm-up run):`,
    hitTable,
    `First token of a fresh provider (median of ${FIRST_TOKEN_SAMPLES - FIRST_TOKEN_SAMPLES / 10} samples, each a new provider; the Redis connection is already open):`,
    firstTable,
    `Upstream requests (N processes, ${CALLERS_PER_PROCESS} concurrent cold \`getToken()\` calls each, all at once; the vendor answers after ${VENDOR_DELAY_MS} ms; a new provider and key prefix per run; ${PROCESS_RUNS} runs after a warm-up run, time is the median from the first call to the last answer):`,
    fleetTable,
    verdict,
  ].join("\n\n");
  await replaceSection(path.join(ROOT, "bench/RESULTS.md"), "redis", "`pnpm bench:redis`", report);
  console.log(report);
  if (failures.length > 0) {
    console.error(`\nCorrectness checks failed:\n${failures.map((f) => `- ${f}`).join("\n")}`);
    process.exitCode = 1;
  }
}

/** `7.0.15` from `redis-server --version` ("Redis server v=7.0.15 sha=…"). */
function redisVersion(): string {
  try {
    const output = execFileSync(process.env["REDIS_SERVER"] ?? "redis-server", ["--version"], {
      encoding: "utf8",
    });
    return /v=(\S+)/.exec(output)?.[1] ?? "(unknown version)";
  } catch {
    return "(unknown version)";
  }
}

if (process.argv.includes("--worker")) {
  await runWorker();
} else {
  process.once("exit", stopWorkers);
  await main();
}
