/**
 * The request context AWS builds for a matrix request: which global and STS condition keys are present, and when.
 * iam-simulate evaluates only the keys it is given (it derives none of these), so every key is set here the way the
 * IAM user guide's "AWS global condition context keys" page describes its availability, and a key AWS would not
 * set is left out: a Deny without IfExists must meet the absent key, an Allow with IfExists must not be fooled.
 * docs/synth.md lists each key with the rule and the page that states it.
 */

/** Who makes the request. */
export type ContextPrincipal =
  | {
      readonly type: "role-session";
      /** The role's ARN with its path (aws:PrincipalArn is the role, never the session). */
      readonly roleArn: string;
      readonly account: string;
      /** Undefined: the account belongs to no organization, so aws:PrincipalOrgID is absent. */
      readonly organizationId?: string;
      /** The role's IAM tags and the session's tags (including transitive ones it inherited). */
      readonly principalTags?: Readonly<Record<string, string>>;
    }
  | { readonly type: "account-root"; readonly partition: string; readonly account: string; readonly organizationId?: string }
  | { readonly type: "anonymous" };

/** Where the request enters AWS. */
export type ContextNetwork =
  | { readonly type: "public" }
  | {
      readonly type: "vpc-endpoint";
      readonly endpointId: string;
      /** The account that owns the endpoint. */
      readonly endpointAccount: string;
      readonly vpcId?: string;
      readonly region: string;
      readonly partition: string;
    };

export interface ContextRequest {
  readonly action: string;
  readonly region: string;
  /** sts:AssumeRole / sts:TagSession: the session name the caller asks for. */
  readonly roleSessionName?: string;
  /** sts:ExternalId, only when the caller passes one. */
  readonly externalId?: string;
  /** Tags passed with the request (session tags, including transitive ones carried into a chained AssumeRole). */
  readonly requestTags?: Readonly<Record<string, string>>;
  /** The tags of the resource acted on: services that support aws:ResourceTag set it from them. */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** Keys the service sets for this request (e.g. dynamodb:LeadingKeys: the item's partition key). */
  readonly serviceKeys?: Readonly<Record<string, string | readonly string[]>>;
}

/** A public address for calls that do not come through a VPC endpoint (documentation range, RFC 5737). */
export const PUBLIC_SOURCE_IP = "203.0.113.10";

/**
 * Services whose requests carry aws:VpceAccount and aws:SourceVpcArn when they come through an endpoint (the lists
 * under both keys on the IAM page). STS and SSM are not on them: a call through their endpoints carries
 * aws:SourceVpce and aws:SourceVpc only.
 */
export const VPCE_ACCOUNT_SERVICES: ReadonlySet<string> = new Set([
  "acm-pca", "applicationinsights", "apprunner", "athena", "cloudformation", "comprehendmedical", "compute-optimizer",
  "datasync", "discovery", "dynamodb", "ebs", "ecr", "ecs", "firehose", "gamelift", "healthlake", "iam", "iotfleetwise",
  "iotwireless", "kinesisanalytics", "kms", "lambda", "medical-imaging", "omics", "payment-cryptography", "polly", "rbin",
  "rekognition", "route53", "s3", "scheduler", "servicediscovery", "servicequotas", "shield", "ssm-contacts",
  "storagegateway", "textract", "transcribe", "transfer",
]);

function serviceOf(action: string): string {
  return action.slice(0, action.indexOf(":")).toLowerCase();
}

function principalKeys(principal: ContextPrincipal): Record<string, string> {
  if (principal.type === "anonymous") {
    // aws:PrincipalAccount and aws:PrincipalType are present for every request, anonymous ones included.
    return { "aws:PrincipalAccount": "anonymous", "aws:PrincipalType": "Anonymous" };
  }
  const arn = principal.type === "role-session" ? principal.roleArn : `arn:${principal.partition}:iam::${principal.account}:root`;
  const keys: Record<string, string> = {
    "aws:PrincipalArn": arn,
    "aws:PrincipalAccount": principal.account,
    "aws:PrincipalType": principal.type === "role-session" ? "AssumedRole" : "Account",
    // Signed requests only: false for any IAM principal, true only for a service principal acting directly.
    "aws:PrincipalIsAWSService": "false",
  };
  if (principal.organizationId !== undefined) keys["aws:PrincipalOrgID"] = principal.organizationId;
  if (principal.type === "role-session") {
    for (const [key, value] of Object.entries(principal.principalTags ?? {})) keys[`aws:PrincipalTag/${key}`] = value;
  }
  return keys;
}

function networkKeys(network: ContextNetwork, action: string): Record<string, string> {
  if (network.type === "public") return { "aws:SourceIp": PUBLIC_SOURCE_IP };
  // aws:SourceIp is absent through an endpoint; aws:SourceVpce and aws:SourceVpc are present for every service.
  const keys: Record<string, string> = { "aws:SourceVpce": network.endpointId };
  if (network.vpcId !== undefined) keys["aws:SourceVpc"] = network.vpcId;
  if (VPCE_ACCOUNT_SERVICES.has(serviceOf(action))) {
    keys["aws:VpceAccount"] = network.endpointAccount;
    if (network.vpcId !== undefined) keys["aws:SourceVpcArn"] = `arn:${network.partition}:ec2:${network.region}:${network.endpointAccount}:vpc/${network.vpcId}`;
  }
  return keys;
}

function requestKeys(request: ContextRequest): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {
    "aws:SecureTransport": "true",
    "aws:RequestedRegion": request.region,
    // A direct call, not one a service makes on the caller's behalf (forward access session).
    "aws:ViaAWSService": "false",
  };
  const sts = serviceOf(request.action) === "sts";
  if (sts && request.roleSessionName !== undefined) keys["sts:RoleSessionName"] = request.roleSessionName;
  if (sts && request.externalId !== undefined) keys["sts:ExternalId"] = request.externalId;
  const tags = Object.entries(request.requestTags ?? {});
  if (tags.length > 0) {
    for (const [key, value] of tags) keys[`aws:RequestTag/${key}`] = value;
    keys["aws:TagKeys"] = tags.map(([key]) => key);
  }
  for (const [key, value] of Object.entries(request.resourceTags ?? {})) keys[`aws:ResourceTag/${key}`] = value;
  for (const [key, value] of Object.entries(request.serviceKeys ?? {})) keys[key] = typeof value === "string" ? value : [...value];
  return keys;
}

/** The context keys of one request, as AWS would populate them. */
export function requestContext(principal: ContextPrincipal, network: ContextNetwork, request: ContextRequest): Record<string, string | string[]> {
  return { ...principalKeys(principal), ...networkKeys(network, request.action), ...requestKeys(request) };
}
