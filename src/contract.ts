/**
 * Names that more than one part of modelshare relies on: the ML stack's exported outputs (read by consumer
 * stacks and the CLI), the SSM parameters a consumer stack writes (read by ModelClient and promotion), and the
 * shared roles' IAM path (which the ML guardrail SCP protects without growing with the number of environments).
 * Change a value here and every reader follows; renaming one is a breaking change for deployed stacks.
 */

/** Outputs of the ML stack. Consumer stacks read them through a StackReference. */
export const ML_OUTPUTS = {
  mlAccountId: "mlAccountId",
  region: "region",
  organizationId: "organizationId",
  projectArn: "projectArn",
  /** environment -> shared role ARN */
  sharedRoleArns: "sharedRoleArns",
  /** environment -> granted model version ARNs */
  grantedVersions: "grantedVersions",
  /** environment -> application principal ARN patterns trusted by that environment's shared role */
  trustedPrincipalArns: "trustedPrincipalArns",
  /** environment -> whether the shared role only answers calls made through the consumer's VPC endpoints */
  privateOnly: "privateOnly",
  /** environment -> whether the shared role's trust allows sts:TagSession for EKS Pod Identity sessions */
  eksPodIdentity: "eksPodIdentity",
  /** the pipeline role: the one principal that may invoke a consumer's smoke-test function (or, in direct mode, assume its smoke-test role) */
  pipelineRoleArn: "pipelineRoleArn",
  /** `{ enabled, deployRoleNames }`: whether the consumer guardrail protects /modelshare/ roles, and who may change them */
  consumerGuardrail: "consumerGuardrail",
} as const;

/** The ML outputs keyed by environment: a consumer stack reads only its own entry of each. */
export const PER_ENVIRONMENT_ML_OUTPUTS = [
  ML_OUTPUTS.sharedRoleArns,
  ML_OUTPUTS.grantedVersions,
  ML_OUTPUTS.trustedPrincipalArns,
  ML_OUTPUTS.privateOnly,
  ML_OUTPUTS.eksPodIdentity,
] as const;

/**
 * Per-environment ML outputs of copy mode (issue 14). Read as optional: an ML stack deployed before copy mode has
 * none of them, and every environment then shares.
 */
export const ML_COPY_OUTPUTS = {
  /** environment -> "share" | "copy" */
  sharing: "sharing",
  /** environment (copy mode) -> `{ policyName, document }`: the project policy that lets its account copy its granted versions */
  projectPolicies: "projectPolicies",
} as const;

/**
 * Outputs of the ML stack that only the modelshare CLI reads (consumer stacks do not: readMlOutputs requires every
 * ML_OUTPUTS name, and a consumer stack must not fail against an ML stack deployed before these existed).
 */
export const ML_PROMOTION_OUTPUTS = {
  /** Name of the DynamoDB table that holds the promotion lease. */
  promotionLeaseTable: "promotionLeaseTable",
  /** ARN of that table. */
  promotionLeaseTableArn: "promotionLeaseTableArn",
  /** `{ accessAnalyzerArn?, unusedAccessAnalyzerArn?, configRuleArn?, configRuleName?, alarmNames?, snsTopicArn? }`: the detective controls, when configured. */
  detective: "detective",
} as const;

/** Outputs of a consumer stack that promotion reads to learn what is deployed. */
export const CONSUMER_OUTPUTS = {
  environment: "environment",
  /** The version the environment's applications call, as deployed (its SSM parameter). */
  modelVersionArn: "modelVersionArn",
  /** The smoke-test function promotion's verify invokes (smokeTest.runner "function"). */
  smokeTestFunctionArn: "smokeTestFunctionArn",
  /** Copy mode: `{ projectArn, outputBucketName, outputPrefix, kmsKeyArn?, calledVersionArn }` (the destination). */
  copy: "copy",
} as const;

/**
 * The DynamoDB table (in the ML account, created by the ML stack) whose one item is the promotion lease that
 * promotions, rollbacks, model start/stop and deploys hold while they change grants or model state.
 */
