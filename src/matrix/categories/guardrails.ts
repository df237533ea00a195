import { parseRoleArn } from "../../arn";
import { MODELSHARE_ROLE_PATH } from "../../contract";
import { CONSUMER_DENIED_ACTIONS, EXEMPT_ROLE_PROTECTED_ACTIONS, MODEL_PROTECTED_ACTIONS, POLICY_PROTECTED_ACTIONS, PROTECTED_POLICY_PATH, ROLE_PROTECTED_ACTIONS, TRAINING_PROTECTED_ACTIONS } from "../../policies/guardrail";
import type { MatrixCase } from "../cases";
import { ADMINISTRATOR, roleArnIn, scpLevels } from "../callers";
import { Caller, matrixCase, roleCaller } from "../requests";
import { representatives } from "../selection";
import type { Topology } from "../topology";
import { consumerGuardrail, guardedBy, mlGuardrail, sharedRoles } from "./common";
import { pipelinePolicy } from "./legitimate";
import { LEASE_PARTITION_KEYS } from "../../policies/pipeline";

/** Writes and table changes the ML guardrail keeps for the pipeline (ProtectPromotionLease), one row each. */
const LEASE_WRITES = ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:UpdateTimeToLive", "dynamodb:PutResourcePolicy"] as const;

const actionName = (action: string) => action.split(":")[1];

const ON_VERSION = new Set(["rekognition:CopyProjectVersion", "rekognition:DeleteProjectVersion", "rekognition:StartProjectVersion", "rekognition:StopProjectVersion"]);
const ON_DATASET = new Set(["rekognition:DeleteDataset", "rekognition:UpdateDatasetEntries"]);

/** The consumer account's own resource a model-management action acts on (IAM service authorization reference). */
function localResource(action: string, local: { version: string; project: string }): string {
  if (action === "rekognition:CreateProject") return "*";
  if (ON_VERSION.has(action)) return local.version;
  if (ON_DATASET.has(action)) return `${local.project.slice(0, local.project.lastIndexOf("/"))}/dataset/train/1700000000000`;
  return local.project;
}

/**
 * Guardrails: an administrator holding AdministratorAccess in each account, on every protected action, including
 * IAM changes to the shared, exempt and trusted roles (only the organization's SCPs stand in its way); and the
 * pipeline, break-glass, IAM-admin and deploy roles where they are meant to act and where they are not.
 */
export function guardrailCases(topology: Topology): MatrixCase[] {
  return [...mlAccountCases(topology), ...mlTrainingAndPolicyCases(topology), ...consumerAccountCases(topology)];
}

/** A principal a role-admin pattern stands for, in `account` (`*` and `?` filled in). */
export function roleAdminIn(pattern: string, account: string): string {
  const [arn, partition, service, , patternAccount, resource] = pattern.split(":");
  return [arn, partition, service, "", patternAccount === "*" ? account : patternAccount, resource.replace(/[*?]/g, "x")].join(":");
}

/** A customer-managed policy under the protected path, as an exempt, IAM-admin or deploy role would carry it. */
function protectedPolicyIn(topology: Topology, account: string, name: string): string {
  return `arn:${topology.ml.partition}:iam::${account}:policy${PROTECTED_POLICY_PATH}${name}`;
}

/**
 * The ML account beyond the model's lifecycle: training and datasets of the shared project,
 * the protected customer-managed policies, and the role admins (guardrail.roleAdminPrincipalArns).
 */
