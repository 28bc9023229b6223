// The tiny apps each runtime runs, written as a user would: import (or require) the vendor
// packages by name and get one token from each. Input (sandbox URLs and credentials) comes from
// the TOKENYARD_RUNTIME_INPUT environment variable (a binding on workerd); the result is one line
// of JSON on stdout (the HTTP response on workerd).
import { VENDORS } from "./vendors.js";

export const INPUT_VARIABLE = "TOKENYARD_RUNTIME_INPUT";

/** One vendor's sandbox, as the script receives it. */
export interface ScriptInput {
  readonly vendors: readonly { id: string; baseUrl: string; credentials: object }[];
}

/** What the script prints. */
export interface ScriptOutput {
  /** As the runtime reports itself (`process.version`, `Bun.version`, `Deno.version.deno`, …). */
  readonly runtime: string;
  readonly tokens: Record<string, { accessToken: unknown; tokenType: unknown; expiresAt: unknown }>;
}

const factories = `{ ${VENDORS.map((vendor) => `${vendor.id}: ${vendor.create}`).join(", ")} }`;

const getTokens = `
async function getTokens(input) {
  const factories = ${factories};
  const tokens = {};
  for (const vendor of input.vendors) {
    const auth = factories[vendor.id]({
      credentials: vendor.credentials,
      baseUrl: vendor.baseUrl,
      retries: 0,
    });
    const token = await auth.getToken();
    tokens[vendor.id] = {
      accessToken: token.accessToken,
      tokenType: token.tokenType,
      expiresAt: token.expiresAt,
    };
  }
  return tokens;
}
`;

function esmImports(prefix = ""): string {
  return VENDORS.map((vendor) => `import { ${vendor.create} } from "${prefix}${vendor.pkg}";`).join(
    "\n",
  );
}

/** Node and Bun, as an ES module. */
export function esmScript(): string {
  return `${esmImports()}
${getTokens}
const runtime = typeof Bun === "undefined" ? "node " + process.version : "bun " + Bun.version;
const tokens = await getTokens(JSON.parse(process.env.${INPUT_VARIABLE}));
console.log(JSON.stringify({ runtime, tokens }));
`;
}

/** Node, as CommonJS: `require()` of the ESM-only packages (Node ≥ 20.19), and *calling* them. */
export function cjsScript(): string {
  return `"use strict";
${VENDORS.map((vendor) => `const { ${vendor.create} } = require("${vendor.pkg}");`).join("\n")}
${getTokens}
getTokens(JSON.parse(process.env.${INPUT_VARIABLE})).then(
  (tokens) => console.log(JSON.stringify({ runtime: "node " + process.version, tokens })),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
`;
}

/** Deno, through \`npm:\` specifiers (resolved from the app's node_modules: no download). */
export function denoScript(): string {
  return `${esmImports("npm:")}
${getTokens}
const tokens = await getTokens(JSON.parse(Deno.env.get("${INPUT_VARIABLE}")));
console.log(JSON.stringify({ runtime: "deno " + Deno.version.deno, tokens }));
`;
}

/** workerd: a module worker answering any request with the tokens; input in a text binding. */
export function workerScript(): string {
  return `${esmImports()}
${getTokens}
export default {
  async fetch(request, env) {
    try {
      const tokens = await getTokens(JSON.parse(env.${INPUT_VARIABLE}));
      return Response.json({ runtime: navigator.userAgent, tokens });
    } catch (error) {
      return new Response(String((error && error.stack) || error), { status: 500 });
    }
  },
};
`;
}

/** workerd's configuration: one worker, its own socket, outbound fetch allowed to loopback only. */
export function workerdConfig(port: number): string {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  # No nodejs_compat flag: only the web-standard APIs workerd offers exist.
  compatibilityDate = "2025-09-01",
  modules = [(name = "worker.js", esModule = embed "worker.bundle.js")],
  bindings = [(name = "${INPUT_VARIABLE}", text = embed "input.json")],
  globalOutbound = "loopback",
);
`;
}
