import { accountRootArn } from "../arn";
import { DETECT_ACTION } from "./sharedRole";
import { PolicyDocument, policyDocument, Statement, uniqueSorted } from "./document";

/**
 * Rekognition endpoint policy: through this VPC endpoint, only the environment's shared role session may call
 * DetectCustomLabels, and only on the versions granted to this environment. The endpoint policy applies to the
 * assumed ML-role session too, so it names the ML account's version ARNs.
 */
export function rekognitionEndpointPolicy(input: {
  readonly sharedRoleArn: string;
  readonly grantedVersionArns: readonly string[];
}): PolicyDocument {
  const granted = uniqueSorted(input.grantedVersionArns);
  if (granted.length === 0) {
    return policyDocument([{ Sid: "NothingGrantedYet", Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }]);
  }
  return policyDocument([
    {
      Sid: "DetectWithSharedRoleOnly",
      Effect: "Allow",
      Principal: "*",
      Action: DETECT_ACTION,
      Resource: granted,
      Condition: { ArnEquals: { "aws:PrincipalArn": input.sharedRoleArn } },
    },
  ]);
}

/**
 * STS endpoint policy: through this endpoint, principals of the consumer account may only assume the
 * environment's shared role. With private DNS on, every regional STS call in the VPC uses this endpoint, so
 * give the endpoint a VPC (or subnets) of its own if other workloads there need STS.
 */
export function stsEndpointPolicy(input: { readonly sharedRoleArn: string; readonly consumerAccountId: string; readonly tagSession?: boolean }): PolicyDocument {
  return policyDocument([
    {
      Sid: "AssumeSharedRoleOnly",
      Effect: "Allow",
      Principal: "*",
      Action: assumeActions(input.tagSession),
      Resource: input.sharedRoleArn,
      Condition: { StringEquals: { "aws:PrincipalAccount": input.consumerAccountId } },
    },
  ]);
}

/** SSM endpoint policy: read only this environment's parameters. */
export function ssmEndpointPolicy(input: { readonly parameterArns: readonly string[]; readonly consumerAccountId: string }): PolicyDocument {
  return policyDocument([
    {
      Sid: "ReadEnvironmentParameters",
      Effect: "Allow",
      Principal: "*",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: uniqueSorted(input.parameterArns),
      Condition: { StringEquals: { "aws:PrincipalAccount": input.consumerAccountId } },
    },
  ]);
}

/**
 * What the application's chained call into the shared role needs: sts:AssumeRole, and sts:TagSession when its own
 * session carries transitive tags (EKS Pod Identity).
 */
function assumeActions(tagSession: boolean | undefined): string | string[] {
  return tagSession ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole";
}

/**
 * The application role's permissions: assume its environment's shared role (passing on its transitive session
 * tags when it runs on EKS Pod Identity), read its own parameters.
 */
export function applicationPolicy(input: { readonly sharedRoleArn: string; readonly parameterArns: readonly string[]; readonly tagSession?: boolean }): PolicyDocument {
  return policyDocument([
    { Sid: "AssumeSharedModelRole", Effect: "Allow", Action: assumeActions(input.tagSession), Resource: input.sharedRoleArn },
    {
      Sid: "ReadModelParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:GetParameters"],
      Resource: uniqueSorted(input.parameterArns),
    },
  ]);
}

/**
 * Trust policy of the application role: the compute services that run the application. Only this account's
 * principals holding iam:PassRole can hand the role to a service, so no source condition is added (not every
 * service sets aws:SourceAccount when assuming an execution role).
 */
export function applicationTrustPolicy(input: { readonly services: readonly string[] }): PolicyDocument {
  const services = uniqueSorted(input.services);
  const others = services.filter((service) => service !== EKS_POD_IDENTITY_SERVICE);
  const statements: Statement[] = [];
  if (others.length > 0) {
    statements.push({ Sid: "RunApplication", Effect: "Allow", Principal: { Service: others }, Action: "sts:AssumeRole" });
  }
  if (services.includes(EKS_POD_IDENTITY_SERVICE)) {
    // EKS Pod Identity assumes the role with session tags (cluster, namespace, service account): without
    // sts:TagSession its AssumeRole fails.
    statements.push({ Sid: "RunApplicationInEksPods", Effect: "Allow", Principal: { Service: EKS_POD_IDENTITY_SERVICE }, Action: ["sts:AssumeRole", "sts:TagSession"] });
  }
  return policyDocument(statements);
}

/** EKS Pod Identity's service principal (eks.amazonaws.com is the cluster's own principal, never a pod's). */
export const EKS_POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com";


