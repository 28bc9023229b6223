import { describe, expect, it, vi } from "vitest";
import { abortable } from "./abortable.js";
import { deferred } from "./test-server.test-helper.js";

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

describe("abortable", () => {
  it("without a signal returns the very same promise", () => {
    const promise = Promise.resolve(1);
    expect(abortable(promise, undefined)).toBe(promise);
  });

  it("passes a resolution through", async () => {
    const controller = new AbortController();
    expect(await abortable(Promise.resolve("token"), controller.signal)).toBe("token");
  });

  it("passes a rejection through", async () => {
    const controller = new AbortController();
    const failure = new Error("vendor down");
    expect(await settle(abortable(Promise.reject(failure), controller.signal))).toEqual({
      error: failure,
    });
  });

  it("an already-aborted signal rejects at once with its reason", async () => {
    const reason = new Error("too late");
    const shared = deferred<string>();
    expect(await settle(abortable(shared.promise, AbortSignal.abort(reason)))).toEqual({
      error: reason,
    });
  });

  it("an abort while waiting rejects this caller with the reason; the shared promise goes on", async () => {
    const shared = deferred<string>();
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    const mine = settle(abortable(shared.promise, controller.signal));
    const other = abortable(shared.promise, new AbortController().signal);
    controller.abort(reason);
    expect(await mine).toEqual({ error: reason });
    shared.resolve("token");
    expect(await other).toBe("token");
    expect(await shared.promise).toBe("token");
  });

  it("a default abort reason is an AbortError DOMException", async () => {
    const shared = deferred<string>();
    const controller = new AbortController();
    const mine = settle(abortable(shared.promise, controller.signal));
    controller.abort();
    const { error } = await mine;
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe("AbortError");
    shared.resolve("late");
  });

  it("an abort after settling changes nothing", async () => {
    const controller = new AbortController();
    const result = abortable(Promise.resolve("token"), controller.signal);
    expect(await result).toBe("token");
    controller.abort(new Error("after the fact"));
    expect(await result).toBe("token");
  });

  it("removes its abort listener once the promise settles (no leak on long-lived signals)", async () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, "addEventListener");
    const remove = vi.spyOn(controller.signal, "removeEventListener");
    for (let i = 0; i < 5; i += 1) await abortable(Promise.resolve(i), controller.signal);
    await settle(abortable(Promise.reject(new Error("x")), controller.signal));
    // `finally` runs one turn after the caller's promise settles.
    await new Promise((resolve) => setImmediate(resolve));
    expect(add).toHaveBeenCalledTimes(6);
    expect(remove).toHaveBeenCalledTimes(6);
    expect(remove.mock.calls.map((call) => call[1])).toEqual(add.mock.calls.map((call) => call[1]));
  });
});
