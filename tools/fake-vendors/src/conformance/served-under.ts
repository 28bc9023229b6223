import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";

/**
 * A fake vendor at `origin`, reachable only under `prefix` through a forwarding node:http server
 * on 127.0.0.1 (a gateway that mounts the vendor under a tenant path): anything outside the
 * prefix gets a 404. `paths` are the targets it saw. Closed when the test finishes.
 */
export async function servedUnder(
  prefix: string,
  origin: string,
): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const proxy = createServer((req, res) => {
    const path = req.url ?? "";
    paths.push(path);
    if (!path.startsWith(`${prefix}/`)) return void res.writeHead(404).end();
    const target = origin + path.slice(prefix.length);
    const forward = request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      }),
  );
  const { port } = proxy.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}${prefix}`, paths };
}
