import type { ExpiryEncoding, ExpiryRule } from "./expiry.js";

/**
 * Where a wire field's value comes from when the operation is called.
 *
 * - `credentials.<name>`: a credential the app passed (camelCase name).
 * - `refreshToken` / `accessToken`: the stored token being refreshed.
 * - `{ const }`: a value the spec allows exactly one of (e.g. `grant_type=client_credentials`).
 */
export type FieldSource =
  | `credentials.${string}`
  | "refreshToken"
  | "accessToken"
  | { readonly const: string | number | boolean };

/** The credential a source names (`credentials.clientId` → `clientId`), if any. */
export function credentialOf(from: FieldSource | string): string | undefined {
  return typeof from == "string" && from.startsWith("credentials.") ? from.slice(12) : undefined;
}

/** One input of an operation as it travels on the wire. */
export interface WireField {
  /** The name on the wire (`client_id`, `x-merchant-id`). */
  readonly wire: string;
  /** `body` means the operation's body, encoded as {@link OperationBinding.body} says. */
  readonly in: "body" | "header" | "query";
  readonly from: FieldSource;
}

/** A credential the app must (or may) supply, derived from the token operation's inputs. */
export interface CredentialBinding {
  /** camelCase name used in `options.credentials`. */
  readonly name: string;
  readonly required: boolean;
  /** The JSON type the spec declares, checked before any request is made. */
  readonly type: "string" | "number" | "boolean" | "string[]";
}

/** How to call one operation of the vendor's API. */
export interface OperationBinding {
  readonly operationId: string;
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  /** Path relative to the server URL, as written in the spec. */
  readonly path: string;
  /** Body encoding; absent when the operation sends no body. */
  readonly body?: "json" | "form" | "multipart";
  readonly fields: readonly WireField[];
}

/** A token type: a fixed literal, or read from the response with a fallback. */
export type TokenTypeBinding = string | { readonly from: string; readonly fallback: string };

/**
 * Everything auth-core needs to know about one vendor. Generated from the vendor's spec
 * (`x-tokenyard` plus the operations it names); never written by hand.
 */
export interface AuthBinding {
  /** Brand name, used in messages (`KlearStack`). */
  readonly vendor: string;
  /** Stable lowercase id, used in cache keys (`klearstack`). */
  readonly id: string;
  /** Spec file the binding was generated from, for messages. */
  readonly spec: string;
  readonly servers: Readonly<Record<string, string>>;
  /** Server used when the app names none; `null` when the spec has no usable host. */
  readonly defaultServer: string | null;
  readonly credentials: readonly CredentialBinding[];
  readonly token: {
    readonly operation: OperationBinding;
    /** JSON pointer to the access token in the 2xx response. */
    readonly accessToken: string;
    readonly tokenType: TokenTypeBinding;
    readonly expiry: readonly ExpiryRule[];
    /** Lifetime assumed when no expiry rule yields a value. */
    readonly defaultLifetimeSeconds?: number;
    readonly refreshToken?: { readonly from: string; readonly expiry?: ExpiryEncoding };
  };
  readonly refresh?: {
    readonly operation: OperationBinding;
    readonly authorization?: "current-access-token";
  };
}
