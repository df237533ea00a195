import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DataLakeBucketPolicy } from "../components/DataLakeBucketPolicy";
import { CheckedRoleTrust } from "../components/CheckedRoleTrust";
import { GuardrailSCP } from "../components/GuardrailSCP";
import { PromotionLease } from "../components/PromotionLease";
import { SharedModelRole } from "../components/SharedModelRole";
import { parseRoleArn } from "../src/arn";
import { environments, MlConfig, NAMESPACE } from "../src/config/schema";
import { ML_COPY_OUTPUTS, ML_OUTPUTS, ML_PROMOTION_OUTPUTS, PROMOTION_LEASE_ATTRIBUTES, promotionLeaseTableName, SHARED_ROLE_PATH, standardTags } from "../src/contract";
import { BudgetError } from "../src/errors";
import { checkBucketPolicyBudget, checkMlBudgets, DataLakePlan, MlPlan, planMl, SharedRolePlan } from "../src/plan";
import { ConfigError } from "../src/config/problems";
import { roleRenameProblems, SharedRoleSet, sharedRoleSets, STACK_TAG } from "../src/roleMigration";
import { requireNarrowTrusts, RoleTrustLookup } from "./lookups/roleTrust";
import { rolesUnderPath } from "./lookups/roles";
import { mergeBucketPolicy } from "../src/policies/dataLake";
import { currentBucketPolicy } from "./lookups/bucketPolicy";
import { accountProvider } from "./providers";
import { configRecorder } from "./lookups/configRecorder";
import { ModelHealthAlarms } from "../components/ModelHealthAlarms";
import { OrganizationAccessAnalyzer } from "../components/OrganizationAccessAnalyzer";
import { SharedRoleConfigRule } from "../components/SharedRoleConfigRule";
import { UnusedAccessAnalyzer } from "../components/UnusedAccessAnalyzer";
import { DetectivePlan } from "../src/detective/plan";
import { recorderNamesToLookUp, recorderProblems } from "../src/detective/recorder";
import { organizationPlacementProblems, parentsToLookUp } from "../src/config/placement";
import { organizationView } from "./lookups/organization";

/** Account of a role ARN the schema has already validated. */
function accountOf(roleArn: string): string {
  const parsed = parseRoleArn(roleArn);
  if (typeof parsed === "string") throw new Error(`role ARN ${roleArn} ${parsed}`); // unreachable after validation
  return parsed.accountId;
}

/**
 * The ML account's stack: one SharedModelRole per consumer environment, the guardrail SCPs (through the
 * management account), the data-lake grant (an output, or merged into the bucket policy through the data-lake
 * account) and optionally the Rekognition project. Every document is planned and budget-checked, and every
 * deploy-time lookup made, before the first resource other than a provider is registered.
 */
