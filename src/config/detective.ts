import { z } from "zod";
import { parse, validate } from "@aws-sdk/util-arn-parser";
import { parseRoleArn } from "../arn";
import type { ConfigProblem } from "./problems";

/**
 * The detective side's settings (`modelshare:detective`): IAM Access Analyzer, the AWS Config rule and the model's
 * CloudWatch alarms. Every part is off by default, so a stack that does not ask for them registers nothing new (and
 * an engine without these resource types runs unchanged); the example configuration turns them on.
 */

const exactRoleArn = z.string().superRefine((value, ctx) => {
  const parsed = parseRoleArn(value);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `not an exact IAM role ARN: ${parsed}`, input: value });
});

/** Names CreateAnalyzer accepts: [A-Za-z][A-Za-z0-9_.-]*, 1-255 (IAM Access Analyzer API Reference, CreateAnalyzer). */
const analyzerName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,254}$/, "must start with a letter and hold only letters, digits, '_', '.', '-' (at most 255)");

export const accessAnalyzerSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /**
     * Role Pulumi assumes in the account that owns the organization's analyzer: the management account or the
     * delegated administrator for IAM Access Analyzer. The provider refuses any other account.
     */
    roleArn: exactRoleArn.optional(),
    /** Name of the organization analyzer (zone of trust: the organization). @default `<rolePrefix>-organization` */
    analyzerName: analyzerName.optional(),
    /**
     * Also an unused-access analyzer in the ML account (ACCOUNT_UNUSED_ACCESS): roles, shared ones included, nobody has
     * used for `unusedAccessAgeDays` become findings. Billed per role analyzed.
     */
    unusedAccess: z
      .strictObject({
        enabled: z.boolean().default(false),
        unusedAccessAgeDays: z.number().int().min(1).max(365).default(90),
      })
      .prefault({}),
  })
  .prefault({});

export const recorderSchema = z
  .strictObject({
    /**
     * `existing`: use the region's configuration recorder (Control Tower's, or one another team runs), looked up by
     * name at deploy time; `create`: create one (with its delivery channel), after checking no known one exists.
     */
    mode: z.enum(["existing", "create"]).default("existing"),
    /** The recorder's name. Control Tower's is `aws-controltower-BaselineConfigRecorder`. @default "default" */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,256}$/, "must be 1-256 of letters, digits, '_', '.', '-'").default("default"),
    /** mode create: the S3 bucket the delivery channel writes configuration history to (it must allow AWS Config). */
    deliveryBucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')")
      .optional(),
    /** mode create: the role the recorder uses. @default AWS Config's service-linked role in the ML account */
    roleArn: exactRoleArn.optional(),
  })
  .prefault({});

export const configRuleSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    recorder: recorderSchema,
  })
  .prefault({});

export const alarmsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** Where the alarms notify: an SNS topic in the ML stack's region (another account's topic must allow CloudWatch). */
    snsTopicArn: z.string().optional(),
    /** Length of one evaluation period. CloudWatch standard alarms take 10, 30 or a multiple of 60 seconds. */
    periodSeconds: z.number().int().refine((s) => s === 10 || s === 30 || (s >= 60 && s <= 86400 && s % 60 === 0), "must be 10, 30 or a multiple of 60 up to 86400 (CloudWatch alarm periods)").default(60),
    /** Periods that must breach before an alarm fires. */
    evaluationPeriods: z.number().int().min(1).max(100).default(3),
    /** ServerErrorCount (Sum per period) above which a version is unhealthy. */
    serverErrorThreshold: z.number().int().min(0).default(0),
    /** ThrottledCount (Sum per period) above which a version is unhealthy. */
    throttledThreshold: z.number().int().min(0).default(0),
  })
  .prefault({});

export const detectiveSchema = z
  .strictObject({
    accessAnalyzer: accessAnalyzerSchema,
    configRule: configRuleSchema,
    alarms: alarmsSchema,
  })
  .prefault({});
export type DetectiveConfig = z.infer<typeof detectiveSchema>;

/** promotion.bakeSeconds: how long promotion watches the new version's alarms after the switch (0: no bake). */
export const BAKE_SECONDS_MAX = 7200;
export const bakeSecondsSchema = z.number().int().min(0).max(BAKE_SECONDS_MAX, `must be at most ${BAKE_SECONDS_MAX} (two hours); a longer watch belongs to the alarms themselves`).default(0);

/** The accounts and settings the cross-checks compare the detective settings with. */
export interface DetectiveContext {
  readonly region: string;
  readonly partition: string;
  readonly mlAccountId: string;
  readonly consumerAccountIds: readonly string[];
  readonly managementAccountId?: string;
  readonly guardrailEnabled: boolean;
  /** guardrail.mlTargetIds as configured (undefined: the default targets). */
  readonly mlTargetIds?: readonly string[];
  readonly bakeSeconds: number;
}

