import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, "../..");
const PRISM = path.join(HERE, "../node_modules/.bin/prism");

/** A running `prism proxy`: the spec's paths served at `url`, forwarded to the upstream. */
export interface PrismProxy {
  readonly url: string;
  /** Everything Prism printed: its validation messages explain a failed check. */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts Stoplight Prism as a validating proxy in front of `upstream`: with `--errors`, a request
 * or response that does not conform to the spec becomes an error instead of passing through.
 * Prism is an independent implementation of OpenAPI, so it checks our reading of the specs.
 */
export async function startPrismProxy(spec: string, upstream: string): Promise<PrismProxy> {
  const port = await freePort();
  const child = spawn(
    PRISM,
    [
      "proxy",
      path.join(REPO_ROOT, spec),
      upstream,
      "--errors",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
  );
  let output = "";
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start:\n${output}`)), 30_000);
    const check = (): void => {
      if (!output.includes("Prism is listening")) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
