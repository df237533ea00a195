import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";

export interface SharedModelRoleArgs {
  /** Consumer environment this role serves (qa, prod, ...). */
  readonly environment: string;
  /** Exact role name; it is predictable so consumers can be configured before it exists. */
  readonly roleName: string;
  /** IAM path; the ML guardrail protects every role under it. */
  readonly path: string;
  /** Session length in seconds. @default 3600 (the most a chained session gets) */
  readonly maxSessionDurationSeconds?: number;
  /** Trust policy (built by sharedRoleTrustPolicy). */
  readonly trustPolicy: PolicyDocument;
  /** The role's only permissions (built by sharedRolePermissionsPolicy). */
  readonly permissionsPolicy: PolicyDocument;
  /** Tags for every resource the component creates. @default none */
  readonly tags?: Record<string, string>;
}

/**
 * The cross-account role of one consumer environment in the ML account: it may only call
 * rekognition:DetectCustomLabels on the versions granted to that environment.
 */
export class SharedModelRole extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: SharedModelRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:SharedModelRole", name, {}, opts);
    const maxSessionDuration = args.maxSessionDurationSeconds ?? 3600;

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.roleName,
        path: args.path,
        description: `modelshare: ${args.environment} calls the shared Rekognition model`,
        assumeRolePolicy: toJson(args.trustPolicy),
        maxSessionDuration,
        // Inline-only: nothing else may be attached without changing this program (and the guardrail).
        forceDetachPolicies: true,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-detect`,
      { name: "detect-granted-versions", role: role.name, policy: toJson(args.permissionsPolicy) },
      { parent: this },
    );

    this.roleArn = role.arn;
    this.roleName = role.name;
    this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
  }
}
