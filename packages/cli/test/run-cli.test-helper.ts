// Runs the built bin as a child process with a clean environment (only what the test passes).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  options: { cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
      cwd: options.cwd ?? process.cwd(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The text of every secret value among `credentials` (strings, numbers, list items). */
export function secretTexts(credentials: object): string[] {
  return Object.values(credentials)
    .flatMap((value: unknown) => (Array.isArray(value) ? value : [value]))
    .map((value) => String(value))
    .filter((value) => value.length >= 4);
}

/** Fails when any of `secrets` appears in the output. */
export function leaks(result: RunResult, secrets: readonly string[]): string[] {
  return secrets.filter(
    (secret) => result.stdout.includes(secret) || result.stderr.includes(secret),
  );
}