/** Cross-field checks of the detective settings; each problem names its key. */
export function detectiveProblems(detective: DetectiveConfig, context: DetectiveContext, key: (path: string) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const analyzer = detective.accessAnalyzer;
  if (analyzer.enabled) {
    if (analyzer.roleArn === undefined) {
      problems.push({ key: key("detective.accessAnalyzer.roleArn"), message: "is required while detective.accessAnalyzer.enabled is true: the role Pulumi assumes in the management account or the delegated administrator account for IAM Access Analyzer" });
    } else {
      const role = parseRoleArn(analyzer.roleArn);
      if (typeof role === "object") {
        if (context.consumerAccountIds.includes(role.accountId)) {
          problems.push({ key: key("detective.accessAnalyzer.roleArn"), value: analyzer.roleArn, message: `is in consumer account ${role.accountId}; the organization's analyzer belongs in the management account or the delegated administrator account` });
        }
        const explicitTargets = context.mlTargetIds;
        const delegated = role.accountId !== context.managementAccountId && role.accountId !== context.mlAccountId;
        // The ML guardrail protects the analyzer; it must apply where the analyzer is (SCPs never restrict the management account).
        if (context.guardrailEnabled && delegated && explicitTargets !== undefined && !explicitTargets.includes(role.accountId) && explicitTargets.every((t) => /^\d{12}$/.test(t))) {
          problems.push({ key: key("guardrail.mlTargetIds"), value: explicitTargets, message: `does not include ${role.accountId}, the account of detective.accessAnalyzer.roleArn: the ML guardrail protects the analyzer there; add it (or an OU that holds it)` });
        }
      }
    }
  }
  const recorder = detective.configRule.recorder;
  if (detective.configRule.enabled && recorder.mode === "create" && recorder.deliveryBucketName === undefined) {
    problems.push({ key: key("detective.configRule.recorder.deliveryBucketName"), message: "is required with recorder.mode create: the delivery channel needs an S3 bucket that allows AWS Config to write (or use recorder.mode existing)" });
  }
  if (recorder.roleArn !== undefined) {
    const role = parseRoleArn(recorder.roleArn);
    if (typeof role === "object" && role.accountId !== context.mlAccountId) {
      problems.push({ key: key("detective.configRule.recorder.roleArn"), value: recorder.roleArn, message: `is in account ${role.accountId}; the recorder's role must be in the ML account ${context.mlAccountId}` });
    }
  }
  const alarms = detective.alarms;
  if (alarms.enabled) {
    if (alarms.snsTopicArn === undefined) {
      problems.push({ key: key("detective.alarms.snsTopicArn"), message: "is required while detective.alarms.enabled is true: the SNS topic the model's alarms notify" });
    } else {
      const topicProblem = snsTopicProblem(alarms.snsTopicArn, context);
      if (topicProblem !== undefined) problems.push({ key: key("detective.alarms.snsTopicArn"), value: alarms.snsTopicArn, message: topicProblem });
    }
  } else if (alarms.snsTopicArn !== undefined) {
    const topicProblem = snsTopicProblem(alarms.snsTopicArn, context);
    if (topicProblem !== undefined) problems.push({ key: key("detective.alarms.snsTopicArn"), value: alarms.snsTopicArn, message: topicProblem });
  }
  if (context.bakeSeconds > 0 && !alarms.enabled) {
    problems.push({ key: key("promotion.bakeSeconds"), value: context.bakeSeconds, message: "needs detective.alarms.enabled: the bake watches the new version's alarms, and without them there is nothing to watch (set 0 to promote without a bake)" });
  }
  if (context.bakeSeconds > 0 && alarms.enabled && context.bakeSeconds < alarms.periodSeconds * alarms.evaluationPeriods) {
    problems.push({
      key: key("promotion.bakeSeconds"),
      value: context.bakeSeconds,
      message: `is shorter than one alarm evaluation (detective.alarms.periodSeconds ${alarms.periodSeconds} x evaluationPeriods ${alarms.evaluationPeriods} = ${alarms.periodSeconds * alarms.evaluationPeriods} s): no alarm could fire during the bake`,
    });
  }
  return problems;
}

/** Why an SNS topic ARN is not usable for the ML stack's alarms, or undefined. */
export function snsTopicProblem(arn: string, context: Pick<DetectiveContext, "region" | "partition">): string | undefined {
  if (!validate(arn)) return "is not an ARN (expected arn:PARTITION:sns:REGION:ACCOUNT:TOPIC)";
  const parts = parse(arn);
  if (parts.service !== "sns") return `is an ARN of service "${parts.service}", expected "sns"`;
  if (!/^\d{12}$/.test(parts.accountId)) return `has account "${parts.accountId}", expected 12 digits`;
  if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(parts.resource)) return `has topic name "${parts.resource}", expected 1-256 letters, digits, '_' or '-' (no wildcard)`;
  if (parts.partition !== context.partition) return `is in partition ${parts.partition}, but the ML stack's is ${context.partition}`;
  if (parts.region !== context.region) return `is in region ${parts.region}; CloudWatch alarms notify a topic in their own region (${context.region}, the ML stack's aws:region)`;
  return undefined;
}
