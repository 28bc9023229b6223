/**
 * `command`, or a rejection once it has taken longer than `ms`.
 *
 * Not ioredis's `commandTimeout`: its timer rejects as soon as it is due, and after this process
 * stalls (a burst of synchronous work, a GC pause, a starved CPU) due timers run before the
 * sockets are read, so a reply that arrived in time counted as a timeout, and the provider went
 * to the vendor around the lock. This one lets the event loop read its sockets once before it
 * gives up (`setImmediate` runs after the poll phase).
 */
export function withCommandTimeout<T>(command: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      immediate = setImmediate(() => reject(new Error(`Command timed out after ${ms} ms`)));
    }, ms);
  });
  return Promise.race([command, timeout]).finally(() => {
    clearTimeout(timer);
    clearImmediate(immediate);
  });
}
