/**
 * The isolation test's vendor, in a process of its own (so that serving 1,000 token requests
 * does not compete with the 1,000 providers for the test's event loop): a node:http token
 * endpoint that checks each client's secret and issues `tok:<tenant>/<client_id>:<random>`.
 *
 * IPC: `{ cmd: "start", secrets: [owner, secret][] }` → `{ port }`; `{ cmd: "stats" }` →
 * `{ requests, byOwner: [owner, count][] }`. Exits when the parent goes away.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type TokenServerRequest =
  { readonly cmd: "start"; readonly secrets: [string, string][] } | { readonly cmd: "stats" };
export interface TokenServerStats {
  readonly requests: number;
  readonly byOwner: [string, number][];
}

let secrets = new Map<string, string>();
let requests = 0;
const byOwner = new Map<string, number>();

const server = createServer((request, response) => {
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (chunk: string) => (body += chunk));
  request.on("end", () => {
    requests += 1;
    let fields: Record<string, unknown> = {};
    try {
      fields = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // answered 401 below
    }
    const who = `${String(fields["tenant"])}/${String(fields["client_id"])}`;
    const ok =
      request.method === "POST" &&
      request.url === "/oauth/token" &&
      fields["grant_type"] === "client_credentials" &&
      secrets.get(who) === fields["client_secret"];
    response.setHeader("content-type", "application/json");
    if (!ok) {
      response.statusCode = 401;
      response.end(JSON.stringify({ error: "invalid_client" }));
      return;
    }
    byOwner.set(who, (byOwner.get(who) ?? 0) + 1);
    response.end(
      JSON.stringify({
        access_token: `tok:${who}:${randomBytes(8).toString("hex")}`,
        token_type: "Bearer",
        expires_in: 3600,
      }),
    );
  });
});

process.on("message", (message: TokenServerRequest) => {
  if (message.cmd === "start") {
    secrets = new Map(message.secrets);
    server.listen(0, "127.0.0.1", () =>
      process.send?.({ port: (server.address() as AddressInfo).port }),
    );
  } else {
    process.send?.({ requests, byOwner: [...byOwner] } satisfies TokenServerStats);
  }
});
process.on("disconnect", () => process.exit(0));
