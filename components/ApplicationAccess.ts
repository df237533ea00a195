import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";

export interface ApplicationAccessArgs {
  /** Consumer environment (qa, prod, ...): names the role and the parameters it may read. */
  readonly environment: string;
  /** Create a role with this name... */
  readonly roleName?: string;
  /** ...or attach the policy to this existing role. */
  readonly existingRoleName?: string;
  /** IAM path of a created role. @default "/" (modelshare passes /modelshare/, which the consumer guardrail protects) */
  readonly path?: string;
  /** Trust policy of a created role (built by applicationTrustPolicy). */
  readonly trustPolicy: PolicyDocument;
  /** Assume the shared role, read the environment's parameters (built by applicationPolicy). */
  readonly policy: PolicyDocument;
  /** Tags for every resource the component creates. @default none */
  readonly tags?: Record<string, string>;
}

/** The application's role in the consumer account (or a policy on an existing one). */
export class ApplicationAccess extends pulumi.ComponentResource {
  readonly roleName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: ApplicationAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:ApplicationAccess", name, {}, opts);
    let roleName: pulumi.Output<string>;
    if (args.existingRoleName !== undefined) {
      roleName = pulumi.output(args.existingRoleName);
      this.roleArn = undefined;
    } else {
      const role = new aws.iam.Role(
        `${name}-role`,
        {
          name: args.roleName,
          ...(args.path !== undefined ? { path: args.path } : {}),
          description: `modelshare: ${args.environment} application calling the shared model`,
          assumeRolePolicy: toJson(args.trustPolicy),
          tags: args.tags,
        },
        { parent: this },
      );
      roleName = role.name;
      this.roleArn = role.arn;
    }
    new aws.iam.RolePolicy(
      `${name}-model-access`,
      { name: `modelshare-${args.environment}`, role: roleName, policy: toJson(args.policy) },
      { parent: this },
    );
    this.roleName = roleName;
    this.registerOutputs({ roleName: this.roleName, roleArn: this.roleArn });
  }
}
