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
 * Trust of the smoke-test role the consumer stack creates: only the ML stack's pipeline role (promotion's
 * `verify` assumes it before chaining into the shared role), inside the organization. The ML account's root
 * narrowed by aws:PrincipalArn, as for the shared roles: naming the role would break when it is re-created.
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
