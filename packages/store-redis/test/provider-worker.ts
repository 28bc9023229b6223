/**
 * One "process" of a fleet: a child of the test (forked with tsx), holding one Wilson provider
 * on its own Redis store (this package's sources). The parent drives it over IPC:
 *
 * - `init`: create the store and provider (the clock starts at the parent's `now`).
 * - `now`: set the injected clock: the parent moves time for every process at once.
 * - `get`: `count` concurrent `getToken()` calls; answers how many callers got which token.
 * - `report`: the provider's stats and the `store-error` events it has seen.
 * - `close`: close the store and exit.
 *
 * The worker exits when the parent goes away (IPC disconnect), so a crashed test leaves nothing
 * running.
 */
import type { TokenEvent } from "@tokenyard/auth-core";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { createRedisStore, type RedisStore } from "../src/index.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./worker-protocol.js";

let clock = 0;
let store: RedisStore | undefined;
let provider: ReturnType<typeof createWilsonAuth> | undefined;
const storeErrors: string[] = [];

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.cmd) {
    case "init":
      return init(request.init);
    case "now":
      clock = request.now;
      return null;
    case "get": {
      if (!provider) throw new Error("worker: get before init");
      const started = performance.now();
      const calls = Array.from({ length: request.count }, () => provider!.getToken());
      const settled = await Promise.allSettled(calls);
      const tokens: Record<string, number> = {};
      const expiresAt: Record<string, number> = {};
      const errors: string[] = [];
      for (const result of settled) {
        if (result.status === "fulfilled") {
          const token = result.value.accessToken;
          tokens[token] = (tokens[token] ?? 0) + 1;
          expiresAt[token] = result.value.expiresAt;
        } else {
          errors.push(String((result.reason as Error)?.message ?? result.reason));
        }
      }
      return { tokens, expiresAt, errors, elapsedMs: performance.now() - started };
    }
    case "report":
      return { stats: provider?.stats(), storeErrors: [...storeErrors] };
    case "close":
      await store?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

async function init(options: WorkerInit): Promise<null> {
  clock = options.now;
  store = createRedisStore({
    url: options.redisUrl,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    ...(options.commandTimeoutMs === undefined
      ? {}
      : { commandTimeoutMs: options.commandTimeoutMs }),
    ...(options.encryptionKey === undefined
      ? {}
      : { encryptionKeys: [Buffer.from(options.encryptionKey, "base64")] }),
  });
  provider = createWilsonAuth({
    credentials: options.credentials,
    baseUrl: options.baseUrl,
    store,
    now: () => clock,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    onEvent: (event: TokenEvent) => {
      if (event.type === "store-error") storeErrors.push(`${event.operation}: ${event.error}`);
    },
  });
  // Connected before the parent starts the clock on anything: a cold start is about tokens, not
  // about how long a fresh TCP connection takes under load.
  const client = store.client;
  if (client.status !== "ready") await new Promise((resolve) => client.once("ready", resolve));
  return null;
}

process.on("message", (message: WorkerRequest) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies WorkerReply),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies WorkerReply),
  );
});
process.on("disconnect", () => process.exit(0));
process.send?.({ id: 0, ok: true, result: "started" } satisfies WorkerReply);
