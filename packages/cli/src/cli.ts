#!/usr/bin/env node
/**
 * `tokenyard`: vendor access tokens in the shell. Every vendor, its variables and its sandbox come
 * from the registry (`vendors.gen.ts`, generated from the specs); this file holds no vendor's name.
 */
import { readFileSync } from "node:fs";
import { readArgs, quote, type Flags } from "./args.js";
import { describeDuration, diagnose, EXIT_CODES, type Diagnosis } from "./diagnose.js";
import { DotEnvError, parseDotEnv } from "./dotenv.js";
import { baseUrlRequirement, resolveVendorOptions, type Target } from "./options.js";
import { paintFor, withSpinner } from "./terminal.js";
import type { CliAuthOptions, VendorEntry } from "./vendor-entry.js";
import { vendors } from "./vendors.gen.js";

const HELP = `tokenyard: access tokens for vendor APIs, from the tokenyard specs

Usage:
  tokenyard vendors [--json]          the vendors, their servers and the variables each needs
  tokenyard token <vendor> [options]  print the access token alone (for $(...) and curl)
  tokenyard check <vendor> [options]  get a token and say when it expires, or what went wrong
  tokenyard help [command]            this help (also --help, -h); --version (-v) the version

Options of token and check:
  --env-file <path>   read variables from a .env file (the environment wins over the file)
  --sandbox           start the vendor's sandbox in-process and use it (no credentials needed)
  --server <name>     one of the vendor's servers (or <VENDOR>_SERVER)
  --base-url <url>    the vendor's base URL, base path included (or <VENDOR>_BASE_URL)
  --timeout <seconds> per-attempt timeout (default 10)
  --retries <n>       extra attempts on network errors, 408, 429, 5xx
                      (default: 2 for token, 0 for check, which reports the first failure)
Options of token only:
  --header            print "Authorization: Bearer <token>" instead
  --json              print the token's metadata as JSON: vendor, tokenType, expiresAt,
                      expiresInSeconds, obtainedAt; the token itself only with --show-token
  --show-token        include accessToken in --json
Options of check and vendors:
  --json              the result as JSON (never the token)

Credentials come only from environment variables named after the spec, <VENDOR>_<CREDENTIAL>
(e.g. WILSON_CLIENT_SECRET; \`tokenyard vendors\` lists them all), or from --env-file; never from
flags. Nothing but \`tokenyard token\`'s stdout (and --show-token) ever prints a token, and no
credential is ever printed. Errors go to stderr.

Exit codes (every command):
  0  ok
  1  usage or configuration: unknown command, vendor or flag, a missing or invalid variable
  2  bad credentials: the vendor refused them (401/403, OAuth invalid_client/invalid_grant)
  3  no answer: host unreachable, TLS failure, or timeout
  4  rate limited (429)
  5  vendor error: 5xx, another refusal, or an answer without a usable token
`;

const COMMAND_HELP: Readonly<Record<string, string>> = {
  vendors: `Usage: tokenyard vendors [--json]

Lists every vendor with its servers, the environment variables it reads (required ones marked)
and its package.`,
  token: `Usage: tokenyard token <vendor> [--header | --json [--show-token]] [--env-file <path>]
                        [--sandbox] [--server <name>] [--base-url <url>] [--timeout <s>] [--retries <n>]

Prints the access token alone on stdout, newline-terminated:
  curl -H "Authorization: Bearer $(tokenyard token wilson)" https://…
  curl -H "$(tokenyard token wilson --header)" https://…
Exit codes as in \`tokenyard --help\`.`,
  check: `Usage: tokenyard check <vendor> [--json] [--env-file <path>] [--sandbox] [--server <name>]
                        [--base-url <url>] [--timeout <s>] [--retries <n>]

Gets a token and says when it expires, or what went wrong in plain words. Exit codes:
  0 ok, 1 usage/configuration, 2 bad credentials, 3 unreachable/TLS/timeout,
  4 rate limited, 5 vendor error.`,
  help: HELP,
};

interface Session {
  readonly vendor: VendorEntry;
  readonly options: CliAuthOptions;
  readonly target: Target;
  close(): Promise<void>;
}

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = readArgs(argv, vendors);
  if (!parsed.ok) return fail(parsed.message);
  const { command, flags } = parsed;
  if (flags.version) return print(`${readVersion()}\n`);
  if (command === undefined) return fail("a command is needed", HELP);
  if (command === "help") {
    const [topic] = argv.filter((arg) => !arg.startsWith("-")).slice(1);
    return print(`${(topic && COMMAND_HELP[topic]) || HELP}\n`);
  }
  if (flags.help) return print(`${COMMAND_HELP[command]}\n`);
  if (command === "vendors") return listVendors(flags);

  const vendor = findVendor(parsed.vendor!);
  if (vendor === undefined) {
    // The argument is not repeated: a mistyped command line may have put a secret there.
    return fail(`unknown vendor; the vendors are ${vendors.map((v) => v.id).join(", ")}`);
  }
  let session: Session;
  try {
    session = await openSession(vendor, flags, command === "check" ? 0 : undefined);
  } catch (error) {
    if (error instanceof UsageError) return fail(error.message);
    throw error;
  }
  try {
    return command === "token" ? await token(session, flags) : await check(session, flags);
  } finally {
    await session.close();
  }
}

