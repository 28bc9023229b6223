import { afterEach, expect, it } from "vitest";
import { createTokenProvider } from "./provider.js";
import { ACME_CLIENT_ID, ACME_SECRET, acmeJson, closeAllServers, createClock, startAcmeTokens } from "./test-server.test-helper.js";
afterEach(closeAllServers);
it("probe timeout 0", async () => {
  const clock = createClock();
  const acme = await startAcmeTokens(clock);
  let ok = 0, failed = 0;
  for (let i = 0; i < 300; i++) {
    const p = createTokenProvider(acmeJson, { credentials: { clientId: ACME_CLIENT_ID, clientSecret: ACME_SECRET }, baseUrl: acme.server.url, now: clock.now, timeoutMs: 0, retries: 0 });
    try { await p.getToken(); ok++; } catch (e) { failed++; if (failed < 2) console.log(String(e)); }
  }
  console.log({ ok, failed, reqs: acme.tokenRequests() });
});
