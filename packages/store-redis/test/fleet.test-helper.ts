/**
 * A fleet of real processes for the multi-process tests: each a `provider-worker.ts` child run
 * through tsx, driven over IPC. Every child is tracked until it has exited, and `killFleet()`
 * (call it in `afterAll`/`afterEach`) SIGKILLs whatever is left, so no test leaves a process
 * behind, even when it fails half-way. Children also exit by themselves if this process dies
 * (they watch the IPC channel).
 */
import { fork, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type {
  GetResult,
  Report,
  WorkerInit,
  WorkerReply,
  WorkerRequest,
} from "./worker-protocol.js";

const WORKER = "./provider-worker.ts";
// tsx's ESM loader, resolved from this package (a devDependency), so the children can run the
// TypeScript worker and this package's sources as they are.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** How long a child may take to answer anything, startup included (tsx compiles on the fly). */
const REPLY_TIMEOUT_MS = 20_000;

type Command = WorkerRequest extends infer R
  ? R extends { readonly id: number }
    ? Omit<R, "id">
    : never
  : never;

export interface Worker {
  readonly process: ChildProcess;
  readonly pid: number;
  init(init: WorkerInit): Promise<void>;
  setNow(now: number): Promise<void>;
  get(count: number): Promise<GetResult>;
  report(): Promise<Report>;
  /** Closes the store and waits for the process to exit. */
  close(): Promise<void>;
  /** SIGKILL, no goodbye; resolves once the process is gone. */
  kill(): Promise<void>;
  readonly exited: Promise<void>;
}

const alive = new Set<ChildProcess>();

/** Forks `count` workers in parallel and waits until each has started. */
export async function startWorkers(count: number): Promise<Worker[]> {
  return Promise.all(Array.from({ length: count }, () => startWorker()));
}

/**
 * Forks a TypeScript file of this folder through tsx, tracked so that {@link killFleet} ends it.
 * `exited` resolves once it is gone.
 */
export function forkTypeScript(file: string): { child: ChildProcess; exited: Promise<void> } {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ["--import", TSX],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  alive.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      alive.delete(child);
      resolve();
    });
  });
  return { child, exited };
}

export async function startWorker(): Promise<Worker> {
  const { child, exited } = forkTypeScript(WORKER);
  const pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  child.on("message", (reply: WorkerReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(new Error(`worker ${child.pid}: ${reply.error}`));
  });
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`worker ${child.pid} exited`));
    pending.clear();
  });

  const expect = (id: number): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`worker ${child.pid}: no answer within ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  const send = (command: Command): Promise<unknown> => {
    const id = nextId++;
    const answer = expect(id);
    child.send({ ...command, id } as WorkerRequest);
    return answer;
  };

  await expect(0); // "started"
  const worker: Worker = {
    process: child,
    pid: child.pid!,
    exited,
    init: async (init) => void (await send({ cmd: "init", init })),
    setNow: async (now) => void (await send({ cmd: "now", now })),
    get: (count) => send({ cmd: "get", count }) as Promise<GetResult>,
    report: () => send({ cmd: "report" }) as Promise<Report>,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await send({ cmd: "close" }).catch(() => undefined);
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  return worker;
}

/** SIGKILLs every worker still running and waits for each to exit. */
export async function killFleet(): Promise<void> {
  const children = [...alive];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

// Last resort: if the test process itself exits, take the children with it.
process.once("exit", () => {
  for (const child of alive) child.kill("SIGKILL");
});
