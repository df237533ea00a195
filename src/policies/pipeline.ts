import { parseProjectArn } from "../arn";
import { ConsumerConfig, MlConfig } from "../config/schema";
import { historyParameterName, promotionLeaseTableName, smokeTestFunctionArn } from "../contract";
import { projectNameOf } from "../plan";
import { modelAlarmPrefix } from "../detective/alarms";
import { PolicyDocument, policyDocument, Statement, uniqueSorted } from "./document";

/**
 * What the pipeline role needs to run `promote`, `rollback`, `status` and `model start|stop` (the Pulumi updates
 * themselves need the stacks' own resource permissions, which are not listed here).
 */

export interface PipelineConsumer {
  readonly environment: string;
  readonly accountId: string;
  readonly region: string;
  /** Role promotion assumes in the consumer account to write the history; without one, the pipeline's own credentials write it. */
  readonly deployRoleArn?: string;
  /** The environment's smoke-test function, invoked by `verify` from the ML account (smokeTest.runner "function"). */
  readonly smokeTestFunctionArn?: string;
  /** The environment's smoke-test role, assumed by `verify` only in the weaker direct mode (smokeTest.runner "direct"). */
  readonly smokeTestPrincipalRoleArn?: string;
}

export interface PipelinePolicyInput {
  readonly partition: string;
  readonly region: string;
  readonly mlAccountId: string;
  /** The exact project ARN when the project is adopted; its name when the stack creates it (the ARN ends in an unknown timestamp). */
  readonly project: { readonly arn: string } | { readonly name: string };
  /** Version ARNs known now (modelshare:model.versions and every grant). */
  readonly versionArns: readonly string[];
  /**
   * Allow Start/Stop on any version of the project, not only the known ones. A promotion may start a version that
   * was trained after this policy was written (its ARN carries a timestamp nobody can predict), so this is on by
   * default; turn it off to pin the role to the listed versions and update the policy before each promotion.
   * @default true
   */
  readonly allowNewVersions?: boolean;
  readonly consumers: readonly PipelineConsumer[];
  /**
   * Some environment copies the model (sharing: copy): the pipeline applies their project policies on the project
   * (src/promotion/projectPolicies.ts). @default false
   */
  readonly copyEnvironments?: boolean;
  /** The promotion lease table (contract.promotionLeaseTableName); without it, no lease statement (a policy for an older ML stack). */
  readonly promotionLeaseTableName?: string;
  /** Name prefix of the model's alarms (src/detective/alarms.ts), when they exist: the bake and `status` read them. */
  readonly modelAlarmNamePrefix?: string;
}

export const PIPELINE_REKOGNITION_DESCRIBE = "rekognition:DescribeProjectVersions";
/** promote, status and deploy list the shared project's project policies (src/promotion/projectPolicies.ts). */
export const PIPELINE_REKOGNITION_LIST_POLICIES = "rekognition:ListProjectPolicies";
export const PIPELINE_REKOGNITION_LIFECYCLE = ["rekognition:StartProjectVersion", "rekognition:StopProjectVersion"] as const;
export const PROJECT_POLICY_ACTIONS = ["rekognition:DeleteProjectPolicy", "rekognition:ListProjectPolicies", "rekognition:PutProjectPolicy"] as const;
export const HISTORY_ACTIONS = ["ssm:GetParameterHistory", "ssm:PutParameter"] as const;
/** What the lease (src/promotion/lease.ts) does with its one item: read, create, extend, release. */
export const LEASE_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"] as const;
/** The lease's only partition key (src/promotion/lease.ts LEASE_KEY). */
export const LEASE_PARTITION_KEYS = ["promotion"] as const;

export function dynamoTableArn(partition: string, region: string, accountId: string, tableName: string): string {
  return `arn:${partition}:dynamodb:${region}:${accountId}:table/${tableName}`;
}

