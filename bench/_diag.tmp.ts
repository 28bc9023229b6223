import { startWilson } from "@tokenyard/fake-vendors";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
const server = await startWilson();
const auth = createWilsonAuth({ credentials: server.credentials, baseUrl: server.baseUrl });
const withEvents = createWilsonAuth({ credentials: server.credentials, baseUrl: server.baseUrl, onEvent: () => {} });
await auth.getToken(); await withEvents.getToken();
const N = 1_000_000;
const signal = new AbortController().signal;
const cases: [string, () => Promise<unknown>][] = [
  ["getToken()", () => auth.getToken()],
  ["getToken({})", () => auth.getToken({})],
  ["getToken({signal})", () => auth.getToken({ signal })],
  ["getAuthorizationHeader()", () => auth.getAuthorizationHeader()],
  ["getToken() with onEvent", () => withEvents.getToken()],
];
for (let r = 0; r < 3; r++) for (const [name, f] of cases) { const t0 = performance.now(); for (let i = 0; i < N; i++) await f(); if (r === 2) console.log(name, (N / ((performance.now() - t0) / 1000) / 1e6).toFixed(2), "M/s"); }
console.log(server.tokenRequests());
await server.close();
