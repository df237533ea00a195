import { parse, validate } from "@aws-sdk/util-arn-parser";

/**
 * Parsing of the ARNs the client reads from an environment's parameters (and the stacks read from config). The one
 * implementation: the modelshare Pulumi program imports these from `@modelshare/client/contract`.
 */

/** The parts of a Rekognition Custom Labels project ARN. */
export interface ProjectArn {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly projectName: string;
  readonly creationTimestamp: string;
}

/** The parts of a Rekognition Custom Labels project version (model) ARN. */
export interface ProjectVersionArn extends ProjectArn {
  readonly versionName: string;
}

/** The parts of an IAM role ARN. */
export interface RoleArn {
  readonly arn: string;
  readonly partition: string;
  readonly accountId: string;
  /** Path including leading and trailing slash, "/" when none. */
  readonly path: string;
  readonly roleName: string;
}

// Names allowed by CreateProject / CreateProjectVersion: [a-zA-Z0-9_.\-]{1,255}; timestamps are epoch millis.
const NAME = "[a-zA-Z0-9_.\\-]{1,255}";
const PROJECT_RESOURCE = new RegExp(`^project/(${NAME})/(\\d{10,16})$`);
const VERSION_RESOURCE = new RegExp(`^project/(${NAME})/version/(${NAME})/(\\d{10,16})$`);
const ACCOUNT_ID = /^\d{12}$/;

function parseAws(arn: string, service: string): ReturnType<typeof parse> | string {
  if (!validate(arn)) return "is not an ARN (expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)";
  const parts = parse(arn);
  if (parts.service !== service) return `is an ARN of service "${parts.service}", expected "${service}"`;
  if (!ACCOUNT_ID.test(parts.accountId)) return `has account "${parts.accountId}", expected 12 digits`;
  if (/[*?]/.test(arn)) return "contains a wildcard; an exact ARN is required";
  return parts;
}

/** Parses a project ARN, or returns why it is not one. */
export function parseProjectArn(arn: string): ProjectArn | string {
  const parts = parseAws(arn, "rekognition");
  if (typeof parts === "string") return parts;
  const match = PROJECT_RESOURCE.exec(parts.resource);
  if (!match) return `has resource "${parts.resource}", expected project/NAME/CREATION_TIMESTAMP`;
  const [, projectName = "", creationTimestamp = ""] = match;
  return { arn, partition: parts.partition, region: parts.region, accountId: parts.accountId, projectName, creationTimestamp };
}

/** Parses a project version ARN, or returns why it is not one. */
export function parseProjectVersionArn(arn: string): ProjectVersionArn | string {
  const parts = parseAws(arn, "rekognition");
  if (typeof parts === "string") return parts;
  const match = VERSION_RESOURCE.exec(parts.resource);
  if (!match) {
    return `has resource "${parts.resource}", expected project/NAME/version/VERSION_NAME/CREATION_TIMESTAMP`;
  }
  const [, projectName = "", versionName = "", creationTimestamp = ""] = match;
  return { arn, partition: parts.partition, region: parts.region, accountId: parts.accountId, projectName, versionName, creationTimestamp };
}

/** Parses an IAM role ARN, or returns why it is not one. Wildcards are refused unless `allowWildcard`. */
export function parseRoleArn(arn: string, options: { readonly allowWildcard?: boolean } = {}): RoleArn | string {
  if (!validate(arn)) return "is not an ARN (expected arn:PARTITION:iam::ACCOUNT:role/NAME)";
  const parts = parse(arn);
  if (parts.service !== "iam") return `is an ARN of service "${parts.service}", expected "iam"`;
  if (!ACCOUNT_ID.test(parts.accountId)) return `has account "${parts.accountId}", expected 12 digits`;
  if (parts.region !== "") return `has region "${parts.region}", but IAM ARNs have none`;
  if (!options.allowWildcard && /[*?]/.test(arn)) return "contains a wildcard; an exact role ARN is required";
  const match = /^role(\/(?:[^/]+\/)*)([^/]+)$/.exec(parts.resource);
  if (!match) return `has resource "${parts.resource}", expected role/[PATH/]NAME`;
  const [, path = "/", roleName = ""] = match;
  // IAM's limits (IAM API Reference, CreateRole: RoleName, Path); a wildcard, where allowed, matches names of any form.
  if (!options.allowWildcard || !/[*?]/.test(roleName)) {
    if (roleName.length > 64) return `has the role name "${roleName}" of ${roleName.length} characters; IAM allows at most 64`;
    if (!/^[\w+=,.@-]+$/.test(roleName)) return `has the role name "${roleName}"; IAM role names may contain only letters, digits and +=,.@_-`;
  }
  if (path.length > 512) return `has a path of ${path.length} characters; IAM allows at most 512`;
  if (!/^\/([\x21-\x7E]*\/)?$/.test(path)) return `has the path "${path}"; IAM paths contain only printable ASCII characters without spaces`;
  return { arn, partition: parts.partition, accountId: parts.accountId, path, roleName };
}

/** True when a 12-digit AWS account id. */
export function isAccountId(value: string): boolean {
  return ACCOUNT_ID.test(value);
}