export async function mlStack(config: MlConfig): Promise<Record<string, pulumi.Input<unknown>>> {
  const plan = planMl(config);
  const overBudget = checkMlBudgets(plan, config.quotas, config.guardrail.existingPoliciesPerTarget);
  if (overBudget.length > 0) throw new BudgetError(overBudget);

  const tags = standardTags("ml");
  // allowedAccountIds: the provider refuses to touch any other account, so the wrong credentials fail fast.
  const mlProvider = accountProvider("ml-account", config, { region: config.region, accountId: config.mlAccountId });
  const trusts = await requireNarrowTrusts(exemptRoleLookups(config), mlProvider);
  const managementProvider = plan.scps.length > 0 ? await checkedManagementProvider(config) : undefined;
  const dataLakePolicy = plan.dataLake?.mode === "merge" ? await mergedDataLakePolicy(config, plan.dataLake, mlProvider) : undefined;
  const stackId = `${pulumi.getProject()}/${pulumi.getStack()}`;
  const roleSets = await sharedRolesToRegister(config, plan, stackId, mlProvider);
  await checkConfigRecorder(config, plan.detective, mlProvider);

  let projectArn: pulumi.Output<string>;
  if (config.model.createProjectName !== undefined) {
    const project = new aws.rekognition.Project(
      "shared-model-project",
      { name: config.model.createProjectName, feature: "CUSTOM_LABELS", tags },
      // Deleting the project deletes every trained version: never as a side effect of an update.
      { provider: mlProvider, protect: true },
    );
    projectArn = project.arn;
  } else {
    projectArn = pulumi.output(config.model.projectArn as string);
  }

  const sharedRoles = roleSets.flatMap(({ set, roles }) =>
    roles.map((role) => {
      const component = new SharedModelRole(
        set.logicalName(role.environment),
        {
          environment: role.environment,
          roleName: role.roleName,
          path: SHARED_ROLE_PATH,
          maxSessionDurationSeconds: role.maxSessionDurationSeconds,
          trustPolicy: role.trustPolicy,
          permissionsPolicy: role.permissionsPolicy,
          tags: { ...standardTags(role.environment), [STACK_TAG]: stackId },
        },
        { provider: mlProvider, aliases: set.aliasNames(role.environment).map((name) => ({ name })) },
      );
      return { environment: role.environment, prefix: set.prefix, component };
    }),
  );
  const currentRoles = sharedRoles.filter((r) => r.prefix === config.rolePrefix);

  if (managementProvider !== undefined) {
    for (const scp of plan.scps) {
      const { logicalName, aliasNames } = guardrailLogicalName(config, scp.name);
      new GuardrailSCP(
        logicalName,
        { policyName: scp.name, description: scp.description, document: scp.document, targetIds: scp.targetIds, tags },
        { provider: managementProvider, aliases: aliasNames.map((name) => ({ name })) },
      );
    }
  }

  if (dataLakePolicy !== undefined) {
    new DataLakeBucketPolicy("data-lake", { bucketName: dataLakePolicy.bucketName, policy: dataLakePolicy.policy }, { provider: dataLakePolicy.provider });
  }

  for (const check of trusts) new CheckedRoleTrust(`trust-${check.roleArn.slice(check.roleArn.lastIndexOf("/") + 1)}`, check);

  // The promotion lease (one DynamoDB item): promotions from any checkout or machine exclude each other through it.
  const lease = new PromotionLease("promotion-lease", { tableName: promotionLeaseTableName(config.rolePrefix), partitionKey: PROMOTION_LEASE_ATTRIBUTES.partitionKey, ttlAttribute: PROMOTION_LEASE_ATTRIBUTES.ttl, tags }, { provider: mlProvider });

  const detective = registerDetectiveControls(config, plan.detective, mlProvider, tags);

  const byEnvironment = <T>(pick: (env: string) => T): Record<string, T> =>
    Object.fromEntries(environments(config).map((env) => [env, pick(env)]));
  return {
    [ML_OUTPUTS.mlAccountId]: config.mlAccountId,
    [ML_OUTPUTS.region]: config.region,
    [ML_OUTPUTS.organizationId]: config.organizationId,
    [ML_OUTPUTS.projectArn]: projectArn,
    [ML_OUTPUTS.sharedRoleArns]: pulumi.all(Object.fromEntries(currentRoles.map((r) => [r.environment, r.component.roleArn]))),
    [ML_OUTPUTS.grantedVersions]: byEnvironment((env) => [...config.consumers[env].grantedVersions]),
    [ML_OUTPUTS.trustedPrincipalArns]: byEnvironment((env) => [...config.consumers[env].applicationPrincipalArns]),
    [ML_OUTPUTS.privateOnly]: byEnvironment((env) => config.consumers[env].privateAccess.enabled),
    [ML_OUTPUTS.eksPodIdentity]: byEnvironment((env) => config.consumers[env].eksPodIdentity),
    [ML_OUTPUTS.pipelineRoleArn]: config.pipelineRoleArn,
    [ML_OUTPUTS.consumerGuardrail]: { enabled: config.guardrail.enabled, deployRoleNames: [...config.guardrail.consumerDeployRoleNames] },
    ...(plan.dataLake !== undefined ? { [DATA_LAKE_OUTPUT]: dataLakeOutput(plan.dataLake) } : {}),
    [ML_COPY_OUTPUTS.sharing]: byEnvironment((env) => config.consumers[env].sharing),
    // Applied by the CLI (PutProjectPolicy): @pulumi/aws has no resource for Rekognition project policies (docs/copy.md).
    [ML_COPY_OUTPUTS.projectPolicies]: Object.fromEntries(plan.projectPolicies.map((p) => [p.environment, { policyName: p.policyName, document: p.document ?? null }])),
    [ML_PROMOTION_OUTPUTS.promotionLeaseTable]: lease.tableName,
    [ML_PROMOTION_OUTPUTS.promotionLeaseTableArn]: lease.tableArn,
    ...(Object.keys(detective).length > 0 ? { [ML_PROMOTION_OUTPUTS.detective]: detective } : {}),
  };
}

/**
 * The Region's configuration recorder, looked up before anything is registered: the Config rule needs one, and a
 * Region never gets a second (src/detective/recorder.ts decides from what the lookup found).
 */