function mlTrainingAndPolicyCases(topology: Topology): MatrixCase[] {
  const ml = topology.ml;
  const scp = mlGuardrail(topology);
  const cases: MatrixCase[] = [];
  const ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }) =>
    cases.push(matrixCase(topology, { category: "guardrails", kind, scenario, caller, action, resource, resourceAccount: ml.mlAccountId, ...intent }));
  const admin = roleCaller(topology, roleArnIn(topology, ml.mlAccountId, "ml-account-administrator"), "ml", [ADMINISTRATOR]);
  const asAdministrator = (roleArn: string) => roleCaller(topology, roleArn, "ml", [ADMINISTRATOR]);

  const dataset = `${topology.projectArn.slice(0, topology.projectArn.lastIndexOf("/"))}/dataset/train/1700000000000`;
  for (const action of TRAINING_PROTECTED_ACTIONS) {
    const resource = action === "rekognition:CreateProjectVersion" || action === "rekognition:CreateDataset" ? topology.projectArn : dataset;
    ask("ml-administrator-training", `ML-account administrator -> ${actionName(action)} on the shared project (poison or squat what the pipeline promotes next)`, admin, action, resource, guardedBy(scp));
  }
  const trainer = ml.dataLake.trainingPrincipalArn ?? ml.pipelineRoleArn;
  ask("training-principal", "training principal -> CreateProjectVersion on the shared project (what it is for)", asAdministrator(trainer), "rekognition:CreateProjectVersion", topology.projectArn, { expected: "Allowed" });

  const pipelinePolicyArn = protectedPolicyIn(topology, ml.mlAccountId, "modelshare-pipeline-deploy");
  for (const action of POLICY_PROTECTED_ACTIONS) {
    ask("ml-administrator-protected-policy", `ML-account administrator -> ${actionName(action)} on a protected policy (the pipeline's customer-managed policy)`, admin, action, pipelinePolicyArn, guardedBy(scp));
  }
  ask("pipeline-self", "pipeline role, even with AdministratorAccess -> SetDefaultPolicyVersion on its own protected policy", asAdministrator(ml.pipelineRoleArn), "iam:SetDefaultPolicyVersion", pipelinePolicyArn, guardedBy(scp));
  const admins = [...ml.guardrail.exemptRoleAdminArns, ...ml.guardrail.roleAdminPrincipalArns.map((p) => roleAdminIn(p, ml.mlAccountId))];
  for (const iamAdmin of admins) ask("iam-admin", `${iamAdmin.split("/").pop()} (role admin) -> CreatePolicyVersion on a protected policy (what it is for)`, asAdministrator(iamAdmin), "iam:CreatePolicyVersion", pipelinePolicyArn, { expected: "Allowed" });
  for (const pattern of ml.guardrail.roleAdminPrincipalArns) {
    const roleAdmin = roleAdminIn(pattern, ml.mlAccountId);
    ask("role-admin", `role admin ${roleAdmin.split("/").pop()} -> UpdateAssumeRolePolicy on the pipeline role (rotating the exempt roles is what it is for)`, asAdministrator(roleAdmin), "iam:UpdateAssumeRolePolicy", ml.pipelineRoleArn, { expected: "Allowed" });
    ask("role-admin", `ML-account administrator -> UpdateAssumeRolePolicy on role admin ${roleAdmin.split("/").pop()} (exempt, so protected)`, admin, "iam:UpdateAssumeRolePolicy", roleAdmin, guardedBy(scp));
  }
  return cases;
}