function findVendor(name: string): VendorEntry | undefined {
  const wanted = name.toLowerCase();
  return vendors.find((vendor) => vendor.id === wanted || vendor.name.toLowerCase() === wanted);
}

async function openSession(
  vendor: VendorEntry,
  flags: Flags,
  defaultRetries: number | undefined,
): Promise<Session> {
  const lifecycle = {
    ...readNumber(flags.timeout, "--timeout", (s) => ({ timeoutMs: Math.round(s * 1000) }), false),
    ...(readNumber(flags.retries, "--retries", (n) => ({ retries: n }), true) ??
      (defaultRetries === undefined ? {} : { retries: defaultRetries })),
  };
  if (flags.sandbox) {
    if (flags.envFile !== undefined || flags.server !== undefined || flags.baseUrl !== undefined) {
      throw new UsageError(
        "--sandbox uses the sandbox's own URL and credentials: drop --env-file, --server and --base-url",
      );
    }
    const { startSandbox } = await vendor.loadTesting();
    const sandbox = await startSandbox();
    return {
      vendor,
      options: { credentials: sandbox.credentials, baseUrl: sandbox.baseUrl, ...lifecycle },
      target: { url: sandbox.baseUrl, server: undefined },
      close: () => sandbox.close(),
    };
  }
  const env = { ...readEnvFile(flags.envFile), ...process.env };
  const resolved = resolveVendorOptions(vendor, env, {
    server: flags.server,
    baseUrl: flags.baseUrl,
  });
  if (!resolved.ok) {
    throw new UsageError(
      resolved.problems.length === 1
        ? resolved.problems[0]!
        : `${vendor.name} is not configured:\n${resolved.problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return {
    vendor,
    options: { ...resolved.options, ...lifecycle },
    target: resolved.target,
    close: async () => {},
  };
}

function readNumber<T>(
  text: string | undefined,
  flag: string,
  wrap: (value: number) => T,
  integer: boolean,
): T | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} must be a ${integer ? "whole " : ""}number ≥ 0`);
  }
  return wrap(value);
}

