import { accountRootArn } from "../arn";
import { Condition, PolicyDocument, policyDocument, Statement } from "./document";

/**
 * The data-lake grant: what the bucket owner adds to the training bucket's policy so the ML account can train.
 *
 * Training through the SDK reads the bucket with the caller's own S3 permissions (Custom Labels guide, "Set up SDK
 * permissions", section "Policy updates for using the AWS SDK": Rekognition no longer needs access of its own to
 * the bucket). So the grant names the ML account's training principal; the console-era grant to the
 * `rekognition.amazonaws.com` service principal is an opt-in. A bucket has one policy, owned by the data-lake
 * team: modelshare never replaces it. Its statements carry Sids of their own (dataLakeSids), so they can be found,
 * checked and merged without touching anyone else's.
 */

export const REKOGNITION_SERVICE = "rekognition.amazonaws.com";

export interface DataLakeGrantInput {
  readonly partition: string;
  readonly bucketName: string;
  /** Prefix the training data is read from, e.g. `training/` (no wildcard; validated by the schema). */
  readonly trainingPrefix: string;
  /** Prefix training output is written to; none: no write. */
  readonly outputPrefix?: string;
  readonly mlAccountId: string;
  /** The model's project name: it makes this installation's Sids differ from another model's on the same bucket. */
  readonly projectName: string;
  /** Role in the ML account that trains (creates project versions); the grant is to it alone. */
  readonly trainingPrincipalArn: string;
  /** Also grant Rekognition's service principal (the console-era model). */
  readonly rekognitionServicePrincipal: boolean;
  /** aws:SourceAccount = the ML account on the service principal's statements (confused-deputy protection). */
  readonly requireSourceAccount: boolean;
  /**
   * ArnLike aws:SourceArn = a resource of the shared project on the service principal's statements: without it any
   * ML-account principal's training or dataset job reads the training prefix through Rekognition, not only the
   * training principal's (Rekognition guide, "Cross-service confused deputy prevention",
   * https://docs.aws.amazon.com/rekognition/latest/dg/cross-service-confused-deputy-prevention.html). @default true
   */
  readonly requireSourceArn?: boolean;
  /** The ML stack's region, for the project ARN aws:SourceArn names (`*` when omitted). */
  readonly region?: string;
}

/** The Sid suffixes modelshare uses in a bucket policy. */
const SID_SUFFIXES = ["TrainingList", "TrainingRead", "OutputWrite", "ServiceBucket", "ServiceRead", "ServiceWrite"] as const;
type SidSuffix = (typeof SID_SUFFIXES)[number];

/** Every Sid modelshare's statements of any installation start with. */
export const DATA_LAKE_SID_ROOT = "Modelshare";

/** This installation's Sid prefix: Sids allow only letters and digits, so the project name is reduced to those. */
export function dataLakeSidPrefix(projectName: string): string {
  return `${DATA_LAKE_SID_ROOT}${projectName.replace(/[^A-Za-z0-9]/g, "")}`;
}

/** Every Sid this installation may have written (the opt-in ones included), so a merge drops stale ones too. */
export function dataLakeSids(projectName: string): readonly string[] {
  const prefix = dataLakeSidPrefix(projectName);
  return SID_SUFFIXES.map((suffix) => `${prefix}${suffix}`);
}

function sid(input: DataLakeGrantInput, suffix: SidSuffix): string {
  return `${dataLakeSidPrefix(input.projectName)}${suffix}`;
}

function bucketArn(input: DataLakeGrantInput): string {
  return `arn:${input.partition}:s3:::${input.bucketName}`;
}

