import { parseProjectArn, roleArn } from "./arn";
import { environments, MlConfig, Quotas } from "./config/schema";
import { promotionLeaseTableName, SHARED_ROLE_PATH, sharedRoleName } from "./contract";
import { PolicyDocument, policyDocument, policySize, Statement } from "./policies/document";
import { DataLakeGrantInput, dataLakeStatements, trainingPrincipalPolicy } from "./policies/dataLake";
import { consumerGuardrailPolicy, leaseTableGuardrailStatement, mlGuardrailPolicy } from "./policies/guardrail";
import { PrivateAccess, sharedRolePermissionsPolicy, sharedRoleTrustPolicy } from "./policies/sharedRole";
import { detectiveGuardrailStatements } from "./policies/detectiveGuardrail";
import { DetectivePlan, planDetective } from "./detective/plan";
import { projectCopyPolicy, projectPolicyName } from "./policies/projectPolicy";

/**
 * Everything the ML stack will create, computed from config alone (no resources): the components only wire
 * these documents into resources, and the budget check and offline rules read the very same documents.
 */
export interface SharedRolePlan {
  readonly environment: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly consumerAccountId: string;
  readonly maxSessionDurationSeconds: number;
  readonly grantedVersionArns: readonly string[];
  readonly trustPolicy: PolicyDocument;
  readonly permissionsPolicy: PolicyDocument;
}

export interface ScpPlan {
  readonly name: string;
  readonly description: string;
  readonly document: PolicyDocument;
  readonly targetIds: readonly string[];
}

/** The data-lake grant: the statements the bucket policy must hold, and the training principal's own policy. */
export interface DataLakePlan {
  readonly mode: "statements" | "merge";
  readonly bucketName: string;
  readonly bucketAccountId: string;
  readonly grant: DataLakeGrantInput;
  readonly statements: readonly Statement[];
  readonly trainingPrincipalPolicy: PolicyDocument;
}

/** A copy environment's project policy on the ML project (applied by the CLI: PutProjectPolicy, docs/copy.md). */
export interface ProjectPolicyPlan {
  readonly environment: string;
  readonly consumerAccountId: string;
  readonly policyName: string;
  readonly grantedVersionArns: readonly string[];
  /** undefined: nothing granted, the policy is deleted. */
  readonly document?: PolicyDocument;
}

export interface MlPlan {
  readonly projectName: string;
  /** One per shared environment: a copy environment has no shared role. */
  readonly sharedRoles: readonly SharedRolePlan[];
  /** One per copy environment. */
  readonly projectPolicies: readonly ProjectPolicyPlan[];
  readonly scps: readonly ScpPlan[];
  readonly dataLake?: DataLakePlan;
  /** Access Analyzer, the Config rule, the model's alarms (src/detective/plan.ts); empty when none is enabled. */
  readonly detective: DetectivePlan;
}

export function projectNameOf(config: MlConfig): string {
  if (config.model.createProjectName !== undefined) return config.model.createProjectName;
  const parsed = parseProjectArn(config.model.projectArn ?? "");
  if (typeof parsed === "string") throw new Error(`modelshare:model.projectArn ${parsed}`); // unreachable after validation
  return parsed.projectName;
}

export function privateAccessOf(config: MlConfig, environment: string): PrivateAccess {
  const consumer = config.consumers[environment];
  const access = consumer.privateAccess;
  if (!access.enabled) return { enabled: false };
  return access.conditionKey === "aws:VpceAccount"
    ? { enabled: true, conditionKey: "aws:VpceAccount", consumerAccountId: consumer.accountId }
    : { enabled: true, conditionKey: "aws:SourceVpce", vpcEndpointIds: access.vpcEndpointIds };
}

