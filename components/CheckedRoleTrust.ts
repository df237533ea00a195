import * as pulumi from "@pulumi/pulumi";
import { TrustCheck } from "../src/policies/roleTrust";

/**
 * A record, in the stack, of a role trust the program read and accepted at deploy time (an exempt or deploy role it
 * does not manage): synth, the CrossGuard pack and `pulumi stack export` show it, and the rule exempt-role-trust
 * judges it again. It creates nothing in AWS.
 */
export class CheckedRoleTrust extends pulumi.ComponentResource {
  constructor(name: string, check: TrustCheck, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:CheckedRoleTrust", name, { ...check }, opts);
    this.registerOutputs({});
  }
}
