/**
 * What went wrong, in plain words, and the exit code that says it to a script. Built from the
 * error classes of auth-core, whose messages and bodies never hold a credential or a token.
 */
import { ConfigurationError, TokenRequestError, TokenResponseError } from "@tokenyard/auth-core";
import { variableOf } from "./options.js";
import type { VendorEntry } from "./vendor-entry.js";

/** The exit codes of `tokenyard`, the same for every command. */
export const EXIT_CODES = {
  /** A token was obtained (or the listing was printed). */
  ok: 0,
  /** Usage or configuration: unknown command, vendor or flag, a missing or invalid variable. */
  usage: 1,
  /** The vendor refused the credentials (401/403, or an OAuth `invalid_client`/`invalid_grant`). */
  badCredentials: 2,
  /** No answer: host unreachable, TLS failure, or timeout. */
  unreachable: 3,
  /** Rate limited (429). */
  rateLimited: 4,
  /** The vendor failed (5xx), refused the request otherwise, or answered without a usable token. */
  vendorError: 5,
} as const;

export type ProblemKind =
  | "configuration"
  | "bad-credentials"
  | "unreachable"
  | "tls"
  | "timeout"
  | "rate-limited"
  | "vendor-error"
  | "bad-response";

export interface Diagnosis {
  readonly kind: ProblemKind;
  readonly exitCode: number;
  /** One sentence, starting lower-case, e.g. `the credentials were refused (HTTP 401 …)`. */
  readonly summary: string;
  /** What to do about it, when there is something to say. */
  readonly hint?: string;
  readonly status?: number;
}

const OAUTH_CREDENTIAL_ERRORS = new Set(["invalid_client", "invalid_grant", "unauthorized_client"]);
const TLS_CODE =
  /^(CERT_|UNABLE_TO_(VERIFY|GET)|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/;
const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "the connection was refused (nothing listens there)",
  ENOTFOUND: "the host name does not resolve (DNS)",
  EAI_AGAIN: "the host name could not be resolved right now (DNS)",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_SOCKET: "the connection closed without an answer",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
};

/** The plain-words diagnosis of anything `getToken()` or `create<Vendor>Auth()` threw. */
export function diagnose(error: unknown, vendor: VendorEntry): Diagnosis {
  if (error instanceof ConfigurationError) {
    const variable = variableOf(vendor, error.option);
    const detail = error.message.startsWith(`${error.option}: `)
      ? error.message.slice(error.option.length + 2)
      : error.message;
    return {
      kind: "configuration",
      exitCode: EXIT_CODES.usage,
      summary: `bad configuration: ${variable ?? error.option}: ${detail}`,
      ...(variable ? { hint: `Fix ${variable}.` } : {}),
    };
  }
  if (error instanceof TokenResponseError) {
    return {
      kind: "bad-response",
      exitCode: EXIT_CODES.vendorError,
      summary: `${vendor.name} answered HTTP ${error.status} without a usable token`,
      hint: `Is ${vendor.env.baseUrl} really ${vendor.name}'s API?`,
      status: error.status,
    };
  }
  if (error instanceof TokenRequestError) return diagnoseRequest(error, vendor);
  const name = error instanceof Error ? error.name : typeof error;
  return {
    kind: "vendor-error",
    exitCode: EXIT_CODES.vendorError,
    summary: `unexpected ${name}${error instanceof Error ? `: ${error.message}` : ""}`,
  };
}

function diagnoseRequest(error: TokenRequestError, vendor: VendorEntry): Diagnosis {
  const { status } = error;
  const variables = vendor.credentials.filter((c) => c.required).map((c) => c.env);
  if (status === undefined) return diagnoseNetwork(error, vendor);
  const said = vendorWords(error.body);
  const http = `HTTP ${status}${said ? `: ${said}` : ""}`;
  if (status === 401 || status === 403 || (status === 400 && isOAuthCredentialError(error.body))) {
    return {
      kind: "bad-credentials",
      exitCode: EXIT_CODES.badCredentials,
      summary: `${vendor.name} refused the credentials (${http})`,
      hint: `Check ${variables.join(", ")}${vendor.defaultServer !== null ? ` and that they are for this server` : ""}.`,
      status,
    };
  }
  if (status === 429) {
    const wait =
      error.retryAfterMs === undefined
        ? ""
        : `; it asks to wait ${describeDuration(error.retryAfterMs)}`;
    return {
      kind: "rate-limited",
      exitCode: EXIT_CODES.rateLimited,
      summary: `${vendor.name} is rate limiting token requests (${http}${wait})`,
      hint: "Try again later, or reuse tokens instead of asking for a new one each time.",
      status,
    };
  }
  if (status === 408) {
    return {
      kind: "timeout",
      exitCode: EXIT_CODES.unreachable,
      summary: `${vendor.name} timed out the request (${http})`,
      status,
    };
  }
  if (status >= 500) {
    return {
      kind: "vendor-error",
      exitCode: EXIT_CODES.vendorError,
      summary: `${vendor.name} is failing (${http})`,
      hint: "The problem is on the vendor's side; try again later.",
      status,
    };
  }
  return {
    kind: "vendor-error",
    exitCode: EXIT_CODES.vendorError,
    summary: `${vendor.name} rejected the token request (${http})`,
    ...(status === 404 || status === 405
      ? {
          hint: `Check ${vendor.env.baseUrl}: the token path must follow it (base path included).`,
        }
      : {}),
    status,
  };
}

