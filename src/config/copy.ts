import { z } from "zod";
import { parseProjectVersionArn } from "../arn";
import { duplicates } from "./lists";
import { ConfigProblem } from "./problems";
import { NAMESPACE_MODELSHARE } from "./raw";

/**
 * Copy mode (issue 14): a consumer environment whose ML entry says `sharing: copy` calls a copy of the model version
 * in its own account instead of the ML account's version through a shared role. CopyProjectVersion copies a version
 * from a project of another account of the SAME region into a project of the caller's account, with an S3 output
 * location and an optional KMS key (Rekognition API Reference, CopyProjectVersion; Custom Labels guide, "Copying a
 * model (SDK)"). The consumer stack's `modelshare:copy` block names what the copy needs there.
 */

/** `modelshare:consumers.<env>.sharing` in the ML stack's config. */
export const SHARING_MODES = ["share", "copy"] as const;
export type SharingMode = (typeof SHARING_MODES)[number];

/** CreateProject's ProjectName: 1-255 of [a-zA-Z0-9_.-] (Rekognition API Reference, CreateProject). */
export const REKOGNITION_PROJECT_NAME = /^[a-zA-Z0-9_.-]{1,255}$/;

/**
 * S3's bucket naming rules (Amazon S3 User Guide, "General purpose bucket naming rules"): 3-63 lowercase letters,
 * digits, '.' and '-', starting and ending with a letter or digit, no "..", not an IP address, none of the prefixes
 * and suffixes S3 reserves.
 */
function bucketNameProblem(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return "must be an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent periods (S3 bucket naming rules)";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "must not be formatted as an IP address (S3 bucket naming rules)";
  const reservedPrefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => name.startsWith(p));
  if (reservedPrefix) return `must not start with "${reservedPrefix}", which S3 reserves`;
  const reservedSuffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((s) => name.endsWith(s));
  if (reservedSuffix) return `must not end with "${reservedSuffix}", which S3 reserves`;
  return undefined;
}

const versionArn = z.string().superRefine((value, ctx) => {
  const parsed = parseProjectVersionArn(value);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `not a Rekognition project version ARN: ${parsed}`, input: value });
});

/** One version this environment holds a copy of: the ML account's version and its copy in this account. */
const copiedVersionSchema = z.strictObject({
  /** The ML account's version that was copied (what the ML stack grants and `modelVersionArn` names). */
  source: versionArn,
  /** The copy in this account's destination project (CopyProjectVersion's ProjectVersionArn; written by promotion). */
  copy: versionArn,
});
export type CopiedVersion = z.infer<typeof copiedVersionSchema>;

export const copySchema = z.strictObject({
  /** The destination project in this account, which the consumer stack creates (CreateProject's ProjectName rules). */
  projectName: z.string().regex(REKOGNITION_PROJECT_NAME, "must be 1-255 characters of a-z A-Z 0-9 _ . - (Rekognition's CreateProject ProjectName)"),
  /** The bucket the consumer stack creates for CopyProjectVersion's OutputConfig (required: the copy writes there). */
  outputBucketName: z.string().superRefine((value, ctx) => {
    const problem = bucketNameProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: value });
  }),
  /** OutputConfig.S3KeyPrefix. */
  outputPrefix: z
    .string()
    .regex(/^[A-Za-z0-9!_.()'\/-]{1,1024}$/, "must be 1-1024 characters of letters, digits and !_.()'/- (no wildcards)")
    .default("modelshare-copies/"),
  /** Create a customer managed KMS key for the output bucket and CopyProjectVersion's KmsKeyId. @default false (S3-managed keys) */
  createKmsKey: z.boolean().default(false),
  /** Or use this existing key (in this account and region). */
  kmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[0-9a-f-]{36}$/, "must be a KMS key ARN like arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias, not a wildcard)")
    .optional(),
  /**
   * After a promotion away from a version, delete this environment's copy of it (DeleteProjectVersion, once stopped)
   * and remove it from `versions`. @default false (the stopped copy stays: a rollback starts it again without copying)
   */
  deleteOldCopies: z.boolean().default(false),
  /** The copies this environment holds (promotion adds one per copied version); the application may call exactly these. */
  versions: z.array(copiedVersionSchema).default([]),
});
export type CopyConfig = z.infer<typeof copySchema>;