/** The training principal's S3 rights, as [sid suffix, statement without principal] pairs (shared by both documents). */
function trainingRights(input: DataLakeGrantInput): [SidSuffix, Omit<Statement, "Principal" | "Sid">][] {
  const bucket = bucketArn(input);
  const overTls = { Bool: { "aws:SecureTransport": "true" } } as const;
  const rights: [SidSuffix, Omit<Statement, "Principal" | "Sid">][] = [
    ["TrainingList", { Effect: "Allow", Action: "s3:ListBucket", Resource: bucket, Condition: { ...overTls, StringLike: { "s3:prefix": `${input.trainingPrefix}*` } } }],
    ["TrainingRead", { Effect: "Allow", Action: "s3:GetObject", Resource: `${bucket}/${input.trainingPrefix}*`, Condition: overTls }],
  ];
  if (input.outputPrefix !== undefined) {
    rights.push([
      "OutputWrite",
      { Effect: "Allow", Action: "s3:PutObject", Resource: `${bucket}/${input.outputPrefix}*`, Condition: { ...overTls, StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } } },
    ]);
  }
  return rights;
}

/**
 * The statements the bucket owner adds to the bucket policy. The principal is the ML account's root narrowed by
 * aws:PrincipalArn: a role ARN as principal would need the role to exist and would break silently when it is
 * recreated (IAM stores its unique id), as for the shared roles' trust.
 */
export function dataLakeStatements(input: DataLakeGrantInput): Statement[] {
  const principal = { AWS: accountRootArn(input.partition, input.mlAccountId) };
  const statements: Statement[] = trainingRights(input).map(([suffix, right]) => ({
    Sid: sid(input, suffix),
    Principal: principal,
    ...right,
    Condition: { ...right.Condition, ArnEquals: { "aws:PrincipalArn": input.trainingPrincipalArn } },
  }));
  if (input.rekognitionServicePrincipal) statements.push(...serviceStatements(input));
  return statements;
}

/**
 * The console-era grant to Rekognition itself (Custom Labels guide, "Amazon S3 bucket permissions"), opt-in. Whether
 * Rekognition sets aws:SourceAccount when reading training data is not documented, so the condition is configurable.
 */
function serviceStatements(input: DataLakeGrantInput): Statement[] {
  const bucket = bucketArn(input);
  const principal = { Service: REKOGNITION_SERVICE };
  const sourceArn = `arn:${input.partition}:rekognition:${input.region ?? "*"}:${input.mlAccountId}:project/${input.projectName}/*`;
  const condition = (stringEquals: Record<string, string> = {}): { Condition?: Condition } => {
    const merged = { ...stringEquals, ...(input.requireSourceAccount ? { "aws:SourceAccount": input.mlAccountId } : {}) };
    const arnLike = input.requireSourceArn !== false ? { ArnLike: { "aws:SourceArn": sourceArn } } : {};
    const result: Condition = { ...(Object.keys(merged).length > 0 ? { StringEquals: merged } : {}), ...arnLike };
    return Object.keys(result).length > 0 ? { Condition: result } : {};
  };
  const statements: Statement[] = [
    { Sid: sid(input, "ServiceBucket"), Effect: "Allow", Principal: principal, Action: ["s3:GetBucketAcl", "s3:GetBucketLocation"], Resource: bucket, ...condition() },
    {
      Sid: sid(input, "ServiceRead"),
      Effect: "Allow",
      Principal: principal,
      Action: ["s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectTagging", "s3:GetObjectVersion"],
      Resource: `${bucket}/${input.trainingPrefix}*`,
      ...condition(),
    },
  ];
  if (input.outputPrefix !== undefined) {
    statements.push({
      Sid: sid(input, "ServiceWrite"),
      Effect: "Allow",
      Principal: principal,
      Action: "s3:PutObject",
      Resource: `${bucket}/${input.outputPrefix}*`,
      ...condition({ "s3:x-amz-acl": "bucket-owner-full-control" }),
    });
  }
  return statements;
}

/**
 * The identity policy the training principal needs in the ML account for the same rights: cross-account S3 access
 * needs both the bucket policy and the caller's own policy to allow it.
 */
export function trainingPrincipalPolicy(input: DataLakeGrantInput): PolicyDocument {
  return policyDocument(trainingRights(input).map(([suffix, right]) => ({ Sid: sid(input, suffix), ...right })));
}

