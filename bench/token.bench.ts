/**
 * `pnpm bench:token`: what `@tokenyard/auth-core` costs an app, measured through the generated
 * `@tokenyard/wilson-auth` against the fake Wilson server (node:http on 127.0.0.1).
 *
 * - Cache hit: awaited `getToken()` calls per second on a warm provider, next to (in the same
 *   run, interleaved) the cheapest possible promise-returning cache: `Map.get` plus a
 *   `Date.now()` expiry check, returning `Promise.resolve(token)`, awaited in the same loop.
 *   Every caller of a promise-returning cache pays that `await`, so this is the floor the engine
 *   is judged against (target ≥ 5 million calls/s and ≥ 0.5× that loop). The ratio to a fully
 *   synchronous `Map.get` + `Date.now()` loop is shown too, for transparency: it is what the
 *   promise-returning API itself costs, not the engine.
 * - Cold stampede: 10,000 concurrent `getToken()` on a fresh provider must make exactly one
 *   token request (checked: the process exits non-zero otherwise); the figure is the time until
 *   all of them have resolved, with the vendor answering at once and after 20 ms.
 * - Background refresh: about 1,000 calls/s for a few seconds while the (default, one-hour)
 *   token enters its refresh window and the vendor takes 200 ms to answer. The provider's and the
 *   server's clock follow real time but start a second before the refresh window. Each call's
 *   latency is recorded; exactly one refresh request may be made, and no call issued while it was
 *   on the wire may get the new token (that caller would have waited on the network; checked).
 *
 * Each figure is the median of several runs after a warm-up run. Results go to bench/RESULTS.md
 * (section "token"). The packages are used as built (`dist/`): run `pnpm build` first after
 * changing auth-core.
 */
import { stat, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AccessToken } from "@tokenyard/auth-core";
import { startWilson, type FakeWilson } from "@tokenyard/fake-vendors";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { replaceSection } from "./results-file.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 5;
const HIT_CALLS = 2_000_000;
const STAMPEDE_CALLERS = 10_000;
const STAMPEDE_DELAY_MS = 20;
const REFRESH_RATE_PER_S = 1_000;
const REFRESH_RUN_MS = 3_000;
/** How long after the load starts the token enters its refresh window. */
const REFRESH_WINDOW_AFTER_MS = 1_000;
const REFRESH_DELAY_MS = 200;
/** The default refresh window of a token with Wilson's one-hour lifetime (the fake's default). */
const DEFAULT_REFRESH_WINDOW_MS = 5 * 60_000;

