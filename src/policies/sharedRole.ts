import { accountRootArn } from "../arn";
import { Condition, PolicyDocument, policyDocument, Statement, uniqueSorted } from "./document";

export const DETECT_ACTION = "rekognition:DetectCustomLabels";

export interface SharedRoleTrustInput {
  readonly partition: string;
  readonly consumerAccountId: string;
  readonly organizationId: string;
  /** Exact ARNs of the consumer's application roles allowed to assume the shared role. */
  readonly applicationPrincipalArns: readonly string[];
  readonly externalId?: string;
  /**
   * The environment runs on EKS Pod Identity: its session carries transitive session tags, so the chained
   * AssumeRole also needs sts:TagSession, limited to Pod Identity's own tag keys. @default false
   */
  readonly eksPodIdentity?: boolean;
}

/** Tag keys EKS Pod Identity puts on a pod's session (EKS user guide, "Grant Pods access to AWS resources based on tags"). */
export const EKS_POD_IDENTITY_TAG_KEYS = [
  "eks-cluster-arn",
  "eks-cluster-name",
  "kubernetes-namespace",
  "kubernetes-pod-name",
  "kubernetes-pod-uid",
  "kubernetes-service-account",
] as const;

/**
 * Trust policy of an environment's shared role. The principal is the consumer account's root, narrowed by
 * aws:PrincipalArn: naming the role itself would need it to exist first and would silently break when the
 * role is recreated (IAM stores the role's unique id). aws:PrincipalOrgID keeps it inside the organization.
 */
export function sharedRoleTrustPolicy(input: SharedRoleTrustInput): PolicyDocument {
  const principal = { AWS: accountRootArn(input.partition, input.consumerAccountId) };
  const callers = { "aws:PrincipalArn": uniqueSorted(input.applicationPrincipalArns) };
  const condition: Condition = {
    ArnLike: callers,
    StringEquals: {
      "aws:PrincipalOrgID": input.organizationId,
      ...(input.externalId !== undefined ? { "sts:ExternalId": input.externalId } : {}),
    },
  };
  const statements: Statement[] = [{ Sid: "AssumeFromConsumerApplication", Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", Condition: condition }];
  if (input.eksPodIdentity) {
    // Pod Identity's tags are transitive: STS authorizes sts:TagSession for the chained AssumeRole too (IAM user
    // guide, "Pass session tags in AWS STS"). Only its own keys: the application cannot add tags of its choosing.
    statements.push({
      Sid: "TagSessionFromEksPodIdentity",
      Effect: "Allow",
      Principal: principal,
      Action: "sts:TagSession",
      Condition: {
        ArnLike: callers,
        StringEquals: { "aws:PrincipalOrgID": input.organizationId },
        "ForAllValues:StringEquals": { "aws:TagKeys": [...EKS_POD_IDENTITY_TAG_KEYS] },
      },
    });
  }
  return policyDocument(statements);
}

export type PrivateAccess =
  | { readonly enabled: false }
  | { readonly enabled: true; readonly conditionKey: "aws:VpceAccount"; readonly consumerAccountId: string }
  | { readonly enabled: true; readonly conditionKey: "aws:SourceVpce"; readonly vpcEndpointIds: readonly string[] };

export interface SharedRolePermissionsInput {
  /** Exact model version ARNs granted to this environment. */
  readonly grantedVersionArns: readonly string[];
  readonly privateAccess: PrivateAccess;
}

function privateAccessValues(access: Extract<PrivateAccess, { enabled: true }>): string | string[] {
  return access.conditionKey === "aws:VpceAccount" ? access.consumerAccountId : uniqueSorted(access.vpcEndpointIds);
}

/**
 * Permissions of an environment's shared role: DetectCustomLabels on exactly the granted versions (a
 * `project/NAME/*` pattern would also match every future version). With private access on, the Allow requires
 * the consumer's VPC endpoint and a Deny backs it up, so a later, broader policy on the role cannot reopen the
 * public path. The Deny uses StringNotEquals without IfExists: a request without the key is denied.
 * With nothing granted the policy denies everything: an environment may exist before its first grant.
 */
export function sharedRolePermissionsPolicy(input: SharedRolePermissionsInput): PolicyDocument {
  const granted = uniqueSorted(input.grantedVersionArns);
  const statements: Statement[] = [];
  if (granted.length === 0) {
    statements.push({ Sid: "NothingGrantedYet", Effect: "Deny", Action: DETECT_ACTION, Resource: "*" });
    return policyDocument(statements);
  }
  const access = input.privateAccess;
  statements.push({
    Sid: "DetectOnGrantedVersions",
    Effect: "Allow",
    Action: DETECT_ACTION,
    Resource: granted,
    ...(access.enabled ? { Condition: { StringEquals: { [access.conditionKey]: privateAccessValues(access) } } } : {}),
  });
  if (access.enabled) {
    statements.push({
      Sid: "DenyOutsideConsumerEndpoints",
      Effect: "Deny",
      Action: DETECT_ACTION,
      Resource: granted,
      Condition: { StringNotEquals: { [access.conditionKey]: privateAccessValues(access) } },
    });
  }
  return policyDocument(statements);
}