async function checkConfigRecorder(config: MlConfig, detective: DetectivePlan, mlProvider: aws.Provider): Promise<void> {
  const recorder = detective.configRule?.recorder;
  if (recorder === undefined) return;
  const names = recorderNamesToLookUp(recorder);
  const found = new Map(await Promise.all(names.map(async (name) => [name, await configRecorder(name, mlProvider)] as const)));
  const problems = recorderProblems(recorder, found, `account ${config.mlAccountId}, ${config.region}`, (path) => `${NAMESPACE}:${path}`);
  if (problems.length > 0) throw new ConfigError(problems, `stack ${pulumi.getStack()}'s config (checked against the configuration recorders in the ML account)`);
}

/**
 * The detective controls: the organization's access analyzer (through the management or delegated administrator
 * account), the unused-access analyzer, the Config rule and the model's alarms (in the ML account). Each only when
 * configured; the ML guardrail protects each of them (src/policies/detectiveGuardrail.ts).
 */
function registerDetectiveControls(config: MlConfig, detective: DetectivePlan, mlProvider: aws.Provider, tags: Record<string, string>): Record<string, pulumi.Input<unknown>> {
  const outputs: Record<string, pulumi.Input<unknown>> = {};
  if (detective.analyzer) {
    const analyzerProvider = accountProvider("access-analyzer-administrator", config, {
      region: config.region,
      accountId: detective.analyzer.accountId,
      assumeRole: { roleArn: detective.analyzer.adminRoleArn, sessionName: "modelshare-access-analyzer" },
    });
    const analyzer = new OrganizationAccessAnalyzer("access-analyzer", { analyzerName: detective.analyzer.name, archiveRules: detective.analyzer.archiveRules, tags }, { provider: analyzerProvider });
    outputs.accessAnalyzerArn = analyzer.analyzerArn;
  }
  if (detective.unusedAccess) {
    const unused = new UnusedAccessAnalyzer("unused-access", { analyzerName: detective.unusedAccess.name, unusedAccessAgeDays: detective.unusedAccess.unusedAccessAgeDays, tags }, { provider: mlProvider });
    outputs.unusedAccessAnalyzerArn = unused.analyzerArn;
  }
  if (detective.configRule) {
    const rule = new SharedRoleConfigRule("shared-role-config-rule", { plan: detective.configRule, tags }, { provider: mlProvider });
    outputs.configRuleArn = rule.ruleArn;
    outputs.configRuleName = detective.configRule.ruleName;
  }
  if (detective.alarms && detective.alarms.alarms.length > 0) {
    const alarms = new ModelHealthAlarms("model-health", { alarms: detective.alarms.alarms, snsTopicArn: detective.alarms.snsTopicArn, tags }, { provider: mlProvider });
    outputs.alarmNames = alarms.alarmNames;
    outputs.snsTopicArn = detective.alarms.snsTopicArn;
  }
  return outputs;
}

/**
 * The roles the ML guardrail exempts (pipeline, break-glass) or lets change them (IAM admins) that live in the ML
 * account: their trust is read at deploy time and must not admit a whole account, a service, or any principal of a
 * consumer account (whoever holds such a session in a consumer account would be exempt in the ML account: H1).
 */
function exemptRoleLookups(config: MlConfig): RoleTrustLookup[] {
  const forbiddenAccounts = environments(config).map((env) => ({ accountId: config.consumers[env].accountId, why: `the consumer account of "${env}"` }));
  const roles: [string, string, string][] = [
    [`${NAMESPACE}:pipelineRoleArn`, config.pipelineRoleArn, "the pipeline role (exempt from the ML guardrail)"],
    ...config.breakGlassRoleArns.map((arn, i): [string, string, string] => [`${NAMESPACE}:breakGlassRoleArns[${i}]`, arn, "a break-glass role (exempt from the ML guardrail)"]),
    ...config.guardrail.exemptRoleAdminArns.map((arn, i): [string, string, string] => [`${NAMESPACE}:guardrail.exemptRoleAdminArns[${i}]`, arn, "an IAM-admin role (may change the exempt roles)"]),
  ];
  const seen = new Set<string>();
  return roles
    .filter(([, arn]) => accountOf(arn) === config.mlAccountId && !seen.has(arn) && seen.add(arn))
    .map(([key, roleArn, what]) => ({ key, roleArn, what, forbiddenAccounts }));
}

/**
 * The provider for the organization's management account, once Organizations has confirmed where the guardrails reach:
 * no guarded account is the management account (which SCPs never restrict), every consumer account is under a consumer
 * target and the ML account under an ML target, and the OUs the config declares hold those accounts.
 */
