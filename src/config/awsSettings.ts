import { z } from "zod";
import { isAccountId, parseRoleArn } from "../arn";
import { ConfigProblem, problemsFromZod } from "./problems";
import { didYouMean } from "./suggest";

/**
 * The stack's `aws:*` settings: the configuration of the AWS provider (`@pulumi/aws` ProviderArgs, 7.x). Pulumi
 * hands them only to the default provider; modelshare's stacks create explicit providers (one per account), so the
 * settings are validated here and passed on to every explicit provider by ./awsProvider.
 */

/**
 * Every key of `@pulumi/aws` ProviderArgs (node_modules/@pulumi/aws/provider.d.ts, 7.48). A test compares this list
 * with the installed package, so an upgrade that adds or drops a setting is noticed.
 */
export const AWS_PROVIDER_KEYS = [
  "accessKey",
  "allowedAccountIds",
  "assumeRoleWithWebIdentity",
  "assumeRoles",
  "customCaBundle",
  "defaultTags",
  "ec2MetadataServiceEndpoint",
  "ec2MetadataServiceEndpointMode",
  "endpoints",
  "forbiddenAccountIds",
  "httpProxy",
  "httpsProxy",
  "ignoreTags",
  "insecure",
  "maxRetries",
  "noProxy",
  "profile",
  "region",
  "retryMode",
  "s3UsEast1RegionalEndpoint",
  "s3UsePathStyle",
  "secretKey",
  "sharedConfigFiles",
  "sharedCredentialsFiles",
  "skipCredentialsValidation",
  "skipMetadataApiCheck",
  "skipRegionValidation",
  "skipRequestingAccountId",
  "stsRegion",
  "tagPolicyCompliance",
  "token",
  "tokenBucketRateLimiterCapacity",
  "useDualstackEndpoint",
  "useFipsEndpoint",
  "userAgents",
] as const;

export type AwsProviderKey = (typeof AWS_PROVIDER_KEYS)[number];

/** Settings that are credentials: always handed to providers as Pulumi secrets. */
export const AWS_CREDENTIAL_KEYS: readonly AwsProviderKey[] = ["accessKey", "secretKey", "token"];

/** Tag keys modelshare puts on its resources and reads back (a shared role's owner); users may not set or ignore them. */
export const RESERVED_TAG_PREFIX = "modelshare:";

/** Tags modelshare puts on one resource at most (managed-by, environment, stack); AWS allows 50 per resource. */
export const MODELSHARE_TAGS_PER_RESOURCE = 3;
export const AWS_TAGS_PER_RESOURCE = 50;

// Pulumi hands a program every value as a string: numbers and booleans of the provider config arrive as text.
const flag = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
const count = (min: number, max: number) => {
  const range = `must be a whole number from ${min} to ${max}`;
  return z.preprocess((v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v), z.number().int(range).min(min, range).max(max, range));
};
const text = z.string().min(1, "is empty");
const accountList = z.array(z.string().refine(isAccountId, "must be an AWS account id of exactly 12 digits (a quoted string)"));
const url = z.string().regex(/^https?:\/\/[^\s/]+/, "must be an http:// or https:// URL");
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as us-east-1");
const roleArn = z.string().superRefine((value, ctx) => {
  const parsed = parseRoleArn(value);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `not an exact IAM role ARN: ${parsed}`, input: value });
});
const tagMap = z.record(
  z.string().min(1).max(128, "tag keys are at most 128 characters").regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, "tag keys may contain letters, digits, spaces and _ . : / = + - @"),
  z.string().max(256, "tag values are at most 256 characters"),
);

const assumeRole = z.strictObject({
  roleArn,
  sessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, "must be 2-64 characters: letters, digits and +=,.@-").optional(),
  externalId: z.string().min(2).max(1224).optional(),
  duration: z.string().regex(/^\d+[smh](\d+[smh])*$/, "must be a duration such as 1h or 15m").optional(),
  policy: z.string().optional(),
  policyArns: z.array(z.string()).optional(),
  sourceIdentity: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  transitiveTagKeys: z.array(z.string()).optional(),
});

/** The type each aws:* key must have; every ProviderArgs key is here (region is checked with modelshare's keys). */
const awsSettingsShape = {
  accessKey: text,
  allowedAccountIds: accountList,
  assumeRoleWithWebIdentity: z.strictObject({
    roleArn: roleArn.optional(),
    sessionName: z.string().optional(),
    duration: z.string().optional(),
    policy: z.string().optional(),
    policyArns: z.array(z.string()).optional(),
    webIdentityToken: z.string().optional(),
    webIdentityTokenFile: z.string().optional(),
  }),
  assumeRoles: z.array(assumeRole),
  customCaBundle: text,
  defaultTags: z.strictObject({ tags: tagMap.optional() }),
  ec2MetadataServiceEndpoint: url,
  ec2MetadataServiceEndpointMode: z.enum(["IPv4", "IPv6"]),
  endpoints: z.array(z.record(z.string().regex(/^[a-z0-9]+$/, "must be a service key such as sts or rekognition"), url)),
  forbiddenAccountIds: accountList,
  httpProxy: url,
  httpsProxy: url,
  ignoreTags: z.strictObject({ keys: z.array(z.string()).optional(), keyPrefixes: z.array(z.string()).optional() }),
  insecure: flag,
  maxRetries: count(0, 100),
  noProxy: text,
  profile: text,
  region,
  retryMode: z.enum(["standard", "adaptive"]),
  s3UsEast1RegionalEndpoint: z.enum(["legacy", "regional"]),
  s3UsePathStyle: flag,
  secretKey: text,
  sharedConfigFiles: z.array(text),
  sharedCredentialsFiles: z.array(text),
  skipCredentialsValidation: flag,
  skipMetadataApiCheck: flag,
  skipRegionValidation: flag,
  skipRequestingAccountId: flag,
  stsRegion: region,
  tagPolicyCompliance: z.enum(["error", "warning", "disabled"]),
  token: text,
  tokenBucketRateLimiterCapacity: count(1, 1_000_000),
  useDualstackEndpoint: flag,
  useFipsEndpoint: flag,
  userAgents: z.array(text),
} satisfies Record<AwsProviderKey, z.ZodType>;