/**
 * Trust of the smoke-test role in the weaker `direct` mode (smokeTest.runner "direct"): the ML stack's pipeline role
 * assumes it from a runner in the consumer's network, inside the organization. The ML account's root narrowed by
 * aws:PrincipalArn, as for the shared roles: naming the role would break when it is re-created. The default mode
 * (smokeTestFunctionTrustPolicy) needs no ML principal in any consumer role's trust.
 */
export function smokeTestTrustPolicy(input: {
  readonly partition: string;
  readonly mlAccountId: string;
  readonly pipelineRoleArn: string;
  readonly organizationId: string;
}): PolicyDocument {
  return policyDocument([
    {
      Sid: "AssumeFromPipeline",
      Effect: "Allow",
      Principal: { AWS: accountRootArn(input.partition, input.mlAccountId) },
      Action: "sts:AssumeRole",
      Condition: { ArnEquals: { "aws:PrincipalArn": input.pipelineRoleArn }, StringEquals: { "aws:PrincipalOrgID": input.organizationId } },
    },
  ]);
}

/** The smoke-test role's permissions: assume its environment's shared role, nothing else. */
export function smokeTestPolicy(input: { readonly sharedRoleArn: string }): PolicyDocument {
  return policyDocument([{ Sid: "AssumeSharedModelRole", Effect: "Allow", Action: "sts:AssumeRole", Resource: input.sharedRoleArn }]);
}

export const LAMBDA_SERVICE = "lambda.amazonaws.com";

/**
 * Trust of the smoke-test role when the smoke-test function runs as it (smokeTest.runner "function", the default):
 * Lambda only, for this account's functions. `aws:SourceAccount` is required; `aws:SourceArn` must name the function
 * when present (IfExists), because AWS documents confused-deputy keys for service roles but does not document that
 * Lambda sends aws:SourceArn when it assumes an execution role (terraform-aws-modules/terraform-aws-lambda#771,
 * prowler-cloud/prowler#2810). What makes the role safe either way is the consumer guardrail: nobody but the deploy
 * roles may pass it to a function, or change the function (ProtectSmokeTestRoles, ProtectSmokeTestFunctions).
 */
export function smokeTestFunctionTrustPolicy(input: { readonly accountId: string; readonly functionArn: string }): PolicyDocument {
  return policyDocument([
    {
      Sid: "RunSmokeTestFunction",
      Effect: "Allow",
      Principal: { Service: LAMBDA_SERVICE },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": input.accountId }, ArnLikeIfExists: { "aws:SourceArn": input.functionArn } },
    },
  ]);
}

/** The AWS-managed policy that lets Lambda create and delete the network interfaces of a function in a VPC. */
export function lambdaVpcAccessPolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole`;
}

/**
 * Who may invoke the smoke-test function (lambda AddPermission's fields): exactly the ML pipeline role, within the
 * organization. AddPermission accepts a role ARN as Principal and PrincipalOrgID as its only principal condition
 * (Lambda API Reference, AddPermission); SourceAccount/SourceArn apply to service principals only.
 */
export interface InvokePermission {
  readonly action: "lambda:InvokeFunction";
  readonly principal: string;
  readonly principalOrgId: string;
}

export function smokeTestInvokePermission(input: { readonly pipelineRoleArn: string; readonly organizationId: string }): InvokePermission {
  return { action: "lambda:InvokeFunction", principal: input.pipelineRoleArn, principalOrgId: input.organizationId };
}

/**
 * The resource-policy statement Lambda builds from an AddPermission request: an account id or `*` as Principal
 * becomes `{AWS: ...}`, a service name `{Service: ...}`, and each optional field a condition. The access matrix reads
 * the synthesized lambda.Permission through this, so a widened permission shows in its rows.
 */
export function lambdaPermissionPolicy(functionArn: string, permission: { readonly action?: unknown; readonly principal?: unknown; readonly principalOrgId?: unknown; readonly sourceAccount?: unknown; readonly sourceArn?: unknown }): PolicyDocument {
  const principal = String(permission.principal ?? "");
  const condition: Record<string, Record<string, string>> = {};
  if (typeof permission.principalOrgId === "string") condition.StringEquals = { "aws:PrincipalOrgID": permission.principalOrgId };
  if (typeof permission.sourceAccount === "string") condition.StringEquals = { ...condition.StringEquals, "AWS:SourceAccount": permission.sourceAccount };
  if (typeof permission.sourceArn === "string") condition.ArnLike = { "AWS:SourceArn": permission.sourceArn };
  return policyDocument([
    {
      Sid: "LambdaPermission",
      Effect: "Allow",
      Principal: principal.endsWith(".amazonaws.com") ? { Service: principal } : { AWS: principal },
      Action: String(permission.action ?? "lambda:InvokeFunction"),
      Resource: functionArn,
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    },
  ]);
}
