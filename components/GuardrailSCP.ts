import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";

export interface GuardrailSCPArgs {
  /** Policy name in AWS Organizations. */
  readonly policyName: string;
  /** The SCP's description, shown in AWS Organizations. */
  readonly description: string;
  /** The SCP (built by consumerGuardrailPolicy or mlGuardrailPolicy). */
  readonly document: PolicyDocument;
  /** Roots, OUs or accounts the SCP is attached to. */
  readonly targetIds: readonly string[];
  /** Tags for every resource the component creates. @default none */
  readonly tags?: Record<string, string>;
}

/**
 * A service control policy and its attachments. Create it with a provider for the organization's management
 * account: SCPs are managed there, and never restrict the management account itself.
 */
export class GuardrailSCP extends pulumi.ComponentResource {
  readonly policyId: pulumi.Output<string>;
  readonly policyArn: pulumi.Output<string>;

  constructor(name: string, args: GuardrailSCPArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:GuardrailSCP", name, {}, opts);
    const policy = new aws.organizations.Policy(
      `${name}-policy`,
      {
        name: args.policyName,
        description: args.description,
        type: "SERVICE_CONTROL_POLICY",
        content: toJson(args.document),
        tags: args.tags,
      },
      { parent: this },
    );
    for (const targetId of args.targetIds) {
      new aws.organizations.PolicyAttachment(`${name}-${targetId}`, { policyId: policy.id, targetId }, { parent: this });
    }
    this.policyId = policy.id;
    this.policyArn = policy.arn;
    this.registerOutputs({ policyId: this.policyId, policyArn: this.policyArn });
  }
}
