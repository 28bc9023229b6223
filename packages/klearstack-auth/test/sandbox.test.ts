// The package against its own generated sandbox (`@tokenyard/klearstack-auth/testing`).
import * as library from "@tokenyard/auth-core";
import { describeSandbox } from "@tokenyard/fake-vendors/conformance";
import { createKlearStackAuth } from "../src/index.js";
import { startKlearStackSandbox } from "../src/testing.gen.js";

describeSandbox({
  name: "KlearStack",
  library,
  start: startKlearStackSandbox,
  createAuth: createKlearStackAuth,
  tokenPath: "/access/klearstack/get_access_token",
  refresh: true,
});