export function promotionLeaseTableName(rolePrefix: string): string {
  return `${rolePrefix}-promotion-lease`;
}

/** The lease table's partition key attribute, and the attribute DynamoDB's TTL reads (epoch seconds). */
export const PROMOTION_LEASE_ATTRIBUTES = { partitionKey: "pk", ttl: "ttl" } as const;

/**
 * IAM path of every role modelshare creates, in every account: the shared roles in the ML account, the application
 * and smoke-test roles in consumer accounts. One SCP statement per account kind protects them all, so the
 * guardrails do not grow with the number of environments.
 */
export const MODELSHARE_ROLE_PATH = "/modelshare/";

/** IAM path of every shared role, so one SCP statement covers all environments. */
export const SHARED_ROLE_PATH = MODELSHARE_ROLE_PATH;

/** Name of the shared role for an environment. */
export function sharedRoleName(rolePrefix: string, environment: string): string {
  return `${rolePrefix}-${environment}`;
}

/** The SSM parameters applications read: their names are the client package's (`@modelshare/client/contract`). */
import { parameterPrefix } from "@modelshare/client/contract";
export {
  OPTIONAL_PARAMETER_NAMES,
  optionalParameterName,
  PARAMETER_NAMES,
  parameterName,
  parameterPrefix,
  type OptionalParameterKey,
  type ParameterKey,
} from "@modelshare/client/contract";

/** Path of every modelshare SSM parameter in a consumer account (the consumer guardrail protects it whole). */
export const MODELSHARE_PARAMETER_PATH = "/modelshare/";

/**
 * Promotion history is written by the promotion tool (not by Pulumi) to this parameter: every PutParameter is a
 * new parameter version, so GetParameterHistory returns the full record and it survives the process.
 */
export function historyParameterName(environment: string): string {
  return `${parameterPrefix(environment)}promotion-history`;
}

/** Tags put on every resource modelshare creates. */
export function standardTags(environment: string): Record<string, string> {
  return { "modelshare:managed-by": "pulumi", "modelshare:environment": environment };
}

/**
 * The smoke-test function a consumer stack creates (smokeTest.runner "function"): promotion's `verify` invokes it from
 * the ML account, and it calls the model from inside the consumer's network as the smoke-test role. Its name is fixed
 * by the environment, so the pipeline policy names its exact ARN and the consumer guardrail protects every
 * environment's function with one pattern.
 */
export function smokeTestFunctionName(environment: string): string {
  return `modelshare-${environment}-smoke-test`;
}

/** Every environment's smoke-test function, qualified or not (the consumer guardrail's resource pattern). */
export const SMOKE_TEST_FUNCTION_NAME_PATTERN = "modelshare-*-smoke-test*";

export function smokeTestFunctionArn(partition: string, region: string, accountId: string, environment: string): string {
  return `arn:${partition}:lambda:${region}:${accountId}:function:${smokeTestFunctionName(environment)}`;
}

/**
 * A smoke-test role the consumer stack creates is named `…-smoke-test` under MODELSHARE_ROLE_PATH: the consumer
 * guardrail denies passing such roles to a service to all but the deploy roles, so nobody else can run code as it.
 */
export const SMOKE_TEST_ROLE_SUFFIX = "-smoke-test";

/** Environment variables the smoke-test function reads (set by the consumer stack, never by the caller). */
export const SMOKE_TEST_FUNCTION_ENV = {
  sharedRoleArn: "MODELSHARE_SHARED_ROLE_ARN",
  region: "MODELSHARE_MODEL_REGION",
  useFipsEndpoint: "MODELSHARE_USE_FIPS_ENDPOINT",
  environment: "MODELSHARE_ENVIRONMENT",
  /** "copy" in a copy environment (then no sharedRoleArn); absent means share mode (functions older than copy mode). */
  sharing: "MODELSHARE_SHARING",
} as const;