async function checkedManagementProvider(config: MlConfig): Promise<aws.Provider> {
  const managementRoleArn = config.guardrail.managementRoleArn as string;
  const provider = accountProvider("organization-management", config, {
    region: config.region,
    accountId: accountOf(managementRoleArn),
    assumeRole: { roleArn: managementRoleArn, sessionName: "modelshare-guardrail" },
  });
  const problems = organizationPlacementProblems(config, await organizationView(parentsToLookUp(config), provider));
  if (problems.length > 0) throw new ConfigError(problems, `stack ${pulumi.getStack()}'s config (checked against the organization, through ${managementRoleArn})`);
  return provider;
}

/**
 * The shared roles to register, by set (sharedRoleSets: the current roles, or during a rename the old and the new
 * ones). IAM is asked which roles exist under the shared path first: a rolePrefix change that would drop roles
 * consumers still call is refused with the migration to follow (roleRenameProblems).
 */
async function sharedRolesToRegister(config: MlConfig, plan: MlPlan, stackId: string, mlProvider: aws.Provider): Promise<{ set: SharedRoleSet; roles: readonly SharedRolePlan[] }[]> {
  const roleSets = sharedRoleSets(config).map((set) => ({ set, roles: set.prefix === config.rolePrefix ? plan.sharedRoles : planMl({ ...config, rolePrefix: set.prefix }).sharedRoles }));
  const expected = new Set(roleSets.flatMap(({ roles }) => roles.map((r) => r.roleName)));
  const problems = roleRenameProblems(config, await rolesUnderPath(SHARED_ROLE_PATH, expected, mlProvider), stackId);
  if (problems.length > 0) throw new ConfigError(problems, `stack ${pulumi.getStack()}'s config (checked against the roles in the ML account)`);
  return roleSets;
}

/**
 * The guardrail SCPs' logical names do not follow rolePrefix: their policy name does, and Organizations renames a
 * policy in place (UpdatePolicy takes a Name), so a prefix change updates them instead of creating new SCPs next to
 * the attached ones (the 5-per-target limit). Stacks deployed with another prefix carry it in their logical names:
 * aliases map those onto the stable ones.
 */
function guardrailLogicalName(config: MlConfig, policyName: string): { logicalName: string; aliasNames: string[] } {
  const suffix = policyName.slice(config.rolePrefix.length + 1);
  const logicalName = `${DEFAULT_ROLE_PREFIX}-${suffix}`;
  const prefixes = new Set([config.rolePrefix, ...(config.rolePrefixMigration ? [config.rolePrefixMigration.fromPrefix] : [])]);
  return { logicalName, aliasNames: [...prefixes].map((p) => `${p}-${suffix}`).filter((name) => name !== logicalName) };
}

const DEFAULT_ROLE_PREFIX = "modelshare";

/** Stack output holding the data-lake grant (what `out/data-lake-statements.json` is written from). */
export const DATA_LAKE_OUTPUT = "dataLake";

/** What the data-lake owner and the ML account's administrator need to know, as a stack output. */
function dataLakeOutput(plan: DataLakePlan): Record<string, unknown> {
  return {
    mode: plan.mode,
    bucketName: plan.bucketName,
    bucketAccountId: plan.bucketAccountId,
    trainingPrincipalArn: plan.grant.trainingPrincipalArn,
    statements: plan.statements,
    trainingPrincipalPolicy: plan.trainingPrincipalPolicy,
  };
}

/**
 * Merge mode: the bucket's current policy, read now through the data-lake account, with this installation's
 * statements put in place of its earlier ones. Read and write are not atomic (S3 has no conditional
 * PutBucketPolicy): an edit made by the data-lake team between this read and the update would be lost, so the
 * README asks them not to edit the policy during a deploy.
 */
async function mergedDataLakePolicy(config: MlConfig, plan: DataLakePlan, mlProvider: aws.Provider): Promise<{ bucketName: string; policy: string; provider: aws.Provider }> {
  const d = config.dataLake;
  const provider =
    d.roleArn !== undefined
      ? accountProvider("data-lake-account", config, { region: config.region, accountId: plan.bucketAccountId, assumeRole: { roleArn: d.roleArn, sessionName: "modelshare-data-lake" } })
      : mlProvider;
  const current = await currentBucketPolicy(plan.bucketName, provider);
  const policy = JSON.stringify(mergeBucketPolicy(current, plan.statements, plan.grant.projectName));
  const overBudget = checkBucketPolicyBudget(`bucket policy of ${plan.bucketName} (its statements and modelshare's)`, policy, config.quotas);
  if (overBudget.length > 0) throw new BudgetError(overBudget);
  return { bucketName: plan.bucketName, policy, provider };
}