// ---------------------------------------------------------------------------------------------------------------
// Merge mode

/** A bucket policy as S3 returns it: anyone's statements, in any of IAM's shapes. */
export interface BucketPolicyJson {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: readonly unknown[];
}

/** A policy's statements as a list (IAM allows a single statement object). */
function statementList(policy: { readonly Statement?: unknown }): unknown[] {
  const statements = policy.Statement;
  if (statements === undefined) return [];
  return Array.isArray(statements) ? statements : [statements];
}

function sidOf(statement: unknown): string | undefined {
  const value = statement !== null && typeof statement === "object" ? (statement as { Sid?: unknown }).Sid : undefined;
  return typeof value === "string" ? value : undefined;
}

/** Parses a bucket policy's JSON text, or says why it is not one. */
export function parseBucketPolicy(text: string): BucketPolicyJson | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `is not valid JSON (${(error as Error).message})`;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return "is not a JSON object";
  const policy = parsed as { Version?: unknown; Id?: unknown; Statement?: unknown };
  if (policy.Statement === undefined) return "has no Statement";
  return {
    ...(typeof policy.Version === "string" ? { Version: policy.Version } : {}),
    ...(typeof policy.Id === "string" ? { Id: policy.Id } : {}),
    Statement: statementList(policy),
  };
}

/**
 * The bucket policy to write in merge mode: every statement of the current policy that is not this installation's
 * (by Sid; statements without a Sid are never ours), then this installation's current statements. Stale statements
 * of ours (an output prefix since removed, the service grant since turned off) are dropped.
 */
export function mergeBucketPolicy(current: BucketPolicyJson | undefined, ours: readonly Statement[], projectName: string): BucketPolicyJson {
  const ourSids = new Set(dataLakeSids(projectName));
  const foreign = (current?.Statement ?? []).filter((statement) => {
    const id = sidOf(statement);
    return id === undefined || !ourSids.has(id);
  });
  return {
    Version: current?.Version ?? "2012-10-17",
    ...(current?.Id !== undefined ? { Id: current.Id } : {}),
    Statement: [...foreign, ...ours],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Statements mode: does the owner's policy contain the grant?

export interface DataLakeCheckResult {
  /** Every required statement is present, unchanged. */
  readonly ok: boolean;
  readonly required: readonly string[];
  /** Required Sids found with the same content. */
  readonly present: readonly string[];
  /** Required Sids not in the policy. */
  readonly missing: readonly string[];
  /** Required Sids in the policy with other content (narrowed or widened): what was expected and what was found. */
  readonly different: readonly { readonly sid: string; readonly expected: unknown; readonly found: unknown }[];
}

/** A canonical form for comparison: IAM treats a single value and a one-element list alike, and lists as sets. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.length === 1 ? items[0] : items.map((item) => JSON.stringify(item)).sort().map((item) => JSON.parse(item) as unknown);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * Checks that a bucket policy contains the required statements, each under its Sid with the same meaning. Pure, for
 * `modelshare data-lake check` and the tests.
 */
export function checkDataLakeStatements(policy: BucketPolicyJson, required: readonly Statement[]): DataLakeCheckResult {
  const bySid = new Map<string, unknown>();
  for (const statement of policy.Statement) {
    const id = sidOf(statement);
    if (id !== undefined) bySid.set(id, statement);
  }
  const present: string[] = [];
  const missing: string[] = [];
  const different: { sid: string; expected: unknown; found: unknown }[] = [];
  for (const statement of required) {
    const id = statement.Sid ?? "";
    const found = bySid.get(id);
    if (found === undefined) missing.push(id);
    else if (JSON.stringify(canonical(found)) === JSON.stringify(canonical(statement))) present.push(id);
    else different.push({ sid: id, expected: statement, found });
  }
  return { ok: missing.length === 0 && different.length === 0, required: required.map((s) => s.Sid ?? ""), present, missing, different };
}
