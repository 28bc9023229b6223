/**
 * `pnpm demo`: gets a token from each vendor through its generated package, against each
 * package's own sandbox (`@tokenyard/<vendor>-auth/testing`, generated from the same spec), and
 * prints what happened.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createAssetAuth } from "@tokenyard/asset-auth";
import { startAssetSandbox } from "@tokenyard/asset-auth/testing";
import type { AccessToken, TokenProvider } from "@tokenyard/auth-core";
import { createKlearStackAuth } from "@tokenyard/klearstack-auth";
import { startKlearStackSandbox } from "@tokenyard/klearstack-auth/testing";
import { createManisAuth } from "@tokenyard/manis-auth";
import { startManisSandbox } from "@tokenyard/manis-auth/testing";
import { createWilsonAuth } from "@tokenyard/wilson-auth";
import { startWilsonSandbox } from "@tokenyard/wilson-auth/testing";

interface DemoVendor {
  readonly name: string;
  readonly provider: TokenProvider;
  readonly tokenRequests: () => number;
  readonly close: () => Promise<void>;
}

async function startVendors(): Promise<DemoVendor[]> {
  const [wilson, asset, klearstack, manis] = await Promise.all([
    startWilsonSandbox(),
    startAssetSandbox(),
    startKlearStackSandbox(),
    startManisSandbox(),
  ]);
  return [
    {
      name: "Wilson",
      provider: createWilsonAuth({ credentials: wilson.credentials, baseUrl: wilson.baseUrl }),
      tokenRequests: () => wilson.tokenRequests(),
      close: () => wilson.close(),
    },
    {
      name: "Asset",
      provider: createAssetAuth({
        credentials: { ...asset.credentials, scope: "ledger:read invoice:create" },
        baseUrl: asset.baseUrl,
      }),
      tokenRequests: () => asset.tokenRequests(),
      close: () => asset.close(),
    },
    {
      name: "KlearStack",
      provider: createKlearStackAuth({
        credentials: klearstack.credentials,
        baseUrl: klearstack.baseUrl,
      }),
      tokenRequests: () => klearstack.tokenRequests(),
      close: () => klearstack.close(),
    },
    {
      name: "Manis",
      provider: createManisAuth({ credentials: manis.credentials, baseUrl: manis.baseUrl }),
      tokenRequests: () => manis.tokenRequests(),
      close: () => manis.close(),
    },
  ];
}

async function describe(vendor: DemoVendor): Promise<string[]> {
  const first: AccessToken = await vendor.provider.getToken();
  const second = await vendor.provider.getToken();
  const expiresInSeconds = Math.round((first.expiresAt - Date.now()) / 1000);
  return [
    vendor.name,
    first.tokenType,
    `${expiresInSeconds} s`,
    String(vendor.tokenRequests()),
    second === first && vendor.provider.stats().hits === 1 ? "yes" : "NO",
  ];
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  console.log(line(rows[0]!));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows.slice(1)) console.log(line(row));
}

const vendors = await startVendors();
try {
  const rows = await Promise.all(vendors.map(describe));
  console.log("\ntokenyard demo: one token per vendor, through the generated packages\n");
  printTable([
    ["vendor", "token type", "expires in", "requests made", "second call cached"],
    ...rows,
  ]);
  const healthy = rows.every((row) => row[3] === "1" && row[4] === "yes");
  console.log(
    healthy
      ? "\nAll four vendors: one request each, second call from the cache."
      : "\nUnexpected result above.",
  );
  process.exitCode = healthy ? 0 : 1;
} finally {
  await Promise.all(vendors.map((vendor) => vendor.close()));
}

// The same from the shell: the CLI with --sandbox needs no credentials at all.
const tokenyard = fileURLToPath(new URL("../node_modules/.bin/tokenyard", import.meta.url));
console.log("\n$ tokenyard check klearstack --sandbox");
const check = spawnSync(tokenyard, ["check", "klearstack", "--sandbox"], { encoding: "utf8" });
process.stdout.write(check.stdout + check.stderr);
if (check.status !== 0) process.exitCode = 1;
