// CrossGuard pack: `pulumi preview --policy-pack policy [--policy-pack-config policy-config.json]` from the project
// root. Never import this file from a test: constructing a PolicyPack starts the policy gRPC server. The tests call
// ./policies directly. `npm run build` (run by `npm ci` at the root) compiles this file and the rules it uses into
// dist/, the package's main.
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./policies";

new PolicyPack("modelshare", {
  description:
    "modelshare's checks (src/rules): exact version grants, no wildcard Allows, organization-bound trust, protected exemptions, quotas, " +
    "private endpoints; waivers from modelshare:waivers in each Pulumi.<stack>.yaml.",
  enforcementLevel: "mandatory",
  policies: crossGuardPolicies(),
});
