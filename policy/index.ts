// CrossGuard pack: `pulumi preview --policy-pack policy` (from the project root). Never import this file from a
// test: constructing a PolicyPack starts the policy gRPC server. The tests call ./policies directly.
import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./policies";

new PolicyPack("modelshare", {
  description: "modelshare's offline checks (src/rules): exact version grants, no wildcard Allows, organization-bound trust, quotas, private endpoints.",
  enforcementLevel: "mandatory",
  policies: crossGuardPolicies(),
});
