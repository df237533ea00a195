import { EKS_POD_IDENTITY_TAG_KEYS } from "../policies/sharedRole";

/**
 * The AWS Config custom policy rule (Guard) that keeps every role under the modelshare path in its design: the only
 * inline policy (`detect-granted-versions`) allows nothing but rekognition:DetectCustomLabels on exact version ARNs of
 * the model's project, no managed policy is attached, and the trust admits only its consumer account's root narrowed
 * to exact role ARNs and requires aws:PrincipalOrgID = the organization.
 *
 * How the rule reads the role: AWS Config's configuration item for AWS::IAM::Role carries the trust policy
 * (`configuration.assumeRolePolicyDocument`) and each inline policy (`configuration.rolePolicyList[*].policyDocument`)
 * URL-encoded, as IAM's GetRole and GetAccountAuthorizationDetails return them. Guard 2.x (the only runtime Config
 * offers: PolicyRuntime `guard-2.x.x`, AWS Config API Reference, CustomPolicyDetails) has no URL-decoding function,
 * so each document is matched as a whole against a regular expression of every shape modelshare writes: an
 * allow-list grammar, not a search for bad words. Any other shape (a wildcard, another action, a missing or
 * `IfExists` organization condition, a hand edit that re-formats the JSON) is NON_COMPLIANT: drift either way.
 * PolicyText is limited to 10,000 characters (same page); `guardRuleText` stays well below (a test measures it).
 */

export const GUARD_POLICY_RUNTIME = "guard-2.x.x";
export const GUARD_POLICY_TEXT_MAX = 10_000;
/** The inline policy name SharedModelRole gives its only policy. */
export const SHARED_ROLE_POLICY_NAME = "detect-granted-versions";

export interface GuardRuleInput {
  readonly partition: string;
  readonly region: string;
  readonly mlAccountId: string;
  readonly projectName: string;
  readonly organizationId: string;
  /** IAM path of the roles checked, e.g. `/modelshare/`. */
  readonly rolePath: string;
}

/** A literal as it appears URL-encoded (encodeURIComponent, upper- or lower-case hex), as a regex fragment. */
export function encodedLiteral(text: string): string {
  return encodeURIComponent(text)
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/%([0-9A-F])([0-9A-F])/g, (_, high: string, low: string) => `%${hexClass(high)}${hexClass(low)}`);
}

function hexClass(digit: string): string {
  return /[A-F]/.test(digit) ? `[${digit}${digit.toLowerCase()}]` : digit;
}

/** One or more of `item`, separated by an encoded comma. */
function listOf(item: string): string {
  return `${item}(?:${encodedLiteral(",")}${item})*`;
}

/** A JSON array of one or more `item`s. */
function arrayOf(item: string): string {
  return `${encodedLiteral("[")}${listOf(item)}${encodedLiteral("]")}`;
}

interface Entry {
  readonly key: string;
  /** Regex of the value (already encoded). */
  readonly value: string;
  readonly optional?: boolean;
}

/**
 * A JSON object with these keys in the order the AWS provider sends them: sorted, as Go's encoding/json writes map
 * keys (terraform-provider-aws normalizes every policy with structure.NormalizeJsonString before CreateRole and
 * PutRolePolicy; LegacyPolicyNormalize then moves a policy's "Version" first). Optional keys may be absent.
 */