const awsSettingsSchema = z.strictObject(awsSettingsShape).partial();

export type AwsSettings = z.infer<typeof awsSettingsSchema>;

/** Validated aws:* settings (region apart: it is modelshare's `region`), and which of them Pulumi holds as secrets. */
export interface ParsedAwsSettings {
  readonly settings: Omit<AwsSettings, "region">;
  readonly secretKeys: readonly AwsProviderKey[];
}

/**
 * Validates the `aws:*` keys of a flat config (values decoded: JSON objects parsed, "true"/"false" as booleans).
 * Unknown keys name the nearest valid one; every problem names `aws:<key>`.
 */
export function parseAwsSettings(flat: ReadonlyMap<string, unknown>, secretKeys: ReadonlySet<string>): { parsed: ParsedAwsSettings; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of flat) {
    if (!fullKey.startsWith("aws:")) continue;
    const key = fullKey.slice("aws:".length);
    if (key === "region") continue;
    if (!(AWS_PROVIDER_KEYS as readonly string[]).includes(key)) {
      problems.push({
        key: fullKey,
        message: `is not a setting of the AWS provider${didYouMean(key, AWS_PROVIDER_KEYS, (k) => `aws:${k}`)}; allowed: the @pulumi/aws provider settings (${AWS_PROVIDER_KEYS.map((k) => `aws:${k}`).join(", ")})`,
      });
      continue;
    }
    raw[key] = value;
  }
  const result = awsSettingsSchema.safeParse(raw, { reportInput: true });
  if (!result.success) problems.push(...problemsFromZod("aws", result.error.issues));
  const settings = (result.success ? result.data : {}) as Omit<AwsSettings, "region">;
  const secrets = AWS_PROVIDER_KEYS.filter((k) => secretKeys.has(`aws:${k}`));
  return { parsed: { settings, secretKeys: secrets }, problems };
}

/**
 * How the settings compose with the accounts modelshare's providers target (README, "AWS provider settings"):
 * every explicit provider pins its one account (allowedAccountIds), so a user list must allow the stack's own
 * account; forbiddenAccountIds must not name an account modelshare deploys to; the provider refuses both lists
 * together; modelshare's own tag keys may not be set or ignored; and a resource carries at most 50 tags.
 */
export function awsSettingsProblems(settings: Omit<AwsSettings, "region">, accounts: { readonly stackAccount: string; readonly stackAccountKey: string; readonly targets: readonly string[] }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (settings.allowedAccountIds !== undefined && settings.forbiddenAccountIds !== undefined) {
    problems.push({ key: "aws:forbiddenAccountIds", value: settings.forbiddenAccountIds, message: "is set together with aws:allowedAccountIds, which the AWS provider refuses (the two conflict); keep one" });
  }
  if (settings.allowedAccountIds !== undefined && !settings.allowedAccountIds.includes(accounts.stackAccount)) {
    problems.push({
      key: "aws:allowedAccountIds",
      value: settings.allowedAccountIds,
      message: `does not include this stack's account ${accounts.stackAccount} (${accounts.stackAccountKey}); the provider would refuse every deploy: add it, or remove aws:allowedAccountIds (modelshare's providers each allow exactly their own account)`,
    });
  }
  settings.forbiddenAccountIds?.forEach((account, i) => {
    if (accounts.targets.includes(account)) {
      problems.push({ key: `aws:forbiddenAccountIds[${i}]`, value: account, message: `is an account this stack deploys to (${accounts.targets.join(", ")}); remove it` });
    }
  });
  const userTags = Object.keys(settings.defaultTags?.tags ?? {});
  userTags.filter((k) => k.startsWith(RESERVED_TAG_PREFIX)).forEach((k) => {
    problems.push({ key: `aws:defaultTags.tags.${k}`, message: `uses the prefix "${RESERVED_TAG_PREFIX}", which modelshare reserves for the tags it sets and reads back; choose another key` });
  });
  if (userTags.length + MODELSHARE_TAGS_PER_RESOURCE > AWS_TAGS_PER_RESOURCE) {
    problems.push({
      key: "aws:defaultTags.tags",
      value: `${userTags.length} tags`,
      message: `has ${userTags.length} tags; with modelshare's ${MODELSHARE_TAGS_PER_RESOURCE} a resource would carry more than the ${AWS_TAGS_PER_RESOURCE} tags AWS allows; allowed: at most ${AWS_TAGS_PER_RESOURCE - MODELSHARE_TAGS_PER_RESOURCE}`,
    });
  }
  const ignored = settings.ignoreTags;
  [...(ignored?.keys ?? []).map((k) => ["keys", k]), ...(ignored?.keyPrefixes ?? []).map((k) => ["keyPrefixes", k])].forEach(([field, k]) => {
    if (k.startsWith(RESERVED_TAG_PREFIX) || RESERVED_TAG_PREFIX.startsWith(k)) {
      problems.push({ key: `aws:ignoreTags.${field}`, value: k, message: `would hide modelshare's own tags (${RESERVED_TAG_PREFIX}*), which it reads back to know which roles it manages; remove it` });
    }
  });
  return problems;
}
