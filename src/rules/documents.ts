import { DATA_LAKE_SID_ROOT } from "../policies/dataLake";

/**
 * The policy documents a resource carries, parsed from the JSON strings the provider receives. Rules, the access
 * matrix and the CrossGuard pack read documents only through here, so all of them see the same statements.
 */

/** What a policy document is used as: decides which quota applies and which checks make sense. */
export type DocumentKind = "trust" | "inline" | "managed" | "scp" | "endpoint" | "bucket" | "project";

/** A statement as found in a parsed document: IAM allows single values where arrays are also accepted. */
export interface StatementJson {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyJson {
  readonly Version?: string;
  readonly Statement?: StatementJson | readonly StatementJson[];
}

export interface ParsedDocument {
  /** Input field that holds the document, e.g. `assumeRolePolicy`. */
  readonly field: string;
  readonly kind: DocumentKind;
  /** The parsed document, or undefined when `error` says why it could not be read. */
  readonly document?: PolicyJson;
  readonly error?: string;
}

/** A resource as the rules see it: the synthesized view in synth, the engine's view in CrossGuard. */
export interface CheckedResource {
  /** Stack the resource belongs to, when known (synth); CrossGuard checks one stack at a time. */
  readonly stack?: string;
  readonly type: string;
  readonly name: string;
  /** Type token of the parent component, e.g. `modelshare:index:SharedModelRole`. */
  readonly parentType?: string;
  readonly inputs: Record<string, unknown>;
  /** Account and region the resource is deployed to, when known (synth; not CrossGuard). */
  readonly account?: string;
  readonly region?: string;
}

export const TYPES = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  managedPolicy: "aws:iam/policy:Policy",
  organizationsPolicy: "aws:organizations/policy:Policy",
  policyAttachment: "aws:organizations/policyAttachment:PolicyAttachment",
  vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  vpc: "aws:ec2/vpc:Vpc",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  legacySecurityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  sharedModelRole: "modelshare:index:SharedModelRole",
  analyzer: "aws:accessanalyzer/analyzer:Analyzer",
  archiveRule: "aws:accessanalyzer/archiveRule:ArchiveRule",
  configRule: "aws:cfg/rule:Rule",
  configRecorder: "aws:cfg/recorder:Recorder",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  dynamoTable: "aws:dynamodb/table:Table",
  lambdaFunction: "aws:lambda/function:Function",
  lambdaPermission: "aws:lambda/permission:Permission",
} as const;

/** Where each resource type keeps its policy documents. */
const DOCUMENT_FIELDS: Record<string, readonly { field: string; kind: DocumentKind }[]> = {
  [TYPES.role]: [{ field: "assumeRolePolicy", kind: "trust" }],
  [TYPES.rolePolicy]: [{ field: "policy", kind: "inline" }],
  [TYPES.managedPolicy]: [{ field: "policy", kind: "managed" }],
  [TYPES.organizationsPolicy]: [{ field: "content", kind: "scp" }],
  [TYPES.vpcEndpoint]: [{ field: "policy", kind: "endpoint" }],
  [TYPES.bucketPolicy]: [{ field: "policy", kind: "bucket" }],
};

/**
 * A data-lake bucket policy in merge mode holds the bucket owner's statements too; the rules judge only
 * modelshare's (their Sids start with DATA_LAKE_SID_ROOT), since the owner's are neither ours to judge nor to fix.
 */
function modelshareStatementsOnly(document: PolicyJson): PolicyJson {
  const statements = statementsOf(document).filter((s) => typeof s.Sid === "string" && s.Sid.startsWith(DATA_LAKE_SID_ROOT));
  return { ...document, Statement: statements };
}

/** One parse per input string: the same resource is read by every rule and by the matrix. */
const parseCache = new WeakMap<Record<string, unknown>, ParsedDocument[]>();