/** What the copy checks read of a consumer config. */
export interface CopyCheckInput {
  readonly region: string;
  readonly partition: string;
  readonly accountId: string;
  readonly modelVersionArn: string;
  readonly deployRoleArn?: string;
  readonly copy?: CopyConfig;
}

/** A copy environment's checks that need more than one key: every problem names the key. */
export function copyProblems(config: CopyCheckInput): ConfigProblem[] {
  const copy = config.copy;
  if (copy === undefined) return [];
  const key = (path: string) => `${NAMESPACE_MODELSHARE}:${path}`;
  const problems: ConfigProblem[] = [];
  const source = parseProjectVersionArn(config.modelVersionArn);
  if (typeof source === "object" && source.region !== config.region) {
    problems.push({ key: "aws:region", value: config.region, message: `differs from the model's region ${source.region} (modelVersionArn): CopyProjectVersion copies only between accounts of the same region; deploy this copy environment in ${source.region}` });
  }
  if (copy.createKmsKey && copy.kmsKeyArn !== undefined) {
    problems.push({ key: key("copy.kmsKeyArn"), value: copy.kmsKeyArn, message: "and copy.createKmsKey: true are exclusive: use an existing key or create one, not both" });
  }
  if (copy.kmsKeyArn !== undefined) {
    const [, partition, , region, account] = copy.kmsKeyArn.split(":");
    if (partition !== config.partition || region !== config.region || account !== config.accountId) {
      problems.push({ key: key("copy.kmsKeyArn"), value: copy.kmsKeyArn, message: `must be a key of this account (${config.accountId}) in this region (${config.region}): the copy's output is written here` });
    }
  }
  if (config.deployRoleArn === undefined) {
    problems.push({ key: key("deployRoleArn"), message: "is required in copy mode: promotion copies, starts and stops the copy in this account as this role, the one principal the consumer guardrail lets do so" });
  }
  copy.versions.forEach((entry, i) => {
    const copied = parseProjectVersionArn(entry.copy);
    if (typeof copied === "object") {
      const where: string[] = [];
      if (copied.accountId !== config.accountId) where.push(`account ${copied.accountId} (this stack's account is ${config.accountId})`);
      if (copied.region !== config.region) where.push(`region ${copied.region} (aws:region is ${config.region})`);
      if (copied.projectName !== copy.projectName) where.push(`project ${copied.projectName} (copy.projectName is ${copy.projectName})`);
      if (where.length > 0) problems.push({ key: key(`copy.versions[${i}].copy`), value: entry.copy, message: `must be a version of this environment's destination project; it is in ${where.join(", ")}` });
    }
    const copiedFrom = parseProjectVersionArn(entry.source);
    if (typeof copiedFrom === "object" && copiedFrom.accountId === config.accountId) {
      problems.push({ key: key(`copy.versions[${i}].source`), value: entry.source, message: "belongs to this consumer account; it must be the ML account's version that was copied" });
    }
  });
  for (const i of duplicates(copy.versions, (v) => v.source)) problems.push({ key: key(`copy.versions[${i}].source`), value: copy.versions[i].source, message: "is listed twice; each ML version has one copy here" });
  for (const i of duplicates(copy.versions, (v) => v.copy)) problems.push({ key: key(`copy.versions[${i}].copy`), value: copy.versions[i].copy, message: "is listed twice" });
  return problems;
}

/** The copy in this environment of `sourceVersionArn`, if it holds one. */
export function copyOf(copy: { readonly versions: readonly CopiedVersion[] } | undefined, sourceVersionArn: string): string | undefined {
  return copy?.versions.find((v) => v.source === sourceVersionArn)?.copy;
}

/**
 * What the model-version-arn parameter says before the first copy exists: a copy environment's stack is deployed
 * (destination project, bucket) before promotion can copy into it. ModelClient reads it as "nothing to call yet"
 * (NotCopiedYetError): the value is part of the parameter contract, so it lives in `@modelshare/client/contract`.
 */
export { NOT_COPIED_YET } from "@modelshare/client/contract";
