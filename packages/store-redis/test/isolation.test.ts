/**
 * 1,000 distinct credential sets sharing one Redis never receive each other's tokens: each is
 * issued a token naming its own client, fetched once (1,000 requests in all), and read back from
 * Redis by fresh providers as its own.
 *
 * A synthetic binding (`createTokenProvider` from auth-core) against a tiny node:http token
 * server (`token-server.ts`, its own process): it checks each client's secret and embeds the
 * client id in the token.
 */
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createTokenProvider, type AuthBinding, type TokenEvent } from "@tokenyard/auth-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../src/redis-server.test-helper.js";
import { createRedisStore, type RedisStore } from "../src/index.js";
import { forkTypeScript, killFleet } from "./fleet.test-helper.js";
import type { TokenServerRequest, TokenServerStats } from "./token-server.js";

const SETS = 1_000;
/** Connections to Redis, as if the credential sets were spread over this many processes. */
const PROCESSES = 4;
const CALLERS_PER_SET = 3;
/**
 * A hang guard for forking the token server (tsx compiles it on the fly) and for the test, on a
 * loaded 2-core CI machine; not a speed goal.
 */
const TIMEOUT_MS = 60_000;

const binding: AuthBinding = {
  vendor: "Isolation",
  id: "isolation",
  spec: "specs/isolation.yaml",
  servers: {},
  defaultServer: null,
  credentials: [
    { name: "tenant", required: true, type: "string" },
    { name: "clientId", required: true, type: "string" },
    { name: "clientSecret", required: true, type: "string" },
  ],
  token: {
    operation: {
      operationId: "createToken",
      method: "post",
      path: "/oauth/token",
      body: "json",
      fields: [
        { wire: "tenant", in: "body", from: "credentials.tenant" },
        { wire: "client_id", in: "body", from: "credentials.clientId" },
        { wire: "client_secret", in: "body", from: "credentials.clientSecret" },
        { wire: "grant_type", in: "body", from: { const: "client_credentials" } },
      ],
    },
    accessToken: "/access_token",
    tokenType: "Bearer",
    expiry: [{ from: "/expires_in", as: "seconds" }],
  },
};

interface Credentials {
  tenant: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Credential sets built to collide if a key were derived carelessly: shared tenants, client ids
 * that are prefixes of one another, and the same client id under two tenants.
 */
const credentialSets: Credentials[] = Array.from({ length: SETS }, (_, i) => ({
  tenant: `tenant-${i % 7}`,
  clientId: i % 100 === 99 ? `client-${i - 99}` : `client-${i}`,
  clientSecret: randomBytes(16).toString("hex"),
}));
const owner = (set: Credentials): string => `${set.tenant}/${set.clientId}`;

let redis: RedisServer;
let vendor: { child: ChildProcess; exited: Promise<void> };
let baseUrl: string;
const stores: RedisStore[] = [];

/** Sends one message to the token server and waits for its answer. */
function ask<T>(message: TokenServerRequest): Promise<T> {
  return new Promise((resolve) => {
    vendor.child.once("message", (reply) => resolve(reply as T));
    vendor.child.send(message);
  });
}

beforeAll(async () => {
  redis = await startRedisServer();
  const secrets = new Map(credentialSets.map((set) => [owner(set), set.clientSecret]));
  expect(secrets.size).toBe(SETS);
  vendor = forkTypeScript("./token-server.ts");
  const { port } = await ask<{ port: number }>({ cmd: "start", secrets: [...secrets] });
  baseUrl = `http://127.0.0.1:${port}`;
}, TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await killFleet();
  await redis?.stop();
});

/**
 * `count` stores, connected. This test is about whose token is whose, not about latency: the
 * stores get a command timeout as long as the provider's own guard on a store call (1 s), so
 * that on a busy CI machine a burst of 1,000 cold callers does not time out against Redis and
 * go to the vendor around the lock (which the store's 250 ms default would do there; the
 * fail-fast behaviour itself is tested in src/failure.test.ts).
 */
async function newStores(count: number): Promise<RedisStore[]> {
  const created = Array.from({ length: count }, () =>
    createRedisStore({ url: redis.url, keyPrefix: "iso:", commandTimeoutMs: 1_000 }),
  );
  stores.push(...created);
  await Promise.all(
    created.map(({ client }) =>
      client.status === "ready"
        ? undefined
        : new Promise((resolve) => client.once("ready", resolve)),
    ),
  );
  return created;
}

describe(`${SETS.toLocaleString("en-US")} credential sets on one Redis`, () => {
  it(
    "each gets its own token, once, and reads back only its own",
    { timeout: TIMEOUT_MS },
    async () => {
      // "operation: message", so that a failure says what went wrong.
      const storeErrors: string[] = [];
      const onEvent = (event: TokenEvent): void => {
        if (event.type === "store-error") storeErrors.push(`${event.operation}: ${event.error}`);
      };
      const providersOn = (processStores: RedisStore[]) =>
        credentialSets.map((credentials, i) =>
          createTokenProvider(binding, {
            credentials,
            baseUrl,
            store: processStores[i % processStores.length],
            onEvent,
          }),
        );

      // Every set at once, several callers each.
      const first = providersOn(await newStores(PROCESSES));
      const tokens = await Promise.all(
        first.map(async (provider) => {
          const got = await Promise.all(
            Array.from({ length: CALLERS_PER_SET }, () => provider.getToken()),
          );
          expect(new Set(got.map((token) => token.accessToken)).size).toBe(1);
          return got[0]!.accessToken;
        }),
      );
      expect([...new Set(storeErrors)]).toEqual([]);
      const stats = await ask<TokenServerStats>({ cmd: "stats" });
      expect(stats.requests).toBe(SETS);
      expect(stats.byOwner).toHaveLength(SETS);
      expect(stats.byOwner.every(([, n]) => n === 1)).toBe(true);
      expect(new Set(tokens).size).toBe(SETS);
      tokens.forEach((token, i) => {
        expect(token.split(":").slice(0, 2).join(":")).toBe(`tok:${owner(credentialSets[i]!)}`);
      });
      expect(await stores[0]!.client.dbsize()).toBe(SETS);

      // Fresh providers on new connections (another process) read every token back from Redis,
      // each its own, without asking the vendor.
      const second = providersOn(await newStores(1));
      const again = await Promise.all(second.map((provider) => provider.getToken()));
      again.forEach((token, i) => expect(token.accessToken).toBe(tokens[i]));
      expect((await ask<TokenServerStats>({ cmd: "stats" })).requests).toBe(SETS);
      expect([...new Set(storeErrors)]).toEqual([]);
    },
  );
});