/**
 * The policy documents of a resource. Documents given as objects are taken as they are; a missing or unknown
 * value (an Output not yet known during `pulumi preview`) yields no document; text that is not a JSON object
 * yields an `error`. Organizations policies other than SCPs are skipped: their syntax is not IAM's.
 */
export function documentsOf(resource: Pick<CheckedResource, "type" | "inputs">): readonly ParsedDocument[] {
  const cached = parseCache.get(resource.inputs);
  if (cached) return cached;
  const parsed: ParsedDocument[] = [];
  for (const { field, kind } of DOCUMENT_FIELDS[resource.type] ?? []) {
    if (kind === "scp" && resource.inputs.type !== undefined && resource.inputs.type !== "SERVICE_CONTROL_POLICY") continue;
    const value = resource.inputs[field];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value === "object") {
      parsed.push({ field, kind, document: value as PolicyJson });
      continue;
    }
    if (typeof value !== "string") continue;
    try {
      const document = JSON.parse(value) as unknown;
      if (document === null || typeof document !== "object" || Array.isArray(document)) {
        parsed.push({ field, kind, error: "is not a JSON object" });
      } else {
        parsed.push({ field, kind, document: kind === "bucket" ? modelshareStatementsOnly(document as PolicyJson) : (document as PolicyJson) });
      }
    } catch (error) {
      parsed.push({ field, kind, error: `is not valid JSON (${(error as Error).message})` });
    }
  }
  parseCache.set(resource.inputs, parsed);
  return parsed;
}

export function statementsOf(document: PolicyJson): readonly StatementJson[] {
  const statements = document.Statement;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? statements : [statements as StatementJson];
}

export function listOf(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

/** The AWS principals named by a statement (`Principal.AWS`), or ["*"] for `Principal: "*"`. */
export function awsPrincipalsOf(statement: StatementJson): readonly string[] {
  const principal = statement.Principal;
  if (principal === "*") return ["*"];
  if (principal && typeof principal === "object" && "AWS" in principal) {
    return listOf((principal as { AWS: string | readonly string[] }).AWS);
  }
  return [];
}

/** `stack/type::name`: how findings and matrix notes name a resource. */
export function resourceLabel(resource: Pick<CheckedResource, "stack" | "type" | "name">): string {
  return `${resource.stack !== undefined ? `${resource.stack}/` : ""}${resource.type}::${resource.name}`;
}

/**
 * The parts of a `stack/type::name` label (resourceLabel's output). Stack names hold no `/` and type tokens no `::`,
 * so the first of each separates the parts; a name may hold either.
 */
export function parseResourceLabel(label: string): { readonly stack?: string; readonly type: string; readonly name: string } | undefined {
  const separator = label.indexOf("::");
  if (separator < 0) return undefined;
  const head = label.slice(0, separator);
  const name = label.slice(separator + 2);
  const slash = head.indexOf("/");
  // A type token's own `/` (aws:iam/role:Role) comes after a `:`; a stack prefix has none before its `/`.
  if (slash >= 0 && !head.slice(0, slash).includes(":")) return { stack: head.slice(0, slash), type: head.slice(slash + 1), name };
  return { type: head, name };
}

/** The condition values of `key` under `operator`, case-insensitively on the key as IAM does. */
export function conditionValues(statement: StatementJson, operator: string, key: string): readonly string[] | undefined {
  const block = statement.Condition?.[operator];
  if (!block) return undefined;
  const found = Object.keys(block).find((k) => k.toLowerCase() === key.toLowerCase());
  if (found === undefined) return undefined;
  const value = block[found];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Every condition key a statement tests, under any operator. */
export function conditionKeysOf(statement: StatementJson): readonly string[] {
  return Object.values(statement.Condition ?? {}).flatMap((block) => (block && typeof block === "object" ? Object.keys(block) : []));
}

/** An IAM wildcard pattern (`*`, `?`) as a case-insensitive regular expression. */
export function globPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
}
