/** One answer as the package received it. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
  /** Prism's `sl-violations` header: what did not conform, when anything. */
  readonly violations: string | null;
}

/** A fetch for the provider that keeps a copy of every answer, so tests can validate it. */
export function recordingFetch(): { fetch: typeof globalThis.fetch; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await globalThis.fetch(request);
    const text = await response.clone().text();
    const contentType = response.headers.get("content-type") ?? "";
    exchanges.push({
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      contentType,
      body: contentType.includes("json") ? JSON.parse(text) : text,
      violations: response.headers.get("sl-violations"),
    });
    return response;
  };
  return { fetch, exchanges };
}
