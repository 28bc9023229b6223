/**
 * The command line, read with node:util's parseArgs. Credentials are never taken from it: an
 * unknown flag is refused by name only (its value, which may be a secret, is never repeated), and
 * one that looks like a credential says where credentials go instead.
 */
import { parseArgs } from "node:util";
import type { VendorEntry } from "./vendor-entry.js";

export type Command = "vendors" | "token" | "check" | "help";

export interface Flags {
  readonly help: boolean;
  readonly version: boolean;
  readonly json: boolean;
  readonly header: boolean;
  readonly showToken: boolean;
  readonly sandbox: boolean;
  readonly envFile?: string;
  readonly server?: string;
  readonly baseUrl?: string;
  readonly timeout?: string;
  readonly retries?: string;
}

export type ParsedArgs =
  | {
      readonly ok: true;
      readonly command: Command | undefined;
      readonly vendor?: string;
      readonly flags: Flags;
    }
  | { readonly ok: false; readonly message: string };

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  json: { type: "boolean" },
  header: { type: "boolean" },
  "show-token": { type: "boolean" },
  sandbox: { type: "boolean" },
  "env-file": { type: "string" },
  server: { type: "string" },
  "base-url": { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
} as const;
type OptionName = keyof typeof OPTIONS;

const TOKEN_FLAGS: readonly OptionName[] = [
  "help",
  "json",
  "header",
  "show-token",
  "sandbox",
  "env-file",
  "server",
  "base-url",
  "timeout",
  "retries",
];
/** The flags each command accepts. */
export const COMMAND_FLAGS: Readonly<Record<Command, readonly OptionName[]>> = {
  vendors: ["help", "json"],
  token: TOKEN_FLAGS,
  check: TOKEN_FLAGS.filter((flag) => flag !== "header" && flag !== "show-token"),
  help: ["help"],
};

/** Words that mean "this flag carries a secret", whatever the vendor. */
const SECRET_WORDS = /(secret|password|passwd|token|key|credential|client-?id|username|merchant)/i;

export function readArgs(argv: readonly string[], vendors: readonly VendorEntry[]): ParsedArgs {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const [command, ...rest] = positionals;

  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = token.rawName.split("=")[0]!;
    if (!Object.hasOwn(OPTIONS, token.name)) {
      // Name the variable of the vendor on the command line first, if one is there.
      const named = rest[0]?.toLowerCase();
      const ordered = [...vendors].sort((a, b) => Number(b.id === named) - Number(a.id === named));
      return { ok: false, message: unknownFlag(flag, token.name, ordered) };
    }
    const option = OPTIONS[token.name as OptionName];
    if (option.type === "boolean" && token.value !== undefined) {
      return { ok: false, message: `${flag} takes no value` };
    }
    if (option.type === "string" && (token.value === undefined || token.value === "")) {
      return { ok: false, message: `${flag} needs a value` };
    }
  }

  if (values.help === true && command === undefined) {
    return { ok: true, command: "help", flags: flagsOf(values) };
  }
  if (command === undefined) return { ok: true, command: undefined, flags: flagsOf(values) };
  if (!isCommand(command)) {
    return {
      ok: false,
      message: `unknown command ${quote(command)}; the commands are vendors, token, check and help`,
    };
  }
  const allowed = COMMAND_FLAGS[command];
  for (const token of tokens) {
    if (token.kind === "option" && !allowed.includes(token.name as OptionName)) {
      return {
        ok: false,
        message: `${token.rawName.split("=")[0]} is not an option of \`tokenyard ${command}\`; see \`tokenyard ${command} --help\``,
      };
    }
  }
  const flags = flagsOf(values);
  if (command === "token" || command === "check") {
    if (flags.help) return { ok: true, command, flags };
    if (rest.length === 0) {
      return {
        ok: false,
        message: `\`tokenyard ${command}\` needs a vendor: tokenyard ${command} <vendor>`,
      };
    }
    if (rest.length > 1) {
      return {
        ok: false,
        message: `\`tokenyard ${command}\` takes one vendor, got ${rest.length} arguments (the extra ones are not shown: credentials are never read from the command line)`,
      };
    }
    if (flags.json && flags.header)
      return { ok: false, message: "--json and --header exclude each other" };
    if (flags.showToken && !flags.json) {
      return {
        ok: false,
        message: "--show-token only applies to --json (the plain output is the token)",
      };
    }
    return { ok: true, command, vendor: rest[0]!, flags };
  }
  if (rest.length > (command === "help" ? 1 : 0)) {
    return {
      ok: false,
      message: `\`tokenyard ${command}\` takes no arguments (they are not shown)`,
    };
  }
  return { ok: true, command, flags };
}

function unknownFlag(flag: string, name: string, vendors: readonly VendorEntry[]): string {
  const squashed = name.toLowerCase().replace(/[-_]/g, "");
  const credential = vendors
    .flatMap((vendor) => vendor.credentials.map((c) => ({ vendor, credential: c })))
    .find(
      ({ vendor, credential }) =>
        credential.name.toLowerCase() === squashed ||
        credential.env.toLowerCase().replace(/_/g, "") === squashed ||
        `${vendor.id}${credential.name.toLowerCase()}` === squashed,
    );
  if (credential !== undefined || SECRET_WORDS.test(name)) {
    const where =
      credential === undefined
        ? "its environment variable (see `tokenyard vendors`)"
        : credential.credential.env;
    return `${flag}: credentials are never read from flags (they would end up in shell history and \`ps\`); set ${where} in the environment or in a file passed with --env-file`;
  }
  return `unknown option ${flag}; see \`tokenyard --help\``;
}

function flagsOf(values: Record<string, string | boolean | undefined>): Flags {
  const text = (name: OptionName) => (typeof values[name] === "string" ? values[name] : undefined);
  const envFile = text("env-file");
  const server = text("server");
  const baseUrl = text("base-url");
  const timeout = text("timeout");
  const retries = text("retries");
  return {
    help: values.help === true,
    version: values.version === true,
    json: values.json === true,
    header: values.header === true,
    showToken: values["show-token"] === true,
    sandbox: values.sandbox === true,
    ...(envFile === undefined ? {} : { envFile }),
    ...(server === undefined ? {} : { server }),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(retries === undefined ? {} : { retries }),
  };
}

function isCommand(value: string): value is Command {
  return value === "vendors" || value === "token" || value === "check" || value === "help";
}

/** A user-typed word in a message: quoted, shortened, control characters dropped. */
export function quote(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, "");
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 37)}...` : clean);
}
