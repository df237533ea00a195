import { Statement, uniqueSorted } from "./document";

/**
 * ML-guardrail statements that keep the detective controls in place: nobody but the pipeline (and break-glass) may
 * change or delete the organization's access analyzer and its archive rules, the Config rule (and a recorder
 * modelshare created), or the model's alarms. Without them an administrator could archive the finding, stop the
 * recorder or silence an alarm before changing a shared role. Resource ARNs from the IAM service authorization
 * reference (access-analyzer: analyzer/NAME, analyzer/NAME/archive-rule/RULE; config: config-rule/ID,
 * configuration-recorder/NAME/ID; cloudwatch: alarm:NAME).
 */

/**
 * Changes to an analyzer and its archive rules. UpdateFindings (archiving one finding by hand) stays with the security
 * team; tagging is left out everywhere the protection goes by name (it changes nothing the guardrail relies on).
 */
export const ANALYZER_PROTECTED_ACTIONS = [
  "access-analyzer:ApplyArchiveRule",
  "access-analyzer:CreateArchiveRule",
  "access-analyzer:DeleteAnalyzer",
  "access-analyzer:DeleteArchiveRule",
  "access-analyzer:UpdateAnalyzer",
  "access-analyzer:UpdateArchiveRule",
] as const;

/** Changes to a Config rule and its results (tag-conditioned: a rule's ARN carries an id AWS assigns, so its tag must hold too). */
export const CONFIG_RULE_PROTECTED_ACTIONS = ["config:DeleteConfigRule", "config:DeleteEvaluationResults", "config:PutConfigRule", "config:TagResource", "config:UntagResource"] as const;

/** Stopping or re-pointing a recorder modelshare created (an existing one is its owner's, e.g. Control Tower's). */
export const RECORDER_PROTECTED_ACTIONS = ["config:DeleteConfigurationRecorder", "config:PutConfigurationRecorder", "config:StopConfigurationRecorder"] as const;
/** Delivery channels have no resource type: these take Resource "*" (one channel per region). */
export const DELIVERY_CHANNEL_PROTECTED_ACTIONS = ["config:DeleteDeliveryChannel", "config:PutDeliveryChannel"] as const;

/** Changing, deleting, silencing or faking the state of a model alarm. */
export const ALARM_PROTECTED_ACTIONS = ["cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions", "cloudwatch:PutMetricAlarm", "cloudwatch:SetAlarmState"] as const;

/** The tag that marks the Config rule as the ML guardrail's to protect. */
export const GUARDED_BY_TAG = "modelshare:guarded-by";

export interface DetectiveGuardrailInput {
  readonly partition: string;
  readonly region: string;
  readonly mlAccountId: string;
  /** The pipeline and break-glass roles: the only principals of the ML account allowed to change these. */
  readonly exemptRoleArns: readonly string[];
  /** The organization's external-access analyzer, in the management or delegated administrator account. */
  readonly analyzer?: { readonly accountId: string; readonly name: string; readonly adminRoleArn: string };
  /** The unused-access analyzer in the ML account. */
  readonly unusedAccessAnalyzerName?: string;
  /** The Config rule's guard tag `{ key: value }`. */
  readonly configRuleTag?: { readonly key: string; readonly value: string };
  /** A recorder modelshare creates (protected with its delivery channel). */
  readonly createdRecorderName?: string;
  /** Alarm name prefix (src/detective/alarms.ts modelAlarmPrefix). */
  readonly alarmNamePrefix?: string;
}

export function analyzerArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:access-analyzer:${region}:${accountId}:analyzer/${name}`;
}

function exempt(arns: readonly string[]): Statement["Condition"] {
  return { ArnNotLike: { "aws:PrincipalArn": uniqueSorted(arns) } };
}

/**
 * The statements. Analyzers, a created recorder and the alarms share one statement: an action only ever matches the
 * resource type it acts on, so listing them together denies nothing more, and the SCP stays small (5,120 characters
 * for every statement of the ML guardrail). The role Pulumi assumes in the analyzer's account is exempt, so it must be
 * protected like the pipeline: the caller adds it to the ML guardrail's ProtectExemptRoles (exemptions-protected).
 */
export function detectiveGuardrailStatements(input: DetectiveGuardrailInput): Statement[] {
  const statements: Statement[] = [];
  const actions: string[] = [];
  const resources: string[] = [];
  const config = `arn:${input.partition}:config:${input.region}:${input.mlAccountId}`;
  if (input.analyzer || input.unusedAccessAnalyzerName !== undefined) actions.push(...ANALYZER_PROTECTED_ACTIONS);
  if (input.analyzer) {
    const arn = analyzerArn(input.partition, input.region, input.analyzer.accountId, input.analyzer.name);
    resources.push(arn, `${arn}/archive-rule/*`);
  }
  if (input.unusedAccessAnalyzerName !== undefined) {
    const arn = analyzerArn(input.partition, input.region, input.mlAccountId, input.unusedAccessAnalyzerName);
    resources.push(arn, `${arn}/archive-rule/*`);
  }
  if (input.createdRecorderName !== undefined) {
    actions.push(...RECORDER_PROTECTED_ACTIONS);
    resources.push(`${config}:configuration-recorder/${input.createdRecorderName}/*`);
  }
  if (input.alarmNamePrefix !== undefined) {
    actions.push(...ALARM_PROTECTED_ACTIONS);
    resources.push(`arn:${input.partition}:cloudwatch:${input.region}:${input.mlAccountId}:alarm:${input.alarmNamePrefix}*`);
  }
  const exemptArns = [...input.exemptRoleArns, ...(input.analyzer ? [input.analyzer.adminRoleArn] : [])];
  if (actions.length > 0) {
    statements.push({ Sid: "ProtectDetectiveControls", Effect: "Deny", Action: actions, Resource: resources, Condition: exempt(exemptArns) });
  }
  if (input.configRuleTag) {
    statements.push({
      Sid: "ProtectConfigRule",
      Effect: "Deny",
      Action: [...CONFIG_RULE_PROTECTED_ACTIONS],
      Resource: `${config}:config-rule/*`,
      Condition: { ...exempt(input.exemptRoleArns), StringEquals: { [`aws:ResourceTag/${input.configRuleTag.key}`]: input.configRuleTag.value } },
    });
  }
  if (input.createdRecorderName !== undefined) {
    statements.push({ Sid: "ProtectDeliveryChannel", Effect: "Deny", Action: [...DELIVERY_CHANNEL_PROTECTED_ACTIONS], Resource: "*", Condition: exempt(input.exemptRoleArns) });
  }
  return statements;
}
