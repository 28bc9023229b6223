import type { Middleware } from "openapi-fetch";

/** What the middleware needs from a provider. */
export interface TokenSource {
  authorization(): Promise<{ header: string; accessToken: string }>;
  /** The vendor rejected `accessToken` with a 401: renew it once for all who saw it rejected. */
  renewAfterRejection(accessToken: string): Promise<string>;
}

/**
 * openapi-fetch middleware. openapi-fetch neither clones requests nor replays them
 * (openapi-ts/openapi-typescript#2075), so `onRequest` keeps a clone, body intact, keyed by the
 * call's id, and `onResponse` sends it once more with the client's own fetch after a 401.
 */
export function createAuthMiddleware(source: TokenSource): Middleware {
  const pending = new Map<string, { replay: Request; accessToken: string }>();
  return {
    async onRequest({ request, id }) {
      const { header, accessToken } = await source.authorization();
      request.headers.set("Authorization", header);
      pending.set(id, { replay: request.clone(), accessToken });
      return request;
    },
    async onResponse({ response, options, id }) {
      const entry = pending.get(id);
      pending.delete(id);
      if (response.status !== 401 || !entry) return response;
      await response.body?.cancel();
      entry.replay.headers.set(
        "Authorization",
        await source.renewAfterRejection(entry.accessToken),
      );
      // The second answer goes to the caller as it is, 401 included: no third attempt.
      return options.fetch(entry.replay);
    },
    onError({ id }) {
      pending.delete(id);
    },
  };
}

/** `fetch` with the same behaviour as {@link createAuthMiddleware}, for code without openapi-fetch. */
export function createAuthFetch(
  source: TokenSource,
  fetch: typeof globalThis.fetch,
): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = new Request(input, init);
    const replay = request.clone();
    const { header, accessToken } = await source.authorization();
    request.headers.set("Authorization", header);
    const response = await fetch(request);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    replay.headers.set("Authorization", await source.renewAfterRejection(accessToken));
    return fetch(replay);
  };
}
