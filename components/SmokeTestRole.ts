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
  /** Trust policy: Lambda for the smoke-test function (smokeTestFunctionTrustPolicy), or the pipeline role in direct mode (smokeTestTrustPolicy). */
  readonly trustPolicy: PolicyDocument;
  /** The role's only inline permissions (built by smokeTestPolicy). */
  readonly policy: PolicyDocument;
  /** AWS-managed policies to attach (the function's VPC access). @default [] */
  readonly managedPolicyArns?: readonly string[];
  readonly tags?: Record<string, string>;
}

/**
 * The principal promotion's `verify` step acts as in a consumer account: the smoke-test function runs as it (or, in
 * direct mode, the pipeline assumes it), then it assumes the shared role and calls the model as an application does.
 */
export class SmokeTestRole extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  /** The role and everything attached to it: what a function running as it must wait for. */
  readonly ready: pulumi.Resource[];

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
    const policy = new aws.iam.RolePolicy(`${name}-assume-shared-role`, { name: `modelshare-${args.environment}-smoke-test`, role: role.name, policy: toJson(args.policy) }, { parent: this });
    const attachments = (args.managedPolicyArns ?? []).map((policyArn) => new aws.iam.RolePolicyAttachment(`${name}-${policyArn.split("/").pop()}`, { role: role.name, policyArn }, { parent: this }));
    this.roleArn = role.arn;
    this.ready = [role, policy, ...attachments];
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
