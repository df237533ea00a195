import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DataLakeBucketPolicy } from "../components/DataLakeBucketPolicy";
import { GuardrailSCP } from "../components/GuardrailSCP";
import { SharedModelRole } from "../components/SharedModelRole";
import { parseRoleArn } from "../src/arn";
import { environments, MlConfig } from "../src/config/schema";
import { ML_OUTPUTS, SHARED_ROLE_PATH, standardTags } from "../src/contract";
import { BudgetError } from "../src/errors";
import { checkMlBudgets, planMl } from "../src/plan";

/** Account of a role ARN the schema has already validated. */
function accountOf(roleArn: string): string {
  const parsed = parseRoleArn(roleArn);
  if (typeof parsed === "string") throw new Error(`role ARN ${roleArn} ${parsed}`); // unreachable after validation
  return parsed.accountId;
}

/**
 * The ML account's stack: one SharedModelRole per consumer environment, the guardrail SCPs (through the
 * management account), the data-lake bucket policy (through the data-lake account) and optionally the
 * Rekognition project. Every document is planned and budget-checked before the first resource is registered.
 */
export function mlStack(config: MlConfig): Record<string, pulumi.Input<unknown>> {
  const plan = planMl(config);
  const overBudget = checkMlBudgets(plan, config.quotas, config.guardrail.existingPoliciesPerTarget);
  if (overBudget.length > 0) throw new BudgetError(overBudget);

  const tags = standardTags("ml");
  // allowedAccountIds: the provider refuses to touch any other account, so the wrong credentials fail fast.
  const mlProvider = new aws.Provider("ml-account", { region: config.region, allowedAccountIds: [config.mlAccountId] });

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

  if (plan.dataLakePolicy !== undefined) {
    const d = config.dataLake;
    const dataLakeProvider =
      d.roleArn !== undefined
        ? new aws.Provider("data-lake-account", {
            region: config.region,
            assumeRoles: [{ roleArn: d.roleArn, sessionName: "modelshare-data-lake" }],
            allowedAccountIds: [d.accountId ?? accountOf(d.roleArn)],
          })
        : mlProvider;
    new DataLakeBucketPolicy("data-lake", { bucketName: d.bucketName as string, document: plan.dataLakePolicy }, { provider: dataLakeProvider });
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
  };
}
