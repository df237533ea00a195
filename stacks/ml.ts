import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DataLakeBucketPolicy } from "../components/DataLakeBucketPolicy";
import { GuardrailSCP } from "../components/GuardrailSCP";
import { SharedModelRole } from "../components/SharedModelRole";
import { parseRoleArn } from "../src/arn";
import { environments, MlConfig } from "../src/config/schema";
import { ML_OUTPUTS, SHARED_ROLE_PATH, standardTags } from "../src/contract";
import { BudgetError } from "../src/errors";
import { checkBucketPolicyBudget, checkMlBudgets, DataLakePlan, planMl } from "../src/plan";
import { mergeBucketPolicy } from "../src/policies/dataLake";
import { currentBucketPolicy } from "./lookups/bucketPolicy";

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
  const mlProvider = new aws.Provider("ml-account", { region: config.region, allowedAccountIds: [config.mlAccountId] });
  const dataLakePolicy = plan.dataLake?.mode === "merge" ? await mergedDataLakePolicy(config, plan.dataLake, mlProvider) : undefined;

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

  const sharedRoles = plan.sharedRoles.map(
    (role) =>
      [
        role.environment,
        new SharedModelRole(
          `shared-${role.environment}`,
          {
            environment: role.environment,
            roleName: role.roleName,
            path: SHARED_ROLE_PATH,
            maxSessionDurationSeconds: role.maxSessionDurationSeconds,
            trustPolicy: role.trustPolicy,
            permissionsPolicy: role.permissionsPolicy,
            tags: standardTags(role.environment),
          },
          { provider: mlProvider },
        ),
      ] as const,
  );

  if (plan.scps.length > 0) {
    const managementRoleArn = config.guardrail.managementRoleArn as string;
    const managementProvider = new aws.Provider("organization-management", {
      region: config.region,
      assumeRoles: [{ roleArn: managementRoleArn, sessionName: "modelshare-guardrail" }],
      allowedAccountIds: [accountOf(managementRoleArn)],
    });
    for (const scp of plan.scps) {
      new GuardrailSCP(
        scp.name,
        { policyName: scp.name, description: scp.description, document: scp.document, targetIds: scp.targetIds, tags },
        { provider: managementProvider },
      );
    }
  }

  if (dataLakePolicy !== undefined) {
    new DataLakeBucketPolicy("data-lake", { bucketName: dataLakePolicy.bucketName, policy: dataLakePolicy.policy }, { provider: dataLakePolicy.provider });
  }

  const byEnvironment = <T>(pick: (env: string) => T): Record<string, T> =>
    Object.fromEntries(environments(config).map((env) => [env, pick(env)]));
  return {
    [ML_OUTPUTS.mlAccountId]: config.mlAccountId,
    [ML_OUTPUTS.region]: config.region,
    [ML_OUTPUTS.organizationId]: config.organizationId,
    [ML_OUTPUTS.projectArn]: projectArn,
    [ML_OUTPUTS.sharedRoleArns]: pulumi.all(Object.fromEntries(sharedRoles.map(([env, role]) => [env, role.roleArn]))),
    [ML_OUTPUTS.grantedVersions]: byEnvironment((env) => [...config.consumers[env].grantedVersions]),
    [ML_OUTPUTS.trustedPrincipalArns]: byEnvironment((env) => [...config.consumers[env].applicationPrincipalArns]),
    [ML_OUTPUTS.privateOnly]: byEnvironment((env) => config.consumers[env].privateAccess.enabled),
    ...(plan.dataLake !== undefined ? { [DATA_LAKE_OUTPUT]: dataLakeOutput(plan.dataLake) } : {}),
  };
}

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
      ? new aws.Provider("data-lake-account", {
          region: config.region,
          assumeRoles: [{ roleArn: d.roleArn, sessionName: "modelshare-data-lake" }],
          allowedAccountIds: [plan.bucketAccountId],
        })
      : mlProvider;
  const current = await currentBucketPolicy(plan.bucketName, provider);
  const policy = JSON.stringify(mergeBucketPolicy(current, plan.statements, plan.grant.projectName));
  const overBudget = checkBucketPolicyBudget(`bucket policy of ${plan.bucketName} (its statements and modelshare's)`, policy, config.quotas);
  if (overBudget.length > 0) throw new BudgetError(overBudget);
  return { bucketName: plan.bucketName, policy, provider };
}