function readEnvFile(path: string | undefined): Record<string, string> {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read the env file ${quote(path)}${code === "ENOENT" ? ": no such file" : code ? ` (${code})` : ""}`,
    );
  }
  try {
    return parseDotEnv(text);
  } catch (error) {
    if (error instanceof DotEnvError) {
      throw new UsageError(`the env file ${quote(path)}, ${error.message}`);
    }
    throw error;
  }
}

async function getToken(session: Session) {
  const { createAuth } = await session.vendor.load();
  const auth = createAuth(session.options);
  const token = await auth.getToken();
  return { auth, token };
}

async function token(session: Session, flags: Flags): Promise<number> {
  let result: Awaited<ReturnType<typeof getToken>>;
  try {
    result = await getToken(session);
  } catch (error) {
    return report(diagnose(error, session.vendor), session);
  }
  const { auth, token } = result;
  if (flags.header) return print(`Authorization: ${await auth.getAuthorizationHeader()}\n`);
  if (flags.json) {
    const now = Date.now();
    const json = {
      vendor: session.vendor.id,
      tokenType: token.tokenType,
      expiresAt: new Date(token.expiresAt).toISOString(),
      expiresInSeconds: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
      obtainedAt: new Date(token.obtainedAt).toISOString(),
      ...(flags.showToken ? { accessToken: token.accessToken } : {}),
    };
    return print(`${JSON.stringify(json, null, 2)}\n`);
  }
  return print(`${token.accessToken}\n`);
}

async function check(session: Session, flags: Flags): Promise<number> {
  const { vendor, target } = session;
  const started = Date.now();
  let result: Awaited<ReturnType<typeof getToken>>;
  try {
    result = await withSpinner(
      process.stderr,
      `asking ${vendor.name} for a token…`,
      getToken(session),
    );
  } catch (error) {
    const diagnosis = diagnose(error, vendor);
    if (flags.json) {
      print(
        `${JSON.stringify({ vendor: vendor.id, ok: false, problem: diagnosis.kind, exitCode: diagnosis.exitCode, message: diagnosis.summary, ...(diagnosis.status === undefined ? {} : { status: diagnosis.status }), ...(target.url ? { url: safeUrl(target.url) } : {}) }, null, 2)}\n`,
      );
    }
    return report(diagnosis, session);
  }
  const { token } = result;
  const tookMs = Date.now() - started;
  const left = token.expiresAt - Date.now();
  if (flags.json) {
    return print(
      `${JSON.stringify(
        {
          vendor: vendor.id,
          ok: true,
          tokenType: token.tokenType,
          expiresAt: new Date(token.expiresAt).toISOString(),
          expiresInSeconds: Math.max(0, Math.floor(left / 1000)),
          obtainedAt: new Date(token.obtainedAt).toISOString(),
          ...(target.url ? { url: safeUrl(target.url) } : {}),
          tookMs,
        },
        null,
        2,
      )}\n`,
    );
  }
  const paint = paintFor(process.stdout, process.env);
  return print(
    `${paint.green("✔")} ${paint.bold(vendor.name)}: got a ${token.tokenType} token from ${where(target)} in ${tookMs} ms\n` +
      `  it expires in ${describeDuration(left)} (at ${new Date(token.expiresAt).toISOString()})` +
      `${token.refreshToken === undefined ? "" : "; a refresh token came with it"}\n`,
  );
}

function where(target: Target): string {
  if (target.url === undefined) return "the vendor";
  return `${safeUrl(target.url)}${target.server === undefined ? "" : ` (server ${target.server})`}`;
}

/** The URL without anything that could be a secret (user info, query). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "(not a URL)";
  }
}

function report(diagnosis: Diagnosis, session: Session): number {
  const paint = paintFor(process.stderr, process.env);
  const at = session.target.url === undefined ? "" : ` [${where(session.target)}]`;
  process.stderr.write(
    `${paint.red("✖")} ${
      diagnosis.summary.startsWith(session.vendor.name)
        ? diagnosis.summary
        : `${paint.bold(session.vendor.name)}: ${diagnosis.summary}`
    }${at}\n` + (diagnosis.hint === undefined ? "" : `  ${diagnosis.hint}\n`),
  );
  return diagnosis.exitCode;
}

function listVendors(flags: Flags): number {
  if (flags.json) {
    const list = vendors.map((vendor) => ({
      id: vendor.id,
      name: vendor.name,
      package: vendor.packageName,
      servers: vendor.servers,
      defaultServer: vendor.defaultServer,
      baseUrl: {
        env: vendor.env.baseUrl,
        required: baseUrlRequirement(vendor) !== "optional",
      },
      server: { env: vendor.env.server },
      credentials: vendor.credentials.map(({ name, env, required, type }) => ({
        name,
        env,
        required,
        type,
      })),
    }));
    return print(`${JSON.stringify(list, null, 2)}\n`);
  }
  const paint = paintFor(process.stdout, process.env);
  const blocks = vendors.map((vendor) => {
    const servers = Object.entries(vendor.servers);
    const lines = [`${paint.bold(vendor.name)} (${vendor.id}, ${vendor.packageName})`];
    lines.push(
      servers.length === 0
        ? "  servers: none in the spec"
        : `  servers: ${servers.map(([name, url]) => `${name}${name === vendor.defaultServer ? " (default)" : ""} ${url}`).join(", ")}`,
    );
    const width = Math.max(
      vendor.env.baseUrl.length,
      ...vendor.credentials.map((c) => c.env.length),
    );
    for (const credential of vendor.credentials) {
      const need = credential.required ? paint.yellow("required") : "optional";
      const type =
        credential.type === "string"
          ? ""
          : `, ${credential.type === "string[]" ? "comma-separated" : credential.type}`;
      lines.push(`  ${credential.env.padEnd(width)}  ${need}${type}`);
    }
    const requirement = baseUrlRequirement(vendor);
    lines.push(
      `  ${vendor.env.baseUrl.padEnd(width)}  ${
        requirement === "required"
          ? paint.yellow("required")
          : requirement === "or-server"
            ? `${paint.yellow("required")} unless ${vendor.env.server} is set`
            : "optional, overrides the server"
      }`,
    );
    if (servers.length > 0) {
      lines.push(
        `  ${vendor.env.server.padEnd(width)}  optional, one of ${servers.map(([name]) => name).join(", ")}`,
      );
    }
    return lines.join("\n");
  });
  return print(`${blocks.join("\n\n")}\n`);
}

function readVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8"),
  ) as {
    version: string;
  };
  return manifest.version;
}

function print(text: string): number {
  process.stdout.write(text);
  return EXIT_CODES.ok;
}

function fail(message: string, more?: string): number {
  const paint = paintFor(process.stderr, process.env);
  process.stderr.write(
    `${paint.red("tokenyard:")} ${message}\n${more === undefined ? "" : `\n${more}`}`,
  );
  return EXIT_CODES.usage;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `tokenyard: unexpected ${error instanceof Error ? error.name : "error"}\n`,
    );
    process.exitCode = EXIT_CODES.vendorError;
  },
);