function mlAccountCases(topology: Topology): MatrixCase[] {
  const ml = topology.ml;
  const scp = mlGuardrail(topology);
  const cases: MatrixCase[] = [];
  const version = topology.modelVersionArns[0];
  const ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }) =>
    cases.push(matrixCase(topology, { category: "guardrails", kind, scenario, caller, action, resource, resourceAccount: ml.mlAccountId, ...intent }));
  const admin = roleCaller(topology, roleArnIn(topology, ml.mlAccountId, "ml-account-administrator"), "ml", [ADMINISTRATOR]);
  const asAdministrator = (roleArn: string) => roleCaller(topology, roleArn, "ml", [ADMINISTRATOR]);

  for (const action of MODEL_PROTECTED_ACTIONS) {
    const resource = action === "rekognition:DeleteProject" ? topology.projectArn : version;
    if (resource !== undefined) ask("ml-administrator-model", `ML-account administrator (not exempt) -> ${actionName(action)} on the shared model`, admin, action, resource, guardedBy(scp));
  }
  const firstShared = sharedRoles(topology)[0];
  if (firstShared) {
    // One shared role stands for all: the guardrail protects them by path, not by name.
    for (const action of ROLE_PROTECTED_ACTIONS) ask("ml-administrator-shared-role", `ML-account administrator -> ${actionName(action)} on ${firstShared.environment}'s shared role`, admin, action, firstShared.roleArn, guardedBy(scp));
  }
  const admins = ml.guardrail.exemptRoleAdminArns;
  const exempt = [ml.pipelineRoleArn, ...ml.breakGlassRoleArns];
  for (const target of [...new Set([...exempt, ...admins])]) {
    for (const action of EXEMPT_ROLE_PROTECTED_ACTIONS) ask("ml-administrator-exempt-role", `ML-account administrator -> ${actionName(action)} on ${target.split("/").pop()} (exempt or IAM-admin role)`, admin, action, target, guardedBy(scp));
  }

  const pipeline = roleCaller(topology, ml.pipelineRoleArn, "ml", [pipelinePolicy(topology)]);
  for (const v of topology.modelVersionArns) {
    for (const action of ["rekognition:StartProjectVersion", "rekognition:StopProjectVersion"]) ask("pipeline-lifecycle", `pipeline role -> ${actionName(action)} (what it is exempt for)`, pipeline, action, v, { expected: "Allowed" });
  }
  for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy"]) {
    ask("pipeline-self", `pipeline role, even with AdministratorAccess -> ${actionName(action)} on itself (it must not re-permission itself)`, asAdministrator(ml.pipelineRoleArn), action, ml.pipelineRoleArn, admins.includes(ml.pipelineRoleArn) ? { expected: "Allowed" } : guardedBy(scp));
  }
  for (const breakGlass of ml.breakGlassRoleArns) {
    if (version !== undefined) ask("break-glass", "break-glass role -> StopProjectVersion (an emergency stop)", asAdministrator(breakGlass), "rekognition:StopProjectVersion", version, { expected: "Allowed" });
    ask("break-glass", "break-glass role -> UpdateAssumeRolePolicy on the pipeline role", asAdministrator(breakGlass), "iam:UpdateAssumeRolePolicy", ml.pipelineRoleArn, admins.includes(breakGlass) ? { expected: "Allowed" } : guardedBy(scp));
  }
  // The promotion lease (issue 9): an administrator can neither take, break nor delete it; reading it stays open; the
  // pipeline holds it (DynamoDB sets dynamodb:LeadingKeys to the item's partition key on item operations).
  const leaseKey = { "dynamodb:LeadingKeys": [...LEASE_PARTITION_KEYS] };
  for (const action of LEASE_WRITES) {
    cases.push(matrixCase(topology, { category: "guardrails", kind: "lease-administrator", scenario: `ML-account administrator -> ${actionName(action)} on the promotion lease table`, caller: admin, action, resource: topology.leaseTableArn, resourceAccount: ml.mlAccountId, ...guardedBy(scp), ...(action.endsWith("Item") ? { serviceKeys: leaseKey } : {}) }));
  }
  cases.push(matrixCase(topology, { category: "guardrails", kind: "lease-read", scenario: "ML-account administrator -> GetItem on the promotion lease (who holds it stays readable)", caller: admin, action: "dynamodb:GetItem", resource: topology.leaseTableArn, resourceAccount: ml.mlAccountId, expected: "Allowed", serviceKeys: leaseKey }));
  for (const action of ["dynamodb:PutItem", "dynamodb:DeleteItem"]) {
    cases.push(matrixCase(topology, { category: "guardrails", kind: "lease-pipeline", scenario: `pipeline role -> ${actionName(action)} on the promotion lease (what it holds it with)`, caller: pipeline, action, resource: topology.leaseTableArn, resourceAccount: ml.mlAccountId, expected: "Allowed", serviceKeys: leaseKey }));
  }
  for (const iamAdmin of admins) {
    ask("iam-admin", "IAM-admin role -> UpdateAssumeRolePolicy on the pipeline role (what it is for)", asAdministrator(iamAdmin), "iam:UpdateAssumeRolePolicy", ml.pipelineRoleArn, { expected: "Allowed" });
    if (version !== undefined) ask("iam-admin", "IAM-admin role -> StartProjectVersion (it is not exempt from the model protection)", asAdministrator(iamAdmin), "rekognition:StartProjectVersion", version, exempt.includes(iamAdmin) ? { expected: "Allowed" } : guardedBy(scp));
  }
  return cases;
}

