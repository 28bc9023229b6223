// The package against its own generated sandbox (`@tokenyard/asset-auth/testing`).
import * as library from "@tokenyard/auth-core";
import { describeSandbox } from "@tokenyard/fake-vendors/conformance";
import { createAssetAuth } from "../src/index.js";
import { startAssetSandbox } from "../src/testing.gen.js";

describeSandbox({
  name: "Asset",
  library,
  start: startAssetSandbox,
  createAuth: createAssetAuth,
  tokenPath: "/v0/auth/token",
  refresh: false,
});
