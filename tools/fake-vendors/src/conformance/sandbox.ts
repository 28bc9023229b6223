/**
 * Each vendor package's generated sandbox (`@tokenyard/<vendor>-auth/testing`), driven through
 * the same package: the sandbox must accept what the package sends, answer in a way the package
 * reads back exactly, and turn every fault it offers into the error an app would see.
 */
import { afterEach, describe, expect, it } from "vitest";
import { expectNoSecrets, rejectionOf } from "../secret-scan.js";
import type { LibraryUnderTest, ObservedToken } from "./adapter.js";
import { T0_SECONDS } from "./harness.js";

/** The part of a generated sandbox the suite drives. */
export interface SandboxUnderTest {
  readonly baseUrl: string;
  readonly credentials: object;
  readonly issuedTokens: readonly string[];
  tokenRequests(): number;
  refreshRequests(): number;
  fail(
    ...faults: Array<
      { status: number; retryAfter?: number } | "drop" | "malformed-json" | "no-token"
    >
  ): void;
  close(): Promise<void>;
}

export interface SandboxAdapter<Sandbox extends SandboxUnderTest> {
  readonly name: string;
  readonly library: LibraryUnderTest<unknown>;
  /** The generated `start<Vendor>Sandbox`. */
  start(options: { now: () => number; lifetimeSeconds: number }): Promise<Sandbox>;
  /** The generated `create<Vendor>Auth`. */
  createAuth(options: any): {
    getToken(options?: { forceRefresh?: boolean }): Promise<ObservedToken>;
  };
  /** The token operation's path under `baseUrl`, for sending it a request that breaks the spec. */
  readonly tokenPath: string;
  /** The spec names a refresh operation. */
  readonly refresh: boolean;
}

const LIFETIME_SECONDS = 600;

export function describeSandbox<Sandbox extends SandboxUnderTest>(
  adapter: SandboxAdapter<Sandbox>,
): void {
  const { TokenRequestError, TokenResponseError } = adapter.library;
  const running: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
  });
  // A whole second: vendors that send epoch seconds then give an exactly predictable expiry.
  const NOW = T0_SECONDS * 1000;
  const now = (): number => NOW;

  async function start(): Promise<Sandbox> {
    const sandbox = await adapter.start({ now, lifetimeSeconds: LIFETIME_SECONDS });
    running.push(sandbox);
    return sandbox;
  }
  const authFor = (sandbox: Sandbox, extra: object = {}) =>
    adapter.createAuth({
      credentials: sandbox.credentials,
      baseUrl: sandbox.baseUrl,
      now,
      retries: 0,
      ...extra,
    });

  describe(`${adapter.name}'s generated sandbox`, () => {
    it("issues a token the package reads back exactly, once for any number of callers", async () => {
      const sandbox = await start();
      const auth = authFor(sandbox);
      const tokens = await Promise.all(Array.from({ length: 200 }, () => auth.getToken()));
      expect(new Set(tokens.map((token) => token.accessToken))).toEqual(
        new Set([sandbox.issuedTokens[0]]),
      );
      expect(tokens[0]!.expiresAt).toBe(NOW + LIFETIME_SECONDS * 1000);
      expect(tokens[0]!.tokenType.toLowerCase()).toBe("bearer");
      expect(sandbox.tokenRequests()).toBe(1);
    });

    it("refuses wrong credentials with the vendor's documented answer", async () => {
      const sandbox = await start();
      const wrong = Object.fromEntries(
        Object.entries(sandbox.credentials).map(([name]) => [name, `wrong-${name}-value`]),
      );
      const error = await rejectionOf(authFor(sandbox, { credentials: wrong }).getToken());
      expect(error).toBeInstanceOf(TokenRequestError);
      expect((error as { status?: number }).status).toBe(401);
      expect((error as { body?: unknown }).body).toBeTruthy();
      expectNoSecrets(error, [
        ...Object.values(wrong).map(String),
        ...Object.values(sandbox.credentials).map(String),
      ]);
    });

    it("answers a request that breaks the spec with the vendor's bad-request answer", async () => {
      const sandbox = await start();
      const response = await fetch(`${sandbox.baseUrl}${adapter.tokenPath}`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "not what the spec says",
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(600);
      expect(sandbox.issuedTokens).toHaveLength(0);
    });

    it.each([
      ["503", { status: 503 }, { kind: "request", status: 503 }],
      [
        "429 with Retry-After",
        { status: 429, retryAfter: 7 },
        { kind: "request", status: 429, retryAfterMs: 7000 },
      ],
      ["a dropped connection", "drop", { kind: "request", status: undefined }],
      ["malformed JSON", "malformed-json", { kind: "response" }],
      ["a 2xx without a token", "no-token", { kind: "response" }],
    ] as const)("turns %s into the error an app sees", async (_label, fault, expected) => {
      const sandbox = await start();
      sandbox.fail(fault as never);
      const error = await rejectionOf(authFor(sandbox).getToken());
      if (expected.kind === "response") {
        expect(error).toBeInstanceOf(TokenResponseError);
        return;
      }
      expect(error).toBeInstanceOf(TokenRequestError);
      expect((error as { status?: number }).status).toBe(expected.status);
      if ("retryAfterMs" in expected)
        expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(expected.retryAfterMs);
    });

    if (adapter.refresh) {
      it("refreshes through the refresh operation while the access token is valid", async () => {
        const sandbox = await start();
        const auth = authFor(sandbox);
        const first = await auth.getToken();
        const second = await auth.getToken({ forceRefresh: true });
        expect(sandbox.refreshRequests()).toBe(1);
        expect(sandbox.tokenRequests()).toBe(1);
        expect(second.accessToken).not.toBe(first.accessToken);
        expect(second.refreshToken).toBe(first.refreshToken);
      });
    }
  });
}
