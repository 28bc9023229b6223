// The vendor packages under test and their sandboxes. The sandboxes run here, in the test's own
// Node; only the vendor package's main entry runs in the runtime under test.
import { startAssetSandbox } from "@tokenyard/asset-auth/testing";
import { startKlearStackSandbox } from "@tokenyard/klearstack-auth/testing";
import { startManisSandbox } from "@tokenyard/manis-auth/testing";
import { startWilsonSandbox } from "@tokenyard/wilson-auth/testing";

/** What the test needs of a started sandbox, whichever vendor it plays. */
export interface RunningSandbox {
  readonly baseUrl: string;
  readonly credentials: object;
  tokenRequests(): number;
  close(): Promise<void>;
}

export interface Vendor {
  /** Key in the script's input and output. */
  readonly id: string;
  /** npm package name. */
  readonly pkg: string;
  /** The main entry's factory, imported by name in the runtime. */
  readonly create: string;
  readonly start: () => Promise<RunningSandbox>;
}

export const VENDORS: readonly Vendor[] = [
  {
    id: "wilson",
    pkg: "@tokenyard/wilson-auth",
    create: "createWilsonAuth",
    start: startWilsonSandbox,
  },
  {
    id: "asset",
    pkg: "@tokenyard/asset-auth",
    create: "createAssetAuth",
    start: startAssetSandbox,
  },
  {
    id: "klearstack",
    pkg: "@tokenyard/klearstack-auth",
    create: "createKlearStackAuth",
    start: startKlearStackSandbox,
  },
  {
    id: "manis",
    pkg: "@tokenyard/manis-auth",
    create: "createManisAuth",
    start: startManisSandbox,
  },
];

/** Every publishable package the apps install (store-redis is Node-only by design: not here). */
export const PACKED = [
  "packages/auth-core",
  "packages/wilson-auth",
  "packages/asset-auth",
  "packages/klearstack-auth",
  "packages/manis-auth",
] as const;

/** Main entries that must use web-standard APIs only. */
export const MAIN_ENTRIES = ["@tokenyard/auth-core", ...VENDORS.map((vendor) => vendor.pkg)];
