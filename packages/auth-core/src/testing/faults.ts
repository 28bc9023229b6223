/**
 * Faults a test can queue with `sandbox.fail(...)`: the ways a real vendor's token endpoint
 * misbehaves, each consumed by exactly one token or refresh request.
 */
import { STATUS_CODES } from "node:http";
import type { SandboxAnswer, SandboxBinding } from "./sandbox-binding.js";

/**
 * One scripted misbehaviour.
 *
 * - `{ status, retryAfter?, body? }`: answer with this status instead of handling the request.
 *   `retryAfter` (seconds) sets `Retry-After`. Without `body` the spec's own answer is used when
 *   its status matches (401/403 → `errors.badCredentials` with this status), else `{ error }`.
 * - `"drop"`: destroy the connection without an answer.
 * - `"malformed-json"`: 200 with a truncated JSON body.
 * - `"no-token"`: handle the request, but answer the success body without the access token.
 * - `{ latencyMs }`: handle the request normally, answering that much later (real timers).
 */
export type SandboxFault =
  | { readonly status: number; readonly retryAfter?: number; readonly body?: unknown }
  | "drop"
  | "malformed-json"
  | "no-token"
  | { readonly latencyMs: number };

/** Throws a `RangeError` for a fault that cannot be sent, at `fail()` time, not mid-request. */
export function checkFault(fault: SandboxFault): void {
  if (fault === "drop" || fault === "malformed-json" || fault === "no-token") return;
  if (typeof fault !== "object" || fault === null) {
    throw new RangeError(`unknown sandbox fault: ${String(fault)}`);
  }
  if ("latencyMs" in fault) {
    if (!Number.isFinite(fault.latencyMs) || fault.latencyMs < 0)
      throw new RangeError(`invalid latencyMs: ${fault.latencyMs}`);
    return;
  }
  if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
    throw new RangeError(`invalid fault status: ${fault.status}`);
  }
  if (
    fault.retryAfter !== undefined &&
    !(Number.isInteger(fault.retryAfter) && fault.retryAfter >= 0)
  ) {
    throw new RangeError(`invalid retryAfter (whole seconds): ${fault.retryAfter}`);
  }
}

/** An answer with extra headers. */
export interface FaultAnswer extends SandboxAnswer {
  readonly headers: Readonly<Record<string, string>>;
}

/** The answer for a status fault. */
export function statusFaultAnswer(
  fault: { readonly status: number; readonly retryAfter?: number; readonly body?: unknown },
  errors: SandboxBinding["errors"],
): FaultAnswer {
  const headers: Record<string, string> =
    fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
  const { status } = fault;
  if (fault.body !== undefined) {
    const contentType =
      typeof fault.body === "string" ? "text/plain; charset=utf-8" : "application/json";
    return { status, contentType, body: fault.body, headers };
  }
  // The client's error then carries the body the vendor documents for this status.
  if (status === errors.badRequest.status) return { ...errors.badRequest, headers };
  if (status === errors.badCredentials.status || status === 401 || status === 403) {
    return { ...errors.badCredentials, status, headers };
  }
  const reason = (STATUS_CODES[status] ?? "error").toLowerCase().replace(/\W+/g, "_");
  return { status, contentType: "application/json", body: { error: reason }, headers };
}

/** A JSON text cut short, so no parser accepts it. */
export function truncatedJson(value: unknown): string {
  const text = JSON.stringify(value ?? {});
  const cut = text.slice(0, Math.max(1, Math.ceil(text.length / 2)));
  try {
    JSON.parse(cut);
    return "{";
  } catch {
    return cut;
  }
}