function diagnoseNetwork(error: TokenRequestError, vendor: VendorEntry): Diagnosis {
  const causes = causeChain(error.cause);
  if (
    causes.some((cause) => cause.name === "TimeoutError") ||
    /timed out after/.test(error.message)
  ) {
    return {
      kind: "timeout",
      exitCode: EXIT_CODES.unreachable,
      summary: `${vendor.name} did not answer in time (${error.attempts} attempt${error.attempts === 1 ? "" : "s"})`,
      hint: "Try a longer --timeout, or check the network.",
    };
  }
  const codes = causes.map((cause) => cause.code).filter((code) => code !== undefined);
  const tls = codes.find((code) => TLS_CODE.test(code));
  if (tls !== undefined) {
    return {
      kind: "tls",
      exitCode: EXIT_CODES.unreachable,
      summary: `the TLS connection to ${vendor.name} failed (${tls}): its certificate is not trusted or does not match the host`,
      hint: `Check ${vendor.env.baseUrl}; for a private CA, point NODE_EXTRA_CA_CERTS at its certificate.`,
    };
  }
  const code = codes[0];
  const detail = causes.map((cause) => cause.message).find((m) => m !== "" && m !== "fetch failed");
  const words = code === undefined ? detail : (NETWORK_WORDS[code] ?? detail);
  return {
    kind: "unreachable",
    exitCode: EXIT_CODES.unreachable,
    summary: `${vendor.name} could not be reached: ${words ?? "no answer"}${code === undefined ? "" : ` (${code})`}`,
    hint: `Check ${vendor.env.baseUrl} (or ${vendor.env.server}) and the network.`,
  };
}

interface CauseLink {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
}

function causeChain(cause: unknown): CauseLink[] {
  const chain: CauseLink[] = [];
  const queue: unknown[] = [cause];
  while (queue.length > 0 && chain.length < 16) {
    const current = queue.shift();
    if (typeof current !== "object" || current === null) continue;
    const record = current as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    chain.push({
      name: typeof record.name === "string" ? record.name : "",
      code: typeof record.code === "string" ? record.code : undefined,
      message: typeof record.message === "string" ? record.message.slice(0, 120) : "",
    });
    queue.push(record.cause);
    // Happy Eyeballs and friends fail with an AggregateError of one error per address.
    if (Array.isArray(record.errors)) queue.push(...record.errors);
  }
  return chain;
}

function isOAuthCredentialError(body: unknown): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    OAUTH_CREDENTIAL_ERRORS.has(String((body as { error?: unknown }).error))
  );
}

/** The vendor's own words from its (already redacted) error body, shortened. */
function vendorWords(body: unknown): string {
  let words = "";
  if (typeof body === "string") words = body;
  else if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>;
    const parts = [record.error, record.error_description, record.message, record.detail]
      .filter((part): part is string => typeof part === "string" && part !== "")
      .filter((part, index, all) => all.indexOf(part) === index);
    words = parts.join(", ");
  }
  words = words.replace(/\s+/g, " ").trim();
  return words.length > 160 ? `${words.slice(0, 157)}...` : words;
}

/** `59 minutes 59 seconds`, `2 hours 5 minutes`, `3 days`: the two largest units, rounded down. */
export function describeDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const units: [number, string][] = [
    [Math.floor(total / 86_400), "day"],
    [Math.floor((total % 86_400) / 3600), "hour"],
    [Math.floor((total % 3600) / 60), "minute"],
    [total % 60, "second"],
  ];
  const first = units.findIndex(([value]) => value > 0);
  if (first === -1) return "0 seconds";
  return units
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value} ${unit}${value === 1 ? "" : "s"}`)
    .join(" ");
}
