import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ConfigRulePlan } from "../src/detective/plan";

export interface SharedRoleConfigRuleArgs {
  /** The rule and its recorder decision (src/detective/plan.ts). */
  readonly plan: ConfigRulePlan;
  readonly tags?: Record<string, string>;
}

/**
 * The AWS Config custom policy rule (Guard) over every IAM role, evaluated on each configuration change: roles under
 * the modelshare path must keep their design (src/detective/guard.ts). Config rules need a configuration recorder in
 * the Region; with recorder.mode `create` this component creates it (recording IAM roles only), its delivery channel
 * and its status, otherwise the region's existing recorder (looked up before anything is registered) is used. A
 * region has at most one customer-managed recorder, so modelshare never creates a second one.
 */
export class SharedRoleConfigRule extends pulumi.ComponentResource {
  readonly ruleArn: pulumi.Output<string>;

  constructor(name: string, args: SharedRoleConfigRuleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:SharedRoleConfigRule", name, {}, opts);
    const plan = args.plan;
    const dependsOn: pulumi.Resource[] = [];
    if (plan.recorder.mode === "create") {
      const recorder = new aws.cfg.Recorder(
        `${name}-recorder`,
        {
          name: plan.recorder.name,
          roleArn: plan.recorder.roleArn,
          // IAM roles only: what the rule evaluates (a recorder for everything is the organization's decision).
          recordingGroup: { allSupported: false, includeGlobalResourceTypes: false, resourceTypes: ["AWS::IAM::Role"], recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }] },
        },
        { parent: this },
      );
      const channel = new aws.cfg.DeliveryChannel(`${name}-delivery`, { name: plan.recorder.name, s3BucketName: plan.recorder.deliveryBucketName }, { parent: this, dependsOn: [recorder] });
      dependsOn.push(new aws.cfg.RecorderStatus(`${name}-recording`, { name: recorder.name, isEnabled: true }, { parent: this, dependsOn: [channel] }));
    }
    const rule = new aws.cfg.Rule(
      `${name}-rule`,
      {
        name: plan.ruleName,
        description: plan.description,
        source: {
          owner: "CUSTOM_POLICY",
          sourceDetails: [{ eventSource: "aws.config", messageType: "ConfigurationItemChangeNotification" }, { eventSource: "aws.config", messageType: "OversizedConfigurationItemChangeNotification" }],
          customPolicyDetails: { policyRuntime: plan.policyRuntime, policyText: plan.policyText, enableDebugLogDelivery: false },
        },
        scope: { complianceResourceTypes: ["AWS::IAM::Role"] },
        tags: { ...args.tags, ...plan.tags },
      },
      { parent: this, dependsOn },
    );
    this.ruleArn = rule.arn;
    this.registerOutputs({ ruleArn: this.ruleArn });
  }
}
