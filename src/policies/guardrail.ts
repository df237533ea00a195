import { SHARED_ROLE_PATH } from "../contract";
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
  "rekognition:DeleteProjectPolicy",
  "rekognition:DeleteProjectVersion",
  "rekognition:PutProjectPolicy",
  "rekognition:StartProjectVersion",
  "rekognition:StopProjectVersion",
] as const;

/** Changes to the shared roles that only the pipeline (or break-glass) may make. */
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

/** Consumer guardrail: no Rekognition project or model management in consumer accounts. */
export function consumerGuardrailPolicy(): PolicyDocument {
  return policyDocument([
    { Sid: "DenyModelManagementInConsumers", Effect: "Deny", Action: [...CONSUMER_DENIED_ACTIONS], Resource: "*" },
  ]);
}

export interface MlGuardrailInput {
  readonly partition: string;
  readonly region: string;
  readonly mlAccountId: string;
  readonly projectName: string;
  /** Principals still allowed: the pipeline role and break-glass roles. */
  readonly exemptRoleArns: readonly string[];
}

/**
 * ML guardrail: nobody but the pipeline (or break-glass) may start, stop or delete the shared model, change its
 * project policy, or change the shared roles. Deny statements may use patterns: they widen protection. The
 * roles are matched by their IAM path, so the policy does not grow with the number of environments.
 * SCPs never apply to the management account or to service-linked roles.
 */
export function mlGuardrailPolicy(input: MlGuardrailInput): PolicyDocument {
  const projectPrefix = `arn:${input.partition}:rekognition:${input.region}:${input.mlAccountId}:project/${input.projectName}`;
  const exempt = { ArnNotLike: { "aws:PrincipalArn": uniqueSorted(input.exemptRoleArns) } };
  return policyDocument([
    {
      Sid: "ProtectSharedModel",
      Effect: "Deny",
      Action: [...MODEL_PROTECTED_ACTIONS],
      Resource: [`${projectPrefix}/*`],
      Condition: exempt,
    },
    {
      Sid: "ProtectSharedRoles",
      Effect: "Deny",
      Action: [...ROLE_PROTECTED_ACTIONS],
      Resource: [`arn:${input.partition}:iam::${input.mlAccountId}:role${SHARED_ROLE_PATH}*`],
      Condition: exempt,
    },
  ]);
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
