// The token's life through the generated package against the fake Manis on 127.0.0.1: Manis has
// nothing of its own here, so the shared suite is all of it.
import {
  describeAuthorizedCalls,
  describeTokenLifecycle,
} from "@tokenyard/fake-vendors/conformance";
import { manis } from "./manis-vendor.js";

describeTokenLifecycle(manis);
describeAuthorizedCalls(manis);