export function historyParameterArn(partition: string, region: string, accountId: string, environment: string): string {
  return `arn:${partition}:ssm:${region}:${accountId}:parameter${historyParameterName(environment)}`;
}

/**
 * The pipeline role's promotion permissions. DescribeProjectVersions acts on the project resource, Start/Stop on
 * version resources (IAM service authorization reference). The versions pattern `project/NAME/version/*` is used
 * only when new versions must be startable (their ARNs are unknown); it still cannot reach another project.
 */
export function pipelinePromotionPolicy(input: PipelinePolicyInput): PolicyDocument {
  const base = `arn:${input.partition}:rekognition:${input.region}:${input.mlAccountId}`;
  const projectName = "arn" in input.project ? projectNameFromArn(input.project.arn) : input.project.name;
  const projectResource = "arn" in input.project ? input.project.arn : `${base}:project/${projectName}/*`;
  const allowNew = input.allowNewVersions ?? true;
  const statements: Statement[] = [
    { Sid: "DescribeModelVersions", Effect: "Allow", Action: [PIPELINE_REKOGNITION_DESCRIBE, PIPELINE_REKOGNITION_LIST_POLICIES], Resource: projectResource },
  ];
  const versionResources = allowNew ? [`${base}:project/${projectName}/version/*`] : uniqueSorted(input.versionArns);
  if (versionResources.length > 0) {
    statements.push({ Sid: "StartAndStopModelVersions", Effect: "Allow", Action: [...PIPELINE_REKOGNITION_LIFECYCLE], Resource: versionResources });
  }
  if (input.copyEnvironments) {
    // ListProjectPolicies, PutProjectPolicy and DeleteProjectPolicy act on the project resource (IAM service authorization reference).
    statements.push({ Sid: "ManageCopyProjectPolicies", Effect: "Allow", Action: [...PROJECT_POLICY_ACTIONS], Resource: projectResource });
  }
  statements.push(...[...input.consumers].sort((a, b) => a.environment.localeCompare(b.environment)).flatMap(consumerStatements));
  if (input.promotionLeaseTableName !== undefined) {
    // Item operations on the one table, on the one key (dynamodb:LeadingKeys): nothing else in the account.
    statements.push({
      Sid: "HoldPromotionLease",
      Effect: "Allow",
      Action: [...LEASE_ACTIONS],
      Resource: dynamoTableArn(input.partition, input.region, input.mlAccountId, input.promotionLeaseTableName),
      Condition: { "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": [...LEASE_PARTITION_KEYS] } },
    });
  }
  if (input.modelAlarmNamePrefix !== undefined) {
    statements.push({
      Sid: "ReadModelAlarms",
      Effect: "Allow",
      Action: "cloudwatch:DescribeAlarms",
      Resource: `arn:${input.partition}:cloudwatch:${input.region}:${input.mlAccountId}:alarm:${input.modelAlarmNamePrefix}*`,
    });
  }
  const direct = input.consumers.filter((c) => c.deployRoleArn === undefined);
  if (direct.length > 0) {
    statements.push({
      Sid: "WritePromotionHistory",
      Effect: "Allow",
      Action: [...HISTORY_ACTIONS],
      Resource: uniqueSorted(direct.map((c) => historyParameterArn(input.partition, c.region, c.accountId, c.environment))),
    });
  }
  return policyDocument(statements);
}

/**
 * What the pipeline may do in one consumer environment, in statements of its own (Sids end in the environment's
 * name), so that a policy for a subset of environments (pipelinePolicyForEnvironments) is the same statements.
 * The smoke test is an invocation of the consumer's function: the pipeline assumes no role that runs code in a
 * consumer account's network, except in the direct mode a config opts into.
 */
