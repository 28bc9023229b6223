import type { AuthBinding } from "../binding.js";

/**
 * What a vendor's sandbox needs beyond the {@link AuthBinding}: generated from the same spec by
 * `pnpm generate` (`src/testing.gen.ts` of each vendor package), never written by hand.
 */
export interface SandboxBinding {
  readonly auth: AuthBinding;
  /** Path part of the spec's first server URL (`/apif/v2`, or `""`), served under the sandbox's origin. */
  readonly basePath: string;
  readonly token: SandboxOperation;
  readonly refresh?: SandboxOperation | undefined;
  /** Other operations taking the bearer token (a "who am I"): 200 for a live token, else 401. */
  readonly protected: readonly SandboxOperation[];
  /** The vendor's own error answers, from the spec's examples (or built from its schemas). */
  readonly errors: {
    /** Wrong credentials or a dead token: the spec's 401 (or 403). */
    readonly badCredentials: SandboxAnswer;
    /** A request that breaks the spec: the spec's 400/422 (or the vendor's documented 500). */
    readonly badRequest: SandboxAnswer;
  };
}

/** One input of an operation as the spec describes it, for validating requests. */
export interface SandboxInput {
  readonly wire: string;
  readonly in: "body" | "header" | "query";
  readonly required: boolean;
  readonly type: "string" | "number" | "boolean" | "string[]";
  /** The one value the spec allows (`grant_type=client_credentials`), if any. */
  readonly const?: string | number | boolean | undefined;
}

export interface SandboxOperation {
  readonly operationId: string;
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  /** Relative to the server URL, as in the spec. */
  readonly path: string;
  readonly body?: "json" | "form" | "multipart" | undefined;
  readonly inputs: readonly SandboxInput[];
  /** Needs `Authorization: Bearer <a live token issued by this sandbox>`. */
  readonly bearer: boolean;
  /**
   * The success answer: status and a body with the documented fields, from the spec's examples,
   * defaults and types. The sandbox writes the token, its type, expiry and refresh token into it
   * at the binding's pointers.
   */
  readonly success: { readonly status: number; readonly example: unknown };
}

/** An answer the sandbox sends verbatim: JSON unless the content type says otherwise. */
export interface SandboxAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}