export function planMl(config: MlConfig): MlPlan {
  const projectName = projectNameOf(config);
  const sharedRoles = sharedEnvironments(config).map((environment): SharedRolePlan => {
    const consumer = config.consumers[environment];
    const roleName = sharedRoleName(config.rolePrefix, environment);
    return {
      environment,
      roleName,
      roleArn: roleArn(config.partition, config.mlAccountId, SHARED_ROLE_PATH, roleName),
      consumerAccountId: consumer.accountId,
      maxSessionDurationSeconds: consumer.maxSessionDurationSeconds,
      grantedVersionArns: consumer.grantedVersions,
      trustPolicy: sharedRoleTrustPolicy({
        partition: config.partition,
        consumerAccountId: consumer.accountId,
        organizationId: config.organizationId,
        applicationPrincipalArns: consumer.applicationPrincipalArns,
        externalId: consumer.externalId,
        eksPodIdentity: consumer.eksPodIdentity,
      }),
      permissionsPolicy: sharedRolePermissionsPolicy({
        grantedVersionArns: consumer.grantedVersions,
        privateAccess: privateAccessOf(config, environment),
      }),
    };
  });

  const dataLake = planDataLake(config, projectName);
  const detective = planDetective(config, {
    projectName,
    sharedRoles,
    ...(dataLake ? { dataLake: { bucketName: dataLake.bucketName, bucketAccountId: dataLake.bucketAccountId, trainingPrincipalArn: dataLake.grant.trainingPrincipalArn } } : {}),
  });
  const scps: ScpPlan[] = [];
  if (config.guardrail.enabled) {
    const exemptRoleArns = [config.pipelineRoleArn, ...config.breakGlassRoleArns];
    const mlGuardrail = mlGuardrailPolicy({
      partition: config.partition,
      region: config.region,
      mlAccountId: config.mlAccountId,
      projectName,
      exemptRoleArns,
      exemptRoleAdminArns: config.guardrail.exemptRoleAdminArns,
      ...(detective.analyzer ? { otherExemptRoleArns: [detective.analyzer.adminRoleArn] } : {}),
      roleAdminPrincipalArns: config.guardrail.roleAdminPrincipalArns,
      ...(config.dataLake.trainingPrincipalArn !== undefined ? { trainingPrincipalArn: config.dataLake.trainingPrincipalArn } : {}),
    });
    const leaseProtection = leaseTableGuardrailStatement({
      partition: config.partition,
      region: config.region,
      mlAccountId: config.mlAccountId,
      tableName: promotionLeaseTableName(config.rolePrefix),
      exemptRoleArns,
    });
    scps.push({
      name: `${config.rolePrefix}-consumer-guardrail`,
      description: "modelshare: consumer accounts call the shared model; they do not manage Rekognition models or take over the roles it trusts",
      document: consumerGuardrailPolicy({ partition: config.partition, deployRoleNames: config.guardrail.consumerDeployRoleNames, roleAdminPrincipalArns: config.guardrail.roleAdminPrincipalArns, copyEnvironments: copyEnvironments(config).length > 0 }),
      targetIds: config.guardrail.consumerTargetIds,
    });
    const detectiveProtection = detectiveGuardrailStatements({
      partition: config.partition,
      region: config.region,
      mlAccountId: config.mlAccountId,
      exemptRoleArns,
      ...(detective.analyzer ? { analyzer: { accountId: detective.analyzer.accountId, name: detective.analyzer.name, adminRoleArn: detective.analyzer.adminRoleArn } } : {}),
      ...(detective.unusedAccess ? { unusedAccessAnalyzerName: detective.unusedAccess.name } : {}),
      ...(detective.configRule ? { configRuleTag: guardTag(detective.configRule.tags) } : {}),
      ...(detective.configRule?.recorder.mode === "create" ? { createdRecorderName: detective.configRule.recorder.name } : {}),
      ...(detective.alarms ? { alarmNamePrefix: detective.alarms.namePrefix } : {}),
    });
    scps.push({
      name: `${config.rolePrefix}-ml-guardrail`,
      description: "modelshare: only the pipeline starts, stops, deletes, copies or re-permissions the shared model and roles",
      document: policyDocument([...mlGuardrail.Statement, leaseProtection, ...detectiveProtection]),
      targetIds: config.guardrail.mlTargetIds ?? defaultMlTargets(config.mlAccountId, config.guardrail.managementRoleArn, detective),
    });
  }

  return { projectName, sharedRoles, projectPolicies: planProjectPolicies(config), scps, dataLake, detective };
}

function guardTag(tags: Readonly<Record<string, string>>): { key: string; value: string } {
  const [key, value] = Object.entries(tags)[0];
  return { key, value };
}

/**
 * The ML guardrail goes to the ML account and, when the organization's analyzer lives in a delegated administrator
 * account, to that account too: it protects the analyzer there. SCPs never restrict the management account, so an
 * analyzer there is left to that account's own IAM (docs/detective.md).
 */
function defaultMlTargets(mlAccountId: string, managementRoleArn: string | undefined, detective: DetectivePlan): string[] {
  const analyzerAccount = detective.analyzer?.accountId;
  const management = managementRoleArn?.split(":")[4];
  return analyzerAccount !== undefined && analyzerAccount !== mlAccountId && analyzerAccount !== management ? [mlAccountId, analyzerAccount] : [mlAccountId];
}

/** Environments that call the ML account's model through a shared role. */
export function sharedEnvironments(config: MlConfig): string[] {
  return environments(config).filter((env) => config.consumers[env].sharing === "share");
}

/** Environments that call a copy of the model in their own account. */
export function copyEnvironments(config: MlConfig): string[] {
  return environments(config).filter((env) => config.consumers[env].sharing === "copy");
}

function planProjectPolicies(config: MlConfig): ProjectPolicyPlan[] {
  return copyEnvironments(config).map((environment) => {
    const consumer = config.consumers[environment];
    const document = projectCopyPolicy({ partition: config.partition, environment, consumerAccountId: consumer.accountId, grantedVersionArns: consumer.grantedVersions });
    return {
      environment,
      consumerAccountId: consumer.accountId,
      policyName: projectPolicyName(config.rolePrefix, environment),
      grantedVersionArns: consumer.grantedVersions,
      ...(document ? { document } : {}),
    };
  });
}