function objectOf(entries: readonly Entry[], order: "sorted" | "as-given" = "sorted"): string {
  const e = encodedLiteral;
  const sorted = order === "sorted" ? [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : [...entries];
  const firstRequired = sorted.findIndex((entry) => !entry.optional);
  if (firstRequired < 0) throw new Error("an object pattern needs a required key"); // programming error
  const pair = (entry: Entry) => `${e(`"${entry.key}":`)}${entry.value}`;
  const parts = sorted.map((entry, index) => {
    if (index < firstRequired) return `(?:${pair(entry)}${e(",")})?`;
    if (index === firstRequired) return pair(entry);
    return entry.optional ? `(?:${e(",")}${pair(entry)})?` : `${e(",")}${pair(entry)}`;
  });
  return `${e("{")}${parts.join("")}${e("}")}`;
}

/**
 * A whole policy document as the provider sends it: a role policy with "Version" first, a trust with its keys sorted
 * ("Statement" before "Version").
 */
function documentOf(statements: string, kind: "trust" | "role-policy"): string {
  const version = { key: "Version", value: encodedLiteral('"2012-10-17"') };
  const statement = { key: "Statement", value: statements };
  return `^${kind === "role-policy" ? objectOf([version, statement], "as-given") : objectOf([statement, version])}$`;
}

const Q = encodedLiteral('"');
const string = (literal: string) => encodedLiteral(JSON.stringify(literal));
/** Characters of an IAM role name or path segment (`[\w+=,.@-]`), URL-encoded; no wildcard can appear. */
const ROLE_CHARS = `(?:[A-Za-z0-9_.-]|%2[BbCcFf]|%3[Dd]|%40)`;
/** sts:ExternalId characters (`[\w+=,.@:/-]`), URL-encoded. */
const EXTERNAL_ID_CHARS = `(?:[A-Za-z0-9_.-]|%2[BbCcFf]|%3[AaDd]|%40)`;
/** Version and project names: `[a-zA-Z0-9_.-]`, which encodeURIComponent leaves as they are. */
const NAME_CHARS = "[A-Za-z0-9_.-]";

function versionArnPattern(input: GuardRuleInput): string {
  const prefix = encodedLiteral(`arn:${input.partition}:rekognition:${input.region}:${input.mlAccountId}:project/${input.projectName}/version/`);
  return `${Q}${prefix}${NAME_CHARS}+${encodedLiteral("/")}[0-9]+${Q}`;
}

/** The shapes of sharedRolePermissionsPolicy (src/policies/sharedRole.ts). */
export function permissionsPattern(input: GuardRuleInput): string {
  const versions = arrayOf(versionArnPattern(input));
  const networkValues = `(?:${objectOf([{ key: "aws:VpceAccount", value: `${Q}[0-9]{12}${Q}` }])}|${objectOf([{ key: "aws:SourceVpce", value: arrayOf(`${Q}vpce-[0-9a-f]+${Q}`) }])})`;
  const network = (operator: string) => objectOf([{ key: operator, value: networkValues }]);
  const detect = { key: "Action", value: string("rekognition:DetectCustomLabels") };
  const allow = objectOf([detect, { key: "Condition", value: network("StringEquals"), optional: true }, { key: "Effect", value: string("Allow") }, { key: "Resource", value: versions }, { key: "Sid", value: string("DetectOnGrantedVersions") }]);
  const denyOutside = objectOf([detect, { key: "Condition", value: network("StringNotEquals") }, { key: "Effect", value: string("Deny") }, { key: "Resource", value: versions }, { key: "Sid", value: string("DenyOutsideConsumerEndpoints") }]);
  const nothingGranted = objectOf([detect, { key: "Effect", value: string("Deny") }, { key: "Resource", value: string("*") }, { key: "Sid", value: string("NothingGrantedYet") }]);
  const e = encodedLiteral;
  return documentOf(`${e("[")}(?:${nothingGranted}|${allow}(?:${e(",")}${denyOutside})?)${e("]")}`, "role-policy");
}

/** The shapes of sharedRoleTrustPolicy (src/policies/sharedRole.ts). */
export function trustPattern(input: GuardRuleInput): string {
  const root = objectOf([{ key: "AWS", value: `${Q}${encodedLiteral(`arn:${input.partition}:iam::`)}[0-9]{12}${encodedLiteral(":root")}${Q}` }]);
  const roleArn = `${Q}${encodedLiteral(`arn:${input.partition}:iam::`)}[0-9]{12}${encodedLiteral(":role/")}${ROLE_CHARS}+${Q}`;
  const callers = { key: "ArnLike", value: objectOf([{ key: "aws:PrincipalArn", value: arrayOf(roleArn) }]) };
  const organization = { key: "aws:PrincipalOrgID", value: string(input.organizationId) };
  const assume = objectOf([
    { key: "Action", value: string("sts:AssumeRole") },
    { key: "Condition", value: objectOf([callers, { key: "StringEquals", value: objectOf([organization, { key: "sts:ExternalId", value: `${Q}${EXTERNAL_ID_CHARS}+${Q}`, optional: true }]) }]) },
    { key: "Effect", value: string("Allow") },
    { key: "Principal", value: root },
    { key: "Sid", value: string("AssumeFromConsumerApplication") },
  ]);
  const tagKeys = { key: "ForAllValues:StringEquals", value: objectOf([{ key: "aws:TagKeys", value: encodedLiteral(JSON.stringify([...EKS_POD_IDENTITY_TAG_KEYS])) }]) };
  const tagSession = objectOf([
    { key: "Action", value: string("sts:TagSession") },
    { key: "Condition", value: objectOf([callers, tagKeys, { key: "StringEquals", value: objectOf([organization]) }]) },
    { key: "Effect", value: string("Allow") },
    { key: "Principal", value: root },
    { key: "Sid", value: string("TagSessionFromEksPodIdentity") },
  ]);
  const e = encodedLiteral;
  return documentOf(`${e("[")}${assume}(?:${e(",")}${tagSession})?${e("]")}`, "trust");
}

/** The Guard rule text (PolicyText). Regexes contain no `/`: every slash of the documents is URL-encoded. */
export function guardRuleText(input: GuardRuleInput): string {
  const permissions = permissionsPattern(input);
  const trust = trustPattern(input);
  if (permissions.includes("/") || trust.includes("/")) throw new Error("a Guard regex literal cannot hold '/'"); // unreachable: slashes are encoded
  return [
    "# modelshare: every role under the modelshare path keeps its design (generated by src/detective/guard.ts)",
    "rule modelshare_shared_role_design when resourceType == \"AWS::IAM::Role\" {",
    `  when configuration.path == "${input.rolePath}" {`,
    "    configuration.attachedManagedPolicies empty <<a shared role has no managed policy: only its inline policy decides what it may call>>",
    "    configuration.rolePolicyList !empty <<a shared role keeps its one inline policy>>",
    "    configuration.rolePolicyList[*] {",
    `      policyName == "${SHARED_ROLE_POLICY_NAME}" <<a shared role has no other inline policy>>`,
    `      policyDocument == /${permissions}/ <<only rekognition:DetectCustomLabels, only on exact version ARNs of the model's project>>`,
    "    }",
    `    configuration.assumeRolePolicyDocument == /${trust}/ <<the trust admits only exact roles of one account and requires aws:PrincipalOrgID ${input.organizationId}>>`,
    "  }",
    "}",
    "",
  ].join("\n");
}

/**
 * A policy as the AWS provider sends it to IAM (and IAM then returns it): keys sorted at every level, minified
 * (structure.NormalizeJsonString); role policies with "Version" moved first (verify.LegacyPolicyNormalize).
 * terraform-provider-aws, internal/service/iam/role.go (resourceRoleCreate) and role_policy.go (resourceRolePolicyPut).
 */
export function providerNormalizedPolicy(text: string, kind: "trust" | "role-policy"): string {
  const sortKeys = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.keys(value as object).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
    }
    return value;
  };
  const sorted = sortKeys(JSON.parse(text)) as Record<string, unknown>;
  if (kind === "trust" || !("Version" in sorted)) return JSON.stringify(sorted);
  const { Version, ...rest } = sorted;
  return JSON.stringify({ Version, ...rest });
}

/** A role's AWS Config configuration item, as far as the rule reads it: documents URL-encoded, as IAM returns them. */
export interface RoleConfigurationItemInput {
  readonly path: string;
  readonly roleName: string;
  /** Trust policy JSON as IAM stores it (the text the provider sent). */
  readonly trustPolicy: string;
  readonly inlinePolicies: readonly { readonly name: string; readonly document: string }[];
  readonly attachedManagedPolicyArns?: readonly string[];
}

export function roleConfigurationItem(role: RoleConfigurationItemInput): Record<string, unknown> {
  return {
    resourceType: "AWS::IAM::Role",
    configuration: {
      path: role.path,
      roleName: role.roleName,
      assumeRolePolicyDocument: encodeURIComponent(role.trustPolicy),
      rolePolicyList: role.inlinePolicies.map((p) => ({ policyName: p.name, policyDocument: encodeURIComponent(p.document) })),
      attachedManagedPolicies: (role.attachedManagedPolicyArns ?? []).map((arn) => ({ policyArn: arn, policyName: arn.slice(arn.lastIndexOf("/") + 1) })),
    },
  };
}