function consumerStatements(consumer: PipelineConsumer): Statement[] {
  const suffix = sidSuffix(consumer.environment);
  const statements: Statement[] = [];
  if (consumer.deployRoleArn !== undefined) statements.push({ Sid: `AssumeDeployRole${suffix}`, Effect: "Allow", Action: "sts:AssumeRole", Resource: consumer.deployRoleArn });
  if (consumer.smokeTestFunctionArn !== undefined) statements.push({ Sid: `InvokeSmokeTest${suffix}`, Effect: "Allow", Action: "lambda:InvokeFunction", Resource: consumer.smokeTestFunctionArn });
  if (consumer.smokeTestPrincipalRoleArn !== undefined) statements.push({ Sid: `AssumeSmokeTestRoleDirect${suffix}`, Effect: "Allow", Action: "sts:AssumeRole", Resource: consumer.smokeTestPrincipalRoleArn });
  return statements;
}

/** `prod-eu` -> `ProdEu`: Sids take letters and digits only. */
function sidSuffix(environment: string): string {
  return environment.split("-").map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("");
}

/**
 * The pipeline policy restricted to some environments: for a runner (or role session policy) that promotes only into
 * those, so one environment's pipeline session cannot reach another's deploy role or smoke test.
 */
export function pipelinePolicyForEnvironments(input: PipelinePolicyInput, environments: readonly string[]): PolicyDocument {
  return pipelinePromotionPolicy({ ...input, consumers: input.consumers.filter((c) => environments.includes(c.environment)) });
}

/**
 * What a consumer's deploy role needs so that promotion, acting through it, can keep the history in that account.
 * Attach it to the deploy role (in the consumer account) next to the stack's own permissions.
 */
export function historyWriterPolicy(partition: string, consumer: PipelineConsumer): PolicyDocument {
  return policyDocument([
    {
      Sid: "WritePromotionHistory",
      Effect: "Allow",
      Action: [...HISTORY_ACTIONS],
      Resource: historyParameterArn(partition, consumer.region, consumer.accountId, consumer.environment),
    },
  ]);
}

/** The input from the stacks' configs: the ML stack's, and every consumer stack's (deploy role, smoke test). */
export function pipelinePolicyInputFromConfig(ml: MlConfig, consumers: readonly ConsumerConfig[], options: { allowNewVersions?: boolean } = {}): PipelinePolicyInput {
  const granted = Object.values(ml.consumers).flatMap((c) => c.grantedVersions);
  return {
    partition: ml.partition,
    region: ml.region,
    mlAccountId: ml.mlAccountId,
    project: ml.model.projectArn !== undefined ? { arn: ml.model.projectArn } : { name: projectNameOf(ml) },
    versionArns: uniqueSorted([...ml.model.versions, ...granted, ...consumers.map((c) => c.modelVersionArn)]),
    ...(options.allowNewVersions !== undefined ? { allowNewVersions: options.allowNewVersions } : {}),
    promotionLeaseTableName: promotionLeaseTableName(ml.rolePrefix),
    ...(ml.detective.alarms.enabled ? { modelAlarmNamePrefix: modelAlarmPrefix(ml.rolePrefix) } : {}),
    ...(Object.values(ml.consumers).some((c) => c.sharing === "copy") ? { copyEnvironments: true } : {}),
    consumers: consumers.map((c) => ({
      environment: c.environment,
      accountId: c.accountId,
      region: c.region,
      ...(c.deployRoleArn !== undefined ? { deployRoleArn: c.deployRoleArn } : {}),
      ...(c.smokeTest?.runner === "function" ? { smokeTestFunctionArn: smokeTestFunctionArn(c.partition, c.region, c.accountId, c.environment) } : {}),
      ...(c.smokeTest?.runner === "direct" ? { smokeTestPrincipalRoleArn: c.smokeTest.principalRoleArn } : {}),
    })),
  };
}

function projectNameFromArn(arn: string): string {
  const parsed = parseProjectArn(arn);
  if (typeof parsed === "string") throw new Error(`project ARN ${arn} ${parsed}`);
  return parsed.projectName;
}