function planDataLake(config: MlConfig, projectName: string): DataLakePlan | undefined {
  const d = config.dataLake;
  if (!d.enabled || d.bucketName === undefined) return undefined;
  const grant: DataLakeGrantInput = {
    partition: config.partition,
    bucketName: d.bucketName,
    trainingPrefix: d.trainingPrefix,
    outputPrefix: d.outputPrefix,
    mlAccountId: config.mlAccountId,
    projectName,
    trainingPrincipalArn: d.trainingPrincipalArn ?? config.pipelineRoleArn,
    rekognitionServicePrincipal: d.rekognitionServicePrincipal,
    requireSourceAccount: d.requireSourceAccount,
    requireSourceArn: d.requireSourceArn,
    region: config.region,
  };
  return {
    mode: d.mode,
    bucketName: d.bucketName,
    bucketAccountId: d.accountId ?? config.mlAccountId,
    grant,
    statements: dataLakeStatements(grant),
    trainingPrincipalPolicy: trainingPrincipalPolicy(grant),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Quota budgets

export interface BudgetProblem {
  /** What is over budget, e.g. `shared role qa trust policy`. */
  readonly subject: string;
  readonly size: number;
  readonly limit: number;
  readonly unit: "characters" | "bytes" | "attached SCPs" | "archive rules";
  /** Config key that raises the limit. */
  readonly quotaKey: string;
}

export function formatBudgetProblem(p: BudgetProblem): string {
  return `${p.subject} is ${p.size} ${p.unit}, over the limit of ${p.limit} (modelshare:quotas.${p.quotaKey}; raise it only if AWS raised yours)`;
}

/** Checks every document of the ML plan against its IAM or Organizations quota. */
export function checkMlBudgets(plan: MlPlan, quotas: Quotas, existingPoliciesPerTarget: Record<string, number>): BudgetProblem[] {
  const problems: BudgetProblem[] = [];
  for (const role of plan.sharedRoles) {
    const trust = policySize(role.trustPolicy);
    if (trust > quotas.trustPolicyChars) {
      problems.push({ subject: `shared role for environment "${role.environment}": trust policy`, size: trust, limit: quotas.trustPolicyChars, unit: "characters", quotaKey: "trustPolicyChars" });
    }
    const inline = policySize(role.permissionsPolicy);
    if (inline > quotas.inlinePoliciesChars) {
      problems.push({ subject: `shared role for environment "${role.environment}": inline policies together`, size: inline, limit: quotas.inlinePoliciesChars, unit: "characters", quotaKey: "inlinePoliciesChars" });
    }
  }
  const attachments = new Map<string, number>();
  for (const scp of plan.scps) {
    const size = policySize(scp.document);
    if (size > quotas.scpChars) {
      problems.push({ subject: `SCP "${scp.name}"`, size, limit: quotas.scpChars, unit: "characters", quotaKey: "scpChars" });
    }
    for (const target of scp.targetIds) attachments.set(target, (attachments.get(target) ?? 0) + 1);
  }
  const archiveRules = plan.detective.analyzer?.archiveRules.length ?? 0;
  if (archiveRules > quotas.archiveRulesPerAnalyzer) {
    problems.push({ subject: `access analyzer "${plan.detective.analyzer?.name}": archive rules (one per environment, one for the data lake)`, size: archiveRules, limit: quotas.archiveRulesPerAnalyzer, unit: "archive rules", quotaKey: "archiveRulesPerAnalyzer" });
  }
  for (const [target, ours] of attachments) {
    // Every target carries at least FullAWSAccess unless told otherwise.
    const total = ours + (existingPoliciesPerTarget[target] ?? 1);
    if (total > quotas.scpsPerTarget) {
      problems.push({ subject: `SCPs attached to target ${target} (${ours} from modelshare + existing)`, size: total, limit: quotas.scpsPerTarget, unit: "attached SCPs", quotaKey: "scpsPerTarget" });
    }
  }
  return problems;
}

/** Checks a consumer's own documents (endpoint policies are not subject to IAM quotas, the app policy is). */
export function checkInlineBudget(subject: string, documents: readonly PolicyDocument[], quotas: Quotas): BudgetProblem[] {
  const size = documents.reduce((total, doc) => total + policySize(doc), 0);
  return size > quotas.inlinePoliciesChars ? [{ subject, size, limit: quotas.inlinePoliciesChars, unit: "characters", quotaKey: "inlinePoliciesChars" }] : [];
}

/**
 * Checks the bucket policy modelshare would write (merge mode) against S3's size limit: "Bucket policies are
 * limited to 20 KB in size" (Amazon S3 User Guide, "Bucket policies for Amazon S3"). The policy is sent minified.
 */
export function checkBucketPolicyBudget(subject: string, policyJson: string, quotas: Quotas): BudgetProblem[] {
  const size = Buffer.byteLength(policyJson, "utf8");
  return size > quotas.bucketPolicyBytes ? [{ subject, size, limit: quotas.bucketPolicyBytes, unit: "bytes", quotaKey: "bucketPolicyBytes" }] : [];
}
