import { parseRoleArn } from "../arn";
import { environments, MlConfig } from "../config/schema";
import { SHARED_ROLE_PATH } from "../contract";
import { GUARDED_BY_TAG } from "../policies/detectiveGuardrail";
import { modelAlarmPrefix, ModelAlarmSpec, modelAlarmSpecs } from "./alarms";
import { ArchiveRulePlan, archiveRulesFor, IntendedAccess } from "./archiveRules";
import { GUARD_POLICY_RUNTIME, guardRuleText } from "./guard";

/**
 * What the detective side of the ML stack creates, from config alone (like src/plan.ts for the preventive side):
 * the components wire these into resources; the guardrail, the budget check, the rules and the tests read the same.
 */

export interface AnalyzerPlan {
  readonly name: string;
  /** The management or delegated administrator account the analyzer lives in. */
  readonly accountId: string;
  /** The role Pulumi assumes there. */
  readonly adminRoleArn: string;
  readonly intendedAccess: readonly IntendedAccess[];
  readonly archiveRules: readonly ArchiveRulePlan[];
}

export interface ConfigRulePlan {
  readonly ruleName: string;
  readonly description: string;
  readonly policyRuntime: string;
  readonly policyText: string;
  /** The tag the ML guardrail's ProtectConfigRule statement matches. */
  readonly tags: Readonly<Record<string, string>>;
  readonly recorder:
    | { readonly mode: "existing"; readonly name: string }
    | { readonly mode: "create"; readonly name: string; readonly deliveryBucketName: string; readonly roleArn: string };
}

export interface AlarmsPlan {
  readonly snsTopicArn: string;
  readonly namePrefix: string;
  readonly alarms: readonly ModelAlarmSpec[];
}

export interface DetectivePlan {
  readonly analyzer?: AnalyzerPlan;
  readonly unusedAccess?: { readonly name: string; readonly unusedAccessAgeDays: number };
  readonly configRule?: ConfigRulePlan;
  readonly alarms?: AlarmsPlan;
}

/** The inputs of planDetective that the ML plan computes first. */
export interface DetectivePlanInput {
  readonly projectName: string;
  readonly sharedRoles: readonly { readonly environment: string; readonly roleArn: string }[];
  readonly dataLake?: { readonly bucketName: string; readonly bucketAccountId: string; readonly trainingPrincipalArn: string };
}

/** AWS Config's service-linked role (AWS Config developer guide, "Using service-linked roles for AWS Config"). */
export function configServiceLinkedRoleArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;
}

/** The cross-account access the ML stack creates: each shared role for its consumer, the data lake for the ML account. */
export function intendedExternalAccess(config: MlConfig, input: DetectivePlanInput): IntendedAccess[] {
  const accesses: IntendedAccess[] = input.sharedRoles.map((role) => {
    const consumer = config.consumers[role.environment];
    return {
      kind: "shared-role",
      subject: role.environment,
      resourceArn: role.roleArn,
      resourceType: "AWS::IAM::Role",
      resourceOwnerAccount: config.mlAccountId,
      principalAccount: consumer.accountId,
      principalArns: consumer.applicationPrincipalArns,
      organizationId: config.organizationId,
    };
  });
  const lake = input.dataLake;
  if (lake && lake.bucketAccountId !== config.mlAccountId) {
    accesses.push({
      kind: "data-lake",
      subject: lake.bucketName,
      resourceArn: `arn:${config.partition}:s3:::${lake.bucketName}`,
      resourceType: "AWS::S3::Bucket",
      resourceOwnerAccount: lake.bucketAccountId,
      principalAccount: config.mlAccountId,
      principalArns: [lake.trainingPrincipalArn],
    });
  }
  return accesses;
}

export function planDetective(config: MlConfig, input: DetectivePlanInput): DetectivePlan {
  const d = config.detective;
  const plan: { -readonly [K in keyof DetectivePlan]: DetectivePlan[K] } = {};
  if (d.accessAnalyzer.enabled && d.accessAnalyzer.roleArn !== undefined) {
    const role = parseRoleArn(d.accessAnalyzer.roleArn);
    if (typeof role === "string") throw new Error(`detective.accessAnalyzer.roleArn ${role}`); // unreachable after validation
    const intendedAccess = intendedExternalAccess(config, input);
    plan.analyzer = {
      name: d.accessAnalyzer.analyzerName ?? `${config.rolePrefix}-organization`,
      accountId: role.accountId,
      adminRoleArn: d.accessAnalyzer.roleArn,
      intendedAccess,
      archiveRules: archiveRulesFor(intendedAccess, config.partition, config.rolePrefix),
    };
  }
  if (d.accessAnalyzer.enabled && d.accessAnalyzer.unusedAccess.enabled) {
    plan.unusedAccess = { name: `${config.rolePrefix}-unused-access`, unusedAccessAgeDays: d.accessAnalyzer.unusedAccess.unusedAccessAgeDays };
  }
  if (d.configRule.enabled) {
    const recorder = d.configRule.recorder;
    plan.configRule = {
      ruleName: `${config.rolePrefix}-shared-role-design`,
      description: `modelshare: every role under ${SHARED_ROLE_PATH} allows only rekognition:DetectCustomLabels on exact version ARNs of ${input.projectName} and requires aws:PrincipalOrgID ${config.organizationId} in its trust`,
      policyRuntime: GUARD_POLICY_RUNTIME,
      policyText: guardRuleText({
        partition: config.partition,
        region: config.region,
        mlAccountId: config.mlAccountId,
        projectName: input.projectName,
        organizationId: config.organizationId,
        rolePath: SHARED_ROLE_PATH,
      }),
      tags: { [GUARDED_BY_TAG]: `${config.rolePrefix}-ml-guardrail` },
      recorder:
        recorder.mode === "create"
          ? { mode: "create", name: recorder.name, deliveryBucketName: recorder.deliveryBucketName ?? "", roleArn: recorder.roleArn ?? configServiceLinkedRoleArn(config.partition, config.mlAccountId) }
          : { mode: "existing", name: recorder.name },
    };
  }
  if (d.alarms.enabled && d.alarms.snsTopicArn !== undefined) {
    const granted = environments(config).flatMap((env) => config.consumers[env].grantedVersions);
    plan.alarms = { snsTopicArn: d.alarms.snsTopicArn, namePrefix: modelAlarmPrefix(config.rolePrefix), alarms: modelAlarmSpecs(config.rolePrefix, granted, d.alarms) };
  }
  return plan;
}