function consumerAccountCases(topology: Topology): MatrixCase[] {
  const ml = topology.ml;
  const scp = consumerGuardrail(topology);
  const cases: MatrixCase[] = [];
  const environments = Object.keys(ml.consumers).sort();
  // Accounts under the same organization policies get the same SCP decisions: the full sweep once per group.
  const signature = (env: string) => {
    const account = ml.consumers[env].accountId;
    return JSON.stringify(scpLevels(topology, account, "consumer").map((level) => [level.orgIdentifier === account ? "account" : level.orgIdentifier, level.policies.map((p) => p.name)]));
  };
  const full = new Set(representatives(environments, signature));
  const deployNames = ml.guardrail.consumerDeployRoleNames;
  for (const env of environments) {
    const account = ml.consumers[env].accountId;
    const consumer = topology.consumers.get(env);
    const admin = roleCaller(topology, roleArnIn(topology, account, "administrator"), "consumer", [ADMINISTRATOR]);
    const ask = (kind: string, scenario: string, caller: Caller, action: string, resource: string, intent: { expected: "Allowed" | "Denied"; deniedBy?: string }) =>
      cases.push(matrixCase(topology, { category: "guardrails", kind, scenario: `${env}: ${scenario}`, caller, action, resource, resourceAccount: account, ...intent }));
    const localVersion = `arn:${ml.partition}:rekognition:${ml.region}:${account}:project/local-model/version/local-model.1/1700000000000`;
    const localProject = `arn:${ml.partition}:rekognition:${ml.region}:${account}:project/local-model/1700000000000`;
    const management = full.has(env) ? CONSUMER_DENIED_ACTIONS : (["rekognition:StartProjectVersion"] as const);
    for (const action of management) {
      const resource = localResource(action, { version: localVersion, project: localProject });
      ask("consumer-administrator-model", `account administrator -> ${actionName(action)} in its own account`, admin, action, resource, guardedBy(scp));
    }
    const deployArn = consumer?.config.deployRoleArn ?? (deployNames[0] !== undefined ? roleArnIn(topology, account, deployNames[0]) : undefined);
    for (const trusted of ml.consumers[env].applicationPrincipalArns) {
      const role = parseRoleArn(trusted);
      const protectedName = typeof role === "object" && role.path === MODELSHARE_ROLE_PATH;
      // With the guardrail on, every trusted name is meant to be protected: one outside /modelshare/ is a mismatch.
      const intent = guardedBy(scp);
      const actions = full.has(env) ? ROLE_PROTECTED_ACTIONS : (["iam:UpdateAssumeRolePolicy"] as const);
      for (const action of actions) ask("consumer-administrator-trusted-role", `account administrator -> ${actionName(action)} on ${trusted.split("/").pop()}, a role the shared role trusts${protectedName ? "" : " (outside /modelshare/)"}`, admin, action, trusted, intent);
      if (deployArn && protectedName && full.has(env)) ask("deploy-role", `deploy role -> UpdateAssumeRolePolicy on ${trusted.split("/").pop()} (what it is for)`, roleCaller(topology, deployArn, "consumer", [ADMINISTRATOR]), "iam:UpdateAssumeRolePolicy", trusted, { expected: "Allowed" });
    }
    if (consumer && full.has(env)) {
      ask("pass-application-role", `account administrator -> PassRole on the application role (allowed by design: whoever deploys the application hands it to its compute)`, admin, "iam:PassRole", consumer.applicationRoleArn, { expected: "Allowed" });
    }
    if (full.has(env)) {
      const deployPolicy = protectedPolicyIn(topology, account, "modelshare-deploy-permissions");
      for (const action of POLICY_PROTECTED_ACTIONS) ask("consumer-administrator-protected-policy", `account administrator -> ${actionName(action)} on a protected policy (the deploy role's customer-managed policy)`, admin, action, deployPolicy, guardedBy(scp));
      if (deployArn) ask("deploy-role", "deploy role, with AdministratorAccess -> CreatePolicyVersion on its own protected policy", roleCaller(topology, deployArn, "consumer", [ADMINISTRATOR]), "iam:CreatePolicyVersion", deployPolicy, guardedBy(scp));
      for (const pattern of ml.guardrail.roleAdminPrincipalArns) {
        const roleAdmin = roleAdminIn(pattern, account);
        if (deployArn) ask("role-admin", `role admin ${roleAdmin.split("/").pop()} -> UpdateAssumeRolePolicy on the deploy role (creating and rotating it is what it is for)`, roleCaller(topology, roleAdmin, "consumer", [ADMINISTRATOR]), "iam:UpdateAssumeRolePolicy", deployArn, { expected: "Allowed" });
        ask("role-admin", `account administrator -> UpdateAssumeRolePolicy on role admin ${roleAdmin.split("/").pop()} (exempt, so protected)`, admin, "iam:UpdateAssumeRolePolicy", roleAdmin, guardedBy(scp));
      }
    }
    if (deployArn && scp !== undefined) {
      const deployActions = full.has(env) ? EXEMPT_ROLE_PROTECTED_ACTIONS : ["iam:UpdateAssumeRolePolicy"];
      for (const action of deployActions) ask("deploy-role", `account administrator -> ${actionName(action)} on the deploy role`, admin, action, deployArn, guardedBy(scp));
      if (full.has(env)) ask("deploy-role", "deploy role, with AdministratorAccess -> UpdateAssumeRolePolicy on itself", roleCaller(topology, deployArn, "consumer", [ADMINISTRATOR]), "iam:UpdateAssumeRolePolicy", deployArn, guardedBy(scp));
    }
  }
  return cases;
}
