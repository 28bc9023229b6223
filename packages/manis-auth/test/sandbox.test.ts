// The package against its own generated sandbox (`@tokenyard/manis-auth/testing`).
import * as library from "@tokenyard/auth-core";
import { describeSandbox } from "@tokenyard/fake-vendors/conformance";
import { createManisAuth } from "../src/index.js";
import { startManisSandbox } from "../src/testing.gen.js";

describeSandbox({
  name: "Manis",
  library,
  start: startManisSandbox,
  createAuth: createManisAuth,
  tokenPath: "/api/v1/auth/token",
  refresh: false,
});
