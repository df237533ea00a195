import type { FindingShape } from "./archiveRules";

/**
 * The finding Access Analyzer would report if a resource's policy granted a request: which resource (a bucket for
 * any of its objects), of which type and owner, to which principal (account, and the role ARN the policy's
 * aws:PrincipalArn condition names) in which organization, public or not. Only resource types modelshare archives
 * (IAM roles, S3 buckets) and AWS principals: a service principal has no principal.AWS to filter on.
 */

/** The request part of a matrix case's simulation (iam-simulate's input). */
export interface SimulatedRequest {
  readonly principal: string | { readonly type: string };
  readonly resource: { readonly resource: string; readonly accountId: string };
  readonly contextVariables: Readonly<Record<string, string | readonly string[]>>;
}

export interface FindingOfRequest {
  /** `principal ARN (organization) -> resource`: what an archive rule can tell apart (it has no key for the action). */
  readonly pair: string;
  readonly resource: string;
  readonly principalAccount?: string;
  readonly finding: FindingShape;
}

function one(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" ? value : value?.[0];
}

export function findingOfRequest(request: SimulatedRequest): FindingOfRequest | undefined {
  const arn = request.resource.resource;
  let resource: string;
  let resourceType: string;
  const bucket = /^(arn:[^:]+:s3:::[^/]+)(\/.*)?$/.exec(arn);
  if (/^arn:[^:]+:iam::\d{12}:role\//.test(arn)) {
    resource = arn;
    resourceType = "AWS::IAM::Role";
  } else if (bucket) {
    resource = bucket[1];
    resourceType = "AWS::S3::Bucket";
  } else {
    return undefined;
  }
  const base = { resource: [resource], resourceType: [resourceType], resourceOwnerAccount: [request.resource.accountId] };
  if (typeof request.principal !== "string") return { pair: `anonymous -> ${resource}`, resource, finding: { ...base, isPublic: ["true"] } };
  const context = request.contextVariables;
  const principalArn = one(context["aws:PrincipalArn"]);
  const account = one(context["aws:PrincipalAccount"]);
  if (principalArn === undefined || account === undefined || !/^\d{12}$/.test(account)) return undefined;
  const orgId = one(context["aws:PrincipalOrgID"]);
  return {
    pair: `${principalArn} (${orgId ?? "no organization"}) -> ${resource}`,
    resource,
    principalAccount: account,
    finding: {
      ...base,
      isPublic: ["false"],
      "principal.AWS": [account, principalArn],
      "condition.aws:PrincipalArn": [principalArn],
      ...(orgId !== undefined ? { "condition.aws:PrincipalOrgID": [orgId] } : {}),
    },
  };
}
