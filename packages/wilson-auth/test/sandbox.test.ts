// The package against its own generated sandbox (`@tokenyard/wilson-auth/testing`).
import * as library from "@tokenyard/auth-core";
import { describeSandbox } from "@tokenyard/fake-vendors/conformance";
import { createWilsonAuth } from "../src/index.js";
import { startWilsonSandbox } from "../src/testing.gen.js";

describeSandbox({
  name: "Wilson",
  library,
  start: startWilsonSandbox,
  createAuth: createWilsonAuth,
  tokenPath: "/auth/token",
  refresh: false,
});