const failures: string[] = [];
function check(ok: boolean, message: string): void {
  if (!ok) failures.push(message);
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function wilsonAuth(server: FakeWilson, extra: { now?: () => number; fetch?: typeof fetch } = {}) {
  return createWilsonAuth({ credentials: server.credentials, baseUrl: server.baseUrl, ...extra });
}

// ---------------------------------------------------------------------------------------------
// 1. Cache-hit throughput

interface Entry {
  readonly token: AccessToken;
  readonly expiresAt: number;
}

/** The cheapest honest promise-returning cache: one lookup, one clock read, one resolved promise. */
function bareGet(map: Map<string, Entry>, key: string): Promise<AccessToken> {
  const entry = map.get(key);
  if (entry !== undefined && Date.now() < entry.expiresAt) return Promise.resolve(entry.token);
  return Promise.reject(new Error("bench: bare cache miss"));
}

/** The same without the promise: what a synchronous API could do. */
function bareGetSync(map: Map<string, Entry>, key: string): AccessToken {
  const entry = map.get(key);
  if (entry !== undefined && Date.now() < entry.expiresAt) return entry.token;
  throw new Error("bench: bare cache miss");
}

interface HitRun {
  readonly engine: number;
  readonly bareAwaited: number;
  readonly bareSync: number;
}

async function cacheHits(): Promise<HitRun[] & { requests: number }> {
  const server = await startWilson();
  const auth = wilsonAuth(server);
  const first = await auth.getToken();
  const map = new Map<string, Entry>([["wilson", { token: first, expiresAt: first.expiresAt }]]);
  const runs: HitRun[] = [];
  // Run 0 is the warm-up (the loops get optimised); the other RUNS are reported.
  for (let run = 0; run <= RUNS; run += 1) {
    let seen = 0;
    let started = performance.now();
    for (let i = 0; i < HIT_CALLS; i += 1) if ((await auth.getToken()) === first) seen += 1;
    const engine = HIT_CALLS / ((performance.now() - started) / 1000);

    started = performance.now();
    for (let i = 0; i < HIT_CALLS; i += 1) if ((await bareGet(map, "wilson")) === first) seen += 1;
    const bareAwaited = HIT_CALLS / ((performance.now() - started) / 1000);

    const syncCalls = HIT_CALLS * 10;
    started = performance.now();
    for (let i = 0; i < syncCalls; i += 1) if (bareGetSync(map, "wilson") === first) seen += 1;
    const bareSync = syncCalls / ((performance.now() - started) / 1000);

    check(seen === HIT_CALLS * 12, `cache hit: a call returned another token (${seen})`);
    if (run > 0) runs.push({ engine, bareAwaited, bareSync });
  }
  const requests = server.tokenRequests();
  check(requests === 1, `cache hit: expected 1 token request, the vendor saw ${requests}`);
  await server.close();
  return Object.assign(runs, { requests });
}

// ---------------------------------------------------------------------------------------------
// 2. Cold stampede

interface Stampede {
  readonly callers: number;
  readonly delayMs: number;
  readonly allResolvedMs: number;
  readonly requests: number[];
}

async function stampede(callers: number, delayMs: number): Promise<Stampede> {
  const server = await startWilson();
  server.setDelay(delayMs);
  const times: number[] = [];
  const requests: number[] = [];
  for (let run = 0; run <= RUNS; run += 1) {
    const before = server.tokenRequests();
    const started = performance.now();
    // Created inside the timed region: deriving the cache key is part of a cold start.
    const auth = wilsonAuth(server);
    const calls: Promise<AccessToken>[] = [];
    for (let i = 0; i < callers; i += 1) calls.push(auth.getToken());
    const tokens = await Promise.all(calls);
    const elapsed = performance.now() - started;
    const made = server.tokenRequests() - before;
    requests.push(made);
    check(
      made === 1,
      `stampede (${callers} callers, ${delayMs} ms vendor delay, run ${run}): expected 1 token request, the vendor saw ${made}`,
    );
    check(
      tokens.every((token) => token === tokens[0]),
      `stampede (${callers} callers, ${delayMs} ms vendor delay, run ${run}): callers got different tokens`,
    );
    if (run > 0) times.push(elapsed);
  }
  await server.close();
  return { callers, delayMs, allResolvedMs: median(times), requests };
}

// ---------------------------------------------------------------------------------------------
// 3. Latency during a background refresh

interface RefreshRun {
  readonly calls: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Calls issued while the refresh request was on the wire. */
  readonly duringRefresh: number;
  readonly maxDuringRefresh: number;
  /** Of those, how many resolved with the new token, i.e. waited for the network. */
  readonly waitedOnNetwork: number;
  readonly refreshRequests: number;
  readonly refreshMs: number;
}

async function refreshUnderLoad(): Promise<RefreshRun> {
  let shiftMs = 0;
  const clock = (): number => Date.now() + shiftMs;
  const server = await startWilson({ now: clock });
  // Marks when the refresh request is on the wire, in performance.now() time.
  let onWireFrom = Infinity;
  let onWireUntil = Infinity;
  const auth = wilsonAuth(server, {
    now: clock,
    fetch: (input, init) => {
      onWireFrom = performance.now();
      return globalThis.fetch(input, init).finally(() => (onWireUntil = performance.now()));
    },
  });
  const first = await auth.getToken();
  onWireFrom = onWireUntil = Infinity;
  const before = server.tokenRequests();
  server.setDelay(REFRESH_DELAY_MS);
  // Jump the shared clock so the token enters its refresh window REFRESH_WINDOW_AFTER_MS from now.
  const refreshAt = first.expiresAt - DEFAULT_REFRESH_WINDOW_MS;
  shiftMs = refreshAt - REFRESH_WINDOW_AFTER_MS - Date.now();

  const issued: number[] = [];
  const latencies: number[] = [];
  const gotNew: boolean[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((done) => {
    const tick = (): void => {
      const elapsed = performance.now() - start;
      const due = Math.min(
        Math.floor((elapsed * REFRESH_RATE_PER_S) / 1000),
        (REFRESH_RUN_MS * REFRESH_RATE_PER_S) / 1000,
      );
      while (issued.length < due) {
        const index = issued.length;
        const t0 = performance.now();
        issued.push(t0);
        pending.push(
          auth.getToken().then((token) => {
            latencies[index] = performance.now() - t0;
            gotNew[index] = token.accessToken !== first.accessToken;
          }),
        );
      }
      if (elapsed >= REFRESH_RUN_MS) done();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  const refreshRequests = server.tokenRequests() - before;
  await server.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  const during = issued
    .map((t0, index) => ({ t0, index }))
    .filter(({ t0 }) => t0 >= onWireFrom && t0 < onWireUntil);
  return {
    calls: issued.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
    duringRefresh: during.length,
    maxDuringRefresh: Math.max(0, ...during.map(({ index }) => latencies[index]!)),
    waitedOnNetwork: during.filter(({ index }) => gotNew[index]).length,
    refreshRequests,
    refreshMs: onWireUntil - onWireFrom,
  };
}

/** auth-core is measured as built; say so when its sources changed after the build. */
async function staleBuild(): Promise<string | undefined> {
  const src = path.join(ROOT, "packages/auth-core/src");
  const built = (await stat(path.join(ROOT, "packages/auth-core/dist/index.js"))).mtimeMs;
  const newer: string[] = [];
  for (const file of await readdir(src)) {
    if (!file.endsWith(".ts") || /\.test(-helper)?\.ts$/.test(file)) continue;
    if ((await stat(path.join(src, file))).mtimeMs > built) newer.push(file);
  }
  return newer.length === 0
    ? undefined
    : `packages/auth-core/dist is older than ${newer.join(", ")}: these figures are for the last build (run \`pnpm build\`).`;
}

// ---------------------------------------------------------------------------------------------

const hits = await cacheHits();
const stampedes = [
  await stampede(1, 0),
  await stampede(STAMPEDE_CALLERS, 0),
  await stampede(1, STAMPEDE_DELAY_MS),
  await stampede(STAMPEDE_CALLERS, STAMPEDE_DELAY_MS),
];
await refreshUnderLoad(); // warm-up
const refreshes: RefreshRun[] = [];
for (let run = 0; run < RUNS; run += 1) refreshes.push(await refreshUnderLoad());
for (const [run, result] of refreshes.entries()) {
  check(
    result.refreshRequests === 1,
    `background refresh (run ${run + 1}): expected 1 refresh request, the vendor saw ${result.refreshRequests}`,
  );
  check(
    result.duringRefresh > 0 && result.waitedOnNetwork === 0,
    `background refresh (run ${run + 1}): ${result.waitedOnNetwork} of ${result.duringRefresh} calls made while the refresh was on the wire waited for it`,
  );
}
const stale = await staleBuild();

const millions = (perSecond: number): string => (perSecond / 1e6).toFixed(1);
const ms = (value: number): string =>
  value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1);
const engine = median(hits.map((run) => run.engine));
const bareAwaited = median(hits.map((run) => run.bareAwaited));
const bareSync = median(hits.map((run) => run.bareSync));
const ratio = median(hits.map((run) => run.engine / run.bareAwaited));
const syncRatio = median(hits.map((run) => run.engine / run.bareSync));

const hitTable = [
  "| loop | calls/s (millions) | engine ÷ loop |",
  "| --- | --- | --- |",
  `| \`await provider.getToken()\` (cache hit) | ${millions(engine)} | 1 |`,
  `| \`await\` bare \`Map.get\` + \`Date.now()\` returning a promise | ${millions(bareAwaited)} | ${ratio.toFixed(2)} |`,
  `| synchronous \`Map.get\` + \`Date.now()\` | ${millions(bareSync)} | ${syncRatio.toFixed(3)} |`,
].join("\n");
const stampedeTable = [
  "| concurrent callers | vendor delay (ms) | all resolved (ms) | token requests per run |",
  "| --- | --- | --- | --- |",
  ...stampedes.map(
    (row) =>
      `| ${row.callers.toLocaleString("en-US")} | ${row.delayMs} | ${ms(row.allResolvedMs)} | ${[...new Set(row.requests)].join(", ")} |`,
  ),
].join("\n");
const pick = (f: (run: RefreshRun) => number): number => median(refreshes.map(f));
const refreshTable = [
  "| calls | p50 (ms) | p99 (ms) | max (ms) | calls while refresh on the wire | their max (ms) | refresh took (ms) | refresh requests |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  `| ${pick((r) => r.calls)} | ${ms(pick((r) => r.p50))} | ${ms(pick((r) => r.p99))} | ${ms(pick((r) => r.max))} | ${pick((r) => r.duringRefresh)} | ${ms(pick((r) => r.maxDuringRefresh))} | ${ms(pick((r) => r.refreshMs))} | ${[...new Set(refreshes.map((r) => r.refreshRequests))].join(", ")} |`,
].join("\n");

const cold = stampedes[1]!;
const coldDelayed = stampedes[3]!;
const worstMax = Math.max(...refreshes.map((r) => r.max));
const p99 = pick((r) => r.p99);
const verdict = [
  `- Cache hit: ${millions(engine)} million calls/s (target ≥ 5): ${engine >= 5e6 ? "met" : "NOT met"}; ${ratio.toFixed(2)}× the awaited bare loop (target ≥ 0.5×): ${ratio >= 0.5 ? "met" : "NOT met"}. Against a synchronous loop ${syncRatio.toFixed(3)}×: most of that gap is the \`await\`, which any promise-returning cache costs its caller.`,
  `- Cold stampede: ${STAMPEDE_CALLERS.toLocaleString("en-US")} concurrent callers made ${[...new Set([...cold.requests, ...coldDelayed.requests])].join(", ")} token request(s) per run (target 1): ${[...cold.requests, ...coldDelayed.requests].every((n) => n === 1) ? "met" : "NOT met"}; all resolved in ${ms(cold.allResolvedMs)} ms (${ms(stampedes[0]!.allResolvedMs)} ms for one caller), ${ms(coldDelayed.allResolvedMs)} ms with a ${STAMPEDE_DELAY_MS} ms vendor delay.`,
  `- Background refresh at ${REFRESH_RATE_PER_S.toLocaleString("en-US")} calls/s with a ${REFRESH_DELAY_MS} ms vendor: p99 ${ms(p99)} ms, worst call in any run ${ms(worstMax)} ms (target: far below ${REFRESH_DELAY_MS} ms): ${worstMax < REFRESH_DELAY_MS / 10 ? "met" : "NOT met"}; ${refreshes.reduce((n, r) => n + r.waitedOnNetwork, 0)} calls waited on the network, ${[...new Set(refreshes.map((r) => r.refreshRequests))].join(", ")} refresh request(s) per run (target 0 and 1): ${refreshes.every((r) => r.waitedOnNetwork === 0 && r.refreshRequests === 1) ? "met" : "NOT met"}.`,
  ...(stale ? [`- Warning: ${stale}`] : []),
].join("\n");

const machine = `${os.cpus()[0]?.model ?? "unknown CPU"} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`;
const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}, median of ${RUNS} runs after a warm-up run, through \`@tokenyard/wilson-auth\` against the fake Wilson server on 127.0.0.1.`,
  `Cache hit (${(HIT_CALLS / 1e6).toFixed(0)} million calls per loop, the three loops interleaved in each run):`,
  hitTable,
  `Cold stampede (a fresh provider per run; the time includes creating it):`,
  stampedeTable,
  `Background refresh (${REFRESH_RUN_MS / 1000} s at ${REFRESH_RATE_PER_S.toLocaleString("en-US")} calls/s; the one-hour token enters its default 5-minute refresh window after ${REFRESH_WINDOW_AFTER_MS / 1000} s; the vendor answers after ${REFRESH_DELAY_MS} ms):`,
  refreshTable,
  verdict,
].join("\n\n");
await replaceSection(path.join(ROOT, "bench/RESULTS.md"), "token", "`pnpm bench:token`", report);
console.log(report);
if (failures.length > 0) {
  console.error(`\nCorrectness checks failed:\n${failures.map((f) => `- ${f}`).join("\n")}`);
  process.exitCode = 1;
}
