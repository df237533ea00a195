import { SHARED_ROLE_PATH } from "../contract";
import { PolicyDocument, policyDocument, uniqueSorted } from "./document";

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
