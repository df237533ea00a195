import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";

export interface SmokeTestRoleArgs {
  /** Consumer environment whose promotions this role verifies. */
  readonly environment: string;
  /** Exact role name: the shared role trusts it by ARN, so the stack owns it instead of leaving the name free. */
  readonly roleName: string;
  /** IAM path; the consumer guardrail protects every role under it. */
  readonly path: string;
  /** Trust policy (built by smokeTestTrustPolicy): the pipeline role only. */
  readonly trustPolicy: PolicyDocument;
  /** The role's only permissions (built by smokeTestPolicy). */
  readonly policy: PolicyDocument;
  readonly tags?: Record<string, string>;
}

/**
 * The principal promotion's `verify` step acts as in a consumer account: the pipeline assumes it, then the shared
 * role, and calls the model the way an application does.
 */
export class SmokeTestRole extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: SmokeTestRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:SmokeTestRole", name, {}, opts);
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        path: args.path,
        description: `modelshare: promotion's smoke test for ${args.environment}`,
        assumeRolePolicy: toJson(args.trustPolicy),
        forceDetachPolicies: true,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(`${name}-assume-shared-role`, { name: `modelshare-${args.environment}-smoke-test`, role: role.name, policy: toJson(args.policy) }, { parent: this });
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
