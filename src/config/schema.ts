import { z } from "zod";
import { SMOKE_TEST_ROLE_SUFFIX } from "../contract";
import { isAccountId, parseProjectArn, parseProjectVersionArn, parseRoleArn } from "../arn";
import { awsSettingsProblems, parseAwsSettings, ParsedAwsSettings } from "./awsSettings";
import { ConfigError, ConfigProblem, configKey, problemsFromZod } from "./problems";
import { flatExtrasOf, NAMESPACE_MODELSHARE, SECRET_PLACEHOLDER } from "./raw";
import { customLabelsRegionProblem, fipsRegionProblem, partitionOfRegion } from "./regions";
import { cidrProblem, coversWholeInternet, Ipv4Cidr, parseCidr } from "./cidr";
import { duplicates } from "./lists";
import { didYouMean } from "./suggest";
import { waiversSchema } from "./waivers";
import { bakeSecondsSchema, detectiveProblems, detectiveSchema } from "./detective";
import { configuredManagementAccount, declaredPlacementProblems, managementAccountProblems } from "./placement";
import { copyProblems, copySchema, SHARING_MODES } from "./copy";

/**
 * The configuration schema of both stack programs. Pure: it takes the raw `modelshare:*` values (from Pulumi's
 * runtime config or from a Pulumi.<stack>.yaml file) and returns a typed config or every problem at once.
 */

export const NAMESPACE = NAMESPACE_MODELSHARE;

/** Config namespaces a modelshare stack reads: its own, the AWS provider's and Pulumi's (pulumi:tags, ...). */
export const KNOWN_NAMESPACES = [NAMESPACE, "aws", "pulumi"] as const;

// ---------------------------------------------------------------------------------------------------------------
// Field types

const accountId = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  if (typeof value === "number") {
    ctx.addIssue({
      code: "custom",
      message:
        "is a number, but an account id is a string of 12 digits (a number loses leading zeros): quote it in the stack file, or set it with `pulumi config set --path KEY --type string VALUE`",
      input: value,
    });
  } else if (!isAccountId(value)) {
    ctx.addIssue({ code: "custom", message: "must be an AWS account id of exactly 12 digits", input: value });
  }
}).transform(String);

const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,23}$/, "must be 1-24 characters: lowercase letters, digits and '-', starting with a letter");

function arnField(parser: (arn: string) => object | string, what: string) {
  return z.string().superRefine((value, ctx) => {
    const parsed = parser(value);
    if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `${what}: ${parsed}`, input: value });
  });
}

const projectArn = arnField(parseProjectArn, "not a Rekognition project ARN");
const versionArn = arnField(parseProjectVersionArn, "not a Rekognition project version ARN");
const exactRoleArn = arnField((arn) => parseRoleArn(arn), "not an exact IAM role ARN");

const organizationId = z.string().regex(/^o-[a-z0-9]{10,32}$/, "must be an organization id like o-a1b2c3d4e5");
const organizationalUnitId = z.string().regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, "must be an OU id like ou-ab12-cd34ef56");
/**
 * A role ARN or an ARN pattern of roles (`*` and `?` allowed in the account and the name, as ArnLike matches them), for
 * principals that act in several accounts (a StackSets execution role: `arn:aws:iam::*:role/stacksets-exec-*`).
 */
const roleArnPattern = z
  .string()
  .regex(
    /^arn:aws(-[a-z]+)*:iam::(\d{12}|\*):role\/([\w+=,.@*?-]+\/)*[\w+=,.@-][\w+=,.@*?-]*$/,
    "must be a role ARN, optionally with * or ? in the account or the name after its first character (e.g. arn:aws:iam::*:role/stacksets-exec-*)",
  );
const organizationTarget = z
  .string()
  .regex(
    /^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
    "must be an account id (12 digits), an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)",
  );
const cidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: value });
});
// Also the start of the promotion lease table's name, so only characters both IAM and DynamoDB accept.
// Each shared role is named `<rolePrefix>-<environment>` (checked against IAM's 64 per environment below).
const rolePrefix = z.string().regex(/^[A-Za-z0-9_.-]{1,62}$/, "must be 1-62 characters of letters, digits, '_', '.' and '-' (valid in IAM role names and in the promotion lease's DynamoDB table name)");
const noWildcard = (what: string) =>
  z.string().min(1).refine((value) => !/[*?]/.test(value), `${what} must be an exact name, not a wildcard`);

// ---------------------------------------------------------------------------------------------------------------
// Quotas

export const quotasSchema = z
  .strictObject({
    /** Trust policy characters (IAM default 2,048; can be raised to 4,096). */
    trustPolicyChars: z.number().int().positive().default(2048),
    /** All inline policies of one role together. */
    inlinePoliciesChars: z.number().int().positive().default(10240),
    /** One customer managed policy. */
    managedPolicyChars: z.number().int().positive().default(6144),
    /** One service control policy (5,120; reported raised in 2026, so configurable). */
    scpChars: z.number().int().positive().default(5120),
    /** SCPs attached to one root, OU or account. */
    scpsPerTarget: z.number().int().positive().default(5),
    /** One S3 bucket policy (20 KB), for the policy merge mode writes. */
    bucketPolicyBytes: z.number().int().positive().default(20480),
    /** Archive rules of one IAM Access Analyzer analyzer (100 by default, raisable to 1,000). */
    archiveRulesPerAnalyzer: z.number().int().positive().default(100),
  })
  .prefault({});
export type Quotas = z.infer<typeof quotasSchema>;

// ---------------------------------------------------------------------------------------------------------------
// ML stack

const privateAccessSchema = z
  .strictObject({
    /** Deny calls that did not come through a VPC endpoint of the consumer. */
    enabled: z.boolean().default(true),
    /**
     * Which key proves the call came through the consumer's endpoint: `aws:VpceAccount` needs no endpoint ids;
     * `aws:SourceVpce` is the fallback for where VpceAccount is not supported and needs `vpcEndpointIds`.
     */
    conditionKey: z.enum(["aws:VpceAccount", "aws:SourceVpce"]).default("aws:VpceAccount"),
    vpcEndpointIds: z.array(z.string().regex(/^vpce-[0-9a-f]{8,17}$/, "must be a VPC endpoint id like vpce-0a1b2c3d")).default([]),
  })
  .prefault({});

const consumerSchema = z.strictObject({
  accountId,
  /**
   * `share` (default): the environment calls the ML account's version through its shared role. `copy`: the version is
   * copied into the environment's own account (CopyProjectVersion) and called there; no shared role (src/config/copy.ts).
   */
  sharing: z.enum(SHARING_MODES).default("share"),
  /** Principals of the consumer account that may assume this environment's shared role (share mode; none in copy mode). */
  applicationPrincipalArns: z.array(exactRoleArn).default([]),
  /** Model versions this environment may call. */
  grantedVersions: z.array(versionArn).default([]),
  /** Optional sts:ExternalId (not a secret; for third-party callers). */
  externalId: z.string().min(2).max(1224).regex(/^[\w+=,.@:/-]+$/, "may contain only letters, digits and +=,.@:/-").optional(),
  /**
   * The environment's application runs on EKS Pod Identity: its session carries transitive session tags, so the
   * shared role's trust also allows sts:TagSession (Pod Identity's tag keys only). Off: least privilege.
   */
  eksPodIdentity: z.boolean().default(false),
  /** Session length; 3600 s is the most a chained role session (Lambda/ECS/EC2 role) can get. */
  maxSessionDurationSeconds: z.number().int().min(3600).max(43200).default(3600),
  privateAccess: privateAccessSchema,
  /**
   * The OUs the account is under (any level, e.g. its parent and grandparent OUs). Required when the consumer guardrail
   * reaches the account only through an OU: the ML stack checks them against Organizations at deploy time, and the access
   * matrix applies an OU's SCP only to the accounts under it.
   */
  organizationalUnitIds: z.array(organizationalUnitId).optional(),
});

/** A project policy already on an adopted project, as ListProjectPolicies returns it, accepted on purpose. */
const projectPolicySchema = z.strictObject({
  /** PolicyName. */
  name: z.string().regex(/^[0-9A-Za-z_.-]{1,128}$/, "must be a project policy name (1-128 of 0-9 A-Z a-z _ . -)"),
  /** The PolicyDocument (JSON), as an object: compared with the live one, and read by the access matrix's export rows. */
  document: z.looseObject({ Statement: z.array(z.record(z.string(), z.unknown())).min(1) }),
});

const modelSchema = z
  .strictObject({
    /** Adopt an existing project. */
    projectArn: projectArn.optional(),
    /** Or create one (aws.rekognition.Project, CUSTOM_LABELS) with this name. */
    createProjectName: z.string().regex(/^[a-zA-Z0-9_.\-]{1,255}$/, "must be 1-255 of a-z A-Z 0-9 _ . -").optional(),
    /** Every model version ARN known to modelshare (ARNs carry a timestamp: copy them from the API). */
    versions: z.array(versionArn).default([]),
    /**
     * Project policies an adopted project carries on purpose (each lets the accounts it names copy every version). Any
     * other policy found by ListProjectPolicies (deploy, promote) is refused; `status` warns. @default []
     */
    existingProjectPolicies: z.array(projectPolicySchema).default([]),
  })
  .refine((m) => (m.projectArn === undefined) !== (m.createProjectName === undefined), {
    message: "set exactly one of projectArn (adopt an existing project) or createProjectName (create one)",
  });

const guardrailSchema = z
  .strictObject({
    /** Turn off when the organization's SCPs are governed elsewhere. */
    enabled: z.boolean().default(true),
    /** Role in the management account that Pulumi assumes to manage SCPs. */
    managementRoleArn: exactRoleArn.optional(),
    /** Where the consumer guardrail is attached: consumer OUs or accounts. */
    consumerTargetIds: z.array(organizationTarget).default([]),
    /** Where the ML guardrail is attached; default the ML account. */
    mlTargetIds: z.array(organizationTarget).optional(),
    /** SCPs already attached to a target (FullAWSAccess, Control Tower's); unlisted targets count 1. */
    existingPoliciesPerTarget: z.record(z.string(), z.number().int().min(0)).default({}),
    /**
     * Roles of the ML account that may change the exempt roles (pipeline, break-glass) and themselves; with none,
     * only the management account can. The pipeline never may: it must not re-permission itself.
     */
    exemptRoleAdminArns: z.array(exactRoleArn).default([]),
    /**
     * Principals, in any account the guardrails reach, that create and rotate the exempt, IAM-admin and deploy roles and
     * the policies under /modelshare-protected/ (e.g. a service-managed StackSets execution role,
     * arn:aws:iam::*:role/stacksets-exec-*). None by default: then no principal of a member account may change them.
     * They are protected like the roles they administer: only they may change themselves.
     */
    roleAdminPrincipalArns: z.array(roleArnPattern).default([]),
    /** The OUs the ML account is under (any level); required when guardrail.mlTargetIds reaches it only through an OU. */
    mlOrganizationalUnitIds: z.array(organizationalUnitId).optional(),
    /**
     * Roles (`[path/]name`, the same in every consumer account) that deploy the consumer stacks: the only principals
     * of a consumer account the consumer guardrail lets create or change the roles under /modelshare/.
     */
    consumerDeployRoleNames: z
      .array(z.string().regex(/^([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/, "must be a role name, optionally with its path (e.g. modelshare-deploy or ci/modelshare-deploy), without wildcards"))
      .default([]),
  })
  .prefault({});

const dataLakeSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /**
     * `statements` (default): modelshare writes nothing to the bucket; the statements the data-lake owner adds are a
     * stack output and out/data-lake-statements.json, and `modelshare data-lake check` verifies a policy holds them.
     * `merge`: modelshare reads the bucket's policy at deploy time and writes it back with its own statements added,
     * keeping every other statement; the policy is never deleted by modelshare (retainOnDelete).
     */
    mode: z.enum(["statements", "merge"]).default("statements"),
    /** Account that owns the bucket. */
    accountId: accountId.optional(),
    /** Role Pulumi assumes in the data-lake account (merge mode); omit when it is the ML account. */
    roleArn: exactRoleArn.optional(),
    bucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')")
      .optional(),
    /** Prefix training and test data are read from, e.g. `training/`. */
    trainingPrefix: noWildcard("trainingPrefix").default("training/"),
    /** Prefix training output is written to; omit to grant no write. */
    outputPrefix: noWildcard("outputPrefix").optional(),
    /** Role in the ML account that trains (calls CreateProjectVersion); default pipelineRoleArn. */
    trainingPrincipalArn: exactRoleArn.optional(),
    /** Also grant Rekognition's service principal (the console-era model; the SDK uses the caller's permissions). */
    rekognitionServicePrincipal: z.boolean().default(false),
    /** Require aws:SourceAccount = the ML account on the service principal's access (confused-deputy protection). */
    requireSourceAccount: z.boolean().default(true),
    /**
     * Require aws:SourceArn = a resource of the shared project on the service principal's access: only Rekognition jobs
     * of the shared project, not any ML-account principal's, reach the data (confused-deputy protection).
     */
    requireSourceArn: z.boolean().default(true),
  })
  .prefault({});

/**
 * The most inference units modelshare starts a version with (config and `model start --min-units/--max-units`).
 * StartProjectVersion documents only a minimum of 1 (Rekognition API Reference); the account's quota is the real
 * ceiling, so this bound catches typos and overflows, not a quota.
 */
export const MAX_INFERENCE_UNITS = 1000;
const INFERENCE_UNITS_LIMIT = `must be at most ${MAX_INFERENCE_UNITS} (modelshare's bound; the account's Rekognition quota may be lower)`;

/** The longest `pulumi up` by default; DEFAULT_LEASE_TIMING.maxHoldMs is sized with it (docs/promotion.md "Bounds"). */
export const DEFAULT_UP_TIMEOUT_MINUTES = 30;

export const promotionSchema = z
  .strictObject({
    /** Inference units a version is started with. */
    minInferenceUnits: z.number().int().min(1).max(MAX_INFERENCE_UNITS, INFERENCE_UNITS_LIMIT).default(1),
    maxInferenceUnits: z.number().int().min(1).max(MAX_INFERENCE_UNITS, INFERENCE_UNITS_LIMIT).optional(),
    /**
     * The most inference units a promotion-history record may name: a record over it is refused, never restarted with
     * (the history lives in the consumer account). Default: maxInferenceUnits (else minInferenceUnits), at least 10.
     */
    historyMaxInferenceUnits: z.number().int().min(1).max(MAX_INFERENCE_UNITS, INFERENCE_UNITS_LIMIT).optional(),
    /** Price of one inference-unit hour, for `status`'s cost estimate (USD; us-east-1 list price 4.00). */
    pricePerInferenceUnitHour: z.number().nonnegative().default(4),
    /** After the switch, watch the new version's alarms this long and undo the switch if one fires (0: no bake). */
    bakeSeconds: bakeSecondsSchema,
    /** The longest one `pulumi up` of a promotion or deploy may take before it is cancelled (docs/promotion.md "Bounds"). */
    upTimeoutMinutes: z.number().int().min(1).max(120).default(DEFAULT_UP_TIMEOUT_MINUTES),
    /**
     * Seconds waited after the switch before the old version is revoked and stopped, so that applications that
     * cache the configured version (ModelClient's parameterTtlMs, 60 s by default) have moved on: default 90.
     */
    drainSeconds: z.number().int().min(0).max(3600).default(90),
    /** Copy mode: how long promotion waits for a copy to reach COPYING_COMPLETED. @default 120 */
    copyTimeoutMinutes: z.number().int().min(1).max(1440).default(120),
  })
  .prefault({});

export const mlConfigSchema = z.strictObject({
  stackKind: z.literal("ml"),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as us-east-1"),
  partition: z.enum(["aws", "aws-us-gov", "aws-cn"]).default("aws"),
  mlAccountId: accountId,
  organizationId,
  /** Role that runs deployments and promotions; exempt from the ML guardrail. */
  pipelineRoleArn: exactRoleArn,
  /** Roles also exempt from the ML guardrail, for emergencies. */
  breakGlassRoleArns: z.array(exactRoleArn).default([]),
  /** Shared role names are `<rolePrefix>-<environment>` under path /modelshare/. */
  rolePrefix: rolePrefix.default("modelshare"),
  /**
   * A staged rename of the shared roles (a role with a new name is a new role): while set, the roles of `fromPrefix`
   * are kept next to the new ones so consumers can move; `retire: true` then deletes them. README, "Renaming".
   */
  rolePrefixMigration: z
    .strictObject({
      fromPrefix: rolePrefix,
      retire: z.boolean().default(false),
    })
    .optional(),
  model: modelSchema,
  consumers: z.record(z.string(), consumerSchema),
  guardrail: guardrailSchema,
  dataLake: dataLakeSchema,
  promotion: promotionSchema,
  quotas: quotasSchema,
  /** Accepted rule findings of this stack (src/config/waivers.ts). */
  waivers: waiversSchema,
  /** Detective controls: IAM Access Analyzer, the AWS Config rule, the model's alarms (src/config/detective.ts). */
  detective: detectiveSchema,
});
/** The stack's validated aws:* settings, which every explicit provider of the stack is given (./awsProvider). */
export interface WithAwsSettings {
  readonly aws?: ParsedAwsSettings;
}

export type MlConfig = z.infer<typeof mlConfigSchema> & WithAwsSettings;

// ---------------------------------------------------------------------------------------------------------------
// Consumer stack

const networkSchema = z
  .strictObject({
    /** Existing VPC; when omitted a VPC with private subnets is created. */
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id like vpc-0a1b2c3d").optional(),
    subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, "must be a subnet id like subnet-0a1b2c3d")).optional(),
    /** CIDR of the VPC created when vpcId is omitted. */
    vpcCidr: cidr.default("10.80.0.0/16"),
    /** Private subnets (one per AZ) created when vpcId is omitted. */
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, "must be an AZ name such as us-east-1a"))
      .min(1, "is empty; name at least one AZ (two or more for availability), or omit it for the region's first two")
      .max(16, "names more than 16 AZs; the created VPC is split into at most 16 subnets")
      .optional(),
    /** Callers admitted to the endpoints on 443. */
    allowedCidrs: z.array(cidr).default([]),
    allowedSecurityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, "must be a security group id like sg-0a1b2c3d")).default([]),
    /** Also create an SSM endpoint, for applications in subnets without a NAT. */
    ssmEndpoint: z.boolean().default(false),
    /** Use the FIPS Rekognition endpoint service. */
    fips: z.boolean().default(false),
    /**
     * Existing VPC only: services whose endpoint (or private hosted zone) already in the VPC modelshare uses instead
     * of creating its own; modelshare then does not write that endpoint's policy.
     */
    adoptEndpoints: z.array(z.enum(["rekognition", "sts", "ssm"])).default([]),
    /**
     * Created VPC only: also the endpoints the application's compute needs without a NAT (ECR api and dkr, CloudWatch
     * Logs, eks-auth, an S3 gateway for image layers, per application.trustedServices). Default true.
     */
    computeEndpoints: z.boolean().optional(),
  })
  .prefault({});

const applicationSchema = z
  .strictObject({
    /** Name of the application role to create (default modelshare-<env>-app). */
    roleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be a valid IAM role name").optional(),
    /** Attach the policy to this existing role instead of creating one. */
    existingRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be a valid IAM role name").optional(),
    /** Service principals that run the application and may assume the application role. */
    trustedServices: z
      .array(z.enum(["ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com", "pods.eks.amazonaws.com"]))
      .min(1)
      .default(["ecs-tasks.amazonaws.com"]),
  })
  .prefault({})
  .refine((a) => a.roleName === undefined || a.existingRoleName === undefined, {
    message: "set roleName (create a role) or existingRoleName (use an existing one), not both",
  });

/** How promotion's `verify` step proves this environment can call a version through the real path. */
export const smokeTestSchema = z.strictObject({
  /** Role in the consumer account the pipeline assumes first; it must be one of the environment's trusted principals. */
  principalRoleArn: exactRoleArn,
  /**
   * The consumer stack creates that role (under /modelshare/, trusting only the ML stack's pipeline role), so no
   * name the shared role trusts is left for someone else to create. Turn off only for a role managed elsewhere.
   */
  createRole: z.boolean().default(true),
  /**
   * Test image: a path relative to the config directory. Not s3://: "For Amazon Rekognition to process an S3 object,
   * the user must have permission to access the S3 object" (Rekognition API Reference, S3Object), and the shared role
   * may call nothing but DetectCustomLabels (README, Decisions and limits).
   */
  image: z
    .string()
    .min(1)
    .refine((value) => !/^s3:\/\//i.test(value), "must be a path to a JPEG or PNG file relative to the config directory; s3:// images are not supported (the shared role cannot read S3, so Rekognition could not fetch the image)"),
  /** Label the model must find in the image. */
  expectedLabel: z.string().min(1),
  /** Confidence (0-100) the label must reach. */
  minConfidence: z.number().min(0).max(100).default(50),
  /** Give up after this long (IAM propagation usually settles within 10-30 s). */
  deadlineSeconds: z.number().int().min(10).max(3600).default(300),
  /**
   * Where the smoke test runs. `function` (default): the consumer stack creates a Lambda function in its private
   * subnets, running as the smoke-test role; promotion invokes it from the ML account, so no ML-account credentials
   * are ever needed in the consumer account. `direct`: the promotion runner assumes the smoke-test role itself, which
   * must then trust the ML pipeline role and run inside the consumer's network: weaker (a consumer administrator who
   * reaches the runner holds a pipeline session, which the ML guardrail exempts); the rule
   * smoke-test-runs-in-consumer reports it. See docs/promotion.md, "Where the smoke test runs".
   */
  runner: z.enum(["function", "direct"]).default("function"),
});

export const consumerConfigSchema = z.strictObject({
  stackKind: z.literal("consumer"),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region such as us-east-1"),
  partition: z.enum(["aws", "aws-us-gov", "aws-cn"]).default("aws"),
  environment: environmentName,
  accountId,
  /** Role Pulumi (and promotion) assume in the consumer account; omit to use the ambient credentials. */
  deployRoleArn: exactRoleArn.optional(),
  /** Full name of the ML stack, e.g. organization/modelshare/ml. */
  mlStack: z.string().regex(/^([\w.-]+\/){0,2}[\w.-]+$/, "must be a stack name: [org/][project/]stack"),
  /** The model version this environment's applications call. */
  modelVersionArn: versionArn,
  network: networkSchema,
  application: applicationSchema,
  smokeTest: smokeTestSchema.optional(),
  /** Copy mode only (the ML stack's consumers.<env>.sharing: copy): where the copy lives in this account. */
  copy: copySchema.optional(),
  quotas: quotasSchema,
  /** Accepted rule findings of this stack (src/config/waivers.ts). */
  waivers: waiversSchema,
});
export type ConsumerConfig = z.infer<typeof consumerConfigSchema> & WithAwsSettings;

// ---------------------------------------------------------------------------------------------------------------
// Cross-field checks (after the shape is right)

/** The region must offer Custom Labels, and the partition must be the region's. */
function checkRegionAndPartition(config: { readonly region: string; readonly partition: string }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const regionProblem = customLabelsRegionProblem(config.region);
  if (regionProblem !== undefined) problems.push({ key: "aws:region", value: config.region, message: regionProblem });
  const regionPartition = partitionOfRegion(config.region);
  if (regionPartition !== config.partition) {
    problems.push({ key: `${NAMESPACE}:partition`, value: config.partition, message: `does not match aws:region ${config.region}, which is in partition ${regionPartition}` });
  }
  return problems;
}

function crossCheckMl(config: MlConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = checkRegionAndPartition(config);
  const key = (path: string) => `${NAMESPACE}:${path}`;
  const model = config.model.projectArn ? parseProjectArn(config.model.projectArn) : undefined;
  const projectName = typeof model === "object" ? model.projectName : config.model.createProjectName;

  if (typeof model === "object") {
    if (model.accountId !== config.mlAccountId) {
      problems.push({ key: key("model.projectArn"), value: model.arn, message: `belongs to account ${model.accountId}, but mlAccountId is ${config.mlAccountId}` });
    }
    if (model.region !== config.region) {
      problems.push({ key: key("model.projectArn"), value: model.arn, message: `is in region ${model.region}, but the stack's aws:region is ${config.region}` });
    }
  }

  const checkVersion = (path: string, arn: string) => {
    const version = parseProjectVersionArn(arn);
    if (typeof version === "string") return; // reported by the schema
    const where: string[] = [];
    if (version.accountId !== config.mlAccountId) where.push(`account ${version.accountId} (mlAccountId is ${config.mlAccountId})`);
    if (version.region !== config.region) where.push(`region ${version.region} (aws:region is ${config.region})`);
    if (projectName !== undefined && version.projectName !== projectName) where.push(`project ${version.projectName} (the model's project is ${projectName})`);
    if (version.partition !== config.partition) where.push(`partition ${version.partition} (partition is ${config.partition})`);
    if (where.length > 0) problems.push({ key: key(path), value: arn, message: `belongs to another ${where.join(", ")}` });
  };
  config.model.versions.forEach((arn, i) => checkVersion(`model.versions[${i}]`, arn));
  const seenVersions = new Set<string>();
  config.model.versions.forEach((arn, i) => {
    if (seenVersions.has(arn)) problems.push({ key: key(`model.versions[${i}]`), value: arn, message: "is listed twice" });
    seenVersions.add(arn);
  });

  const environments = Object.keys(config.consumers);
  if (environments.length === 0) {
    problems.push({ key: key("consumers"), value: config.consumers, message: "is empty; define at least one consumer environment (e.g. qa)" });
  }
  const seenLower = new Map<string, string>();
  for (const environment of environments) {
    const envKey = `consumers.${environment}`;
    const parsedName = environmentName.safeParse(environment);
    if (!parsedName.success) {
      problems.push({ key: key(envKey), value: environment, message: `environment name ${parsedName.error.issues[0].message}` });
    }
    const lower = environment.toLowerCase();
    if (seenLower.has(lower)) {
      problems.push({ key: key(envKey), value: environment, message: `duplicates environment "${seenLower.get(lower)}" (names are case-insensitive in IAM)` });
    }
    seenLower.set(lower, environment);

    const consumer = config.consumers[environment];
    problems.push(...sharingProblems(envKey, consumer));
    if (consumer.accountId === config.mlAccountId) {
      problems.push({ key: key(`${envKey}.accountId`), value: consumer.accountId, message: "is the ML account; a consumer must be another account" });
    }
    consumer.applicationPrincipalArns.forEach((arn, i) => {
      const role = parseRoleArn(arn);
      if (typeof role === "object" && role.accountId !== consumer.accountId) {
        problems.push({ key: key(`${envKey}.applicationPrincipalArns[${i}]`), value: arn, message: `is in account ${role.accountId}, but this environment's accountId is ${consumer.accountId}` });
      }
    });
    const granted = new Set<string>();
    consumer.grantedVersions.forEach((arn, i) => {
      const path = `${envKey}.grantedVersions[${i}]`;
      if (granted.has(arn)) problems.push({ key: key(path), value: arn, message: "is granted twice" });
      granted.add(arn);
      if (!seenVersions.has(arn)) {
        problems.push({ key: key(path), value: arn, message: "is not one of model.versions; add it there first" });
      }
    });
    const pa = consumer.privateAccess;
    if (pa.enabled && pa.conditionKey === "aws:SourceVpce" && pa.vpcEndpointIds.length === 0) {
      problems.push({ key: key(`${envKey}.privateAccess.vpcEndpointIds`), value: pa.vpcEndpointIds, message: "is empty, but conditionKey aws:SourceVpce needs the consumer's Rekognition endpoint ids" });
    }
  }

  problems.push(...mlNameProblems(config), ...mlDuplicateProblems(config));
  problems.push(...managementAccountProblems(config, configuredManagementAccount(config)), ...declaredPlacementProblems(config), ...roleAdminProblems(config));
  if (config.model.createProjectName !== undefined && config.model.existingProjectPolicies.length > 0) {
    problems.push({ key: key("model.existingProjectPolicies"), value: config.model.existingProjectPolicies.map((p) => p.name), message: "applies only to an adopted project (model.projectArn): a project modelshare creates has no project policy" });
  }

  const g = config.guardrail;
  if (g.enabled) {
    if (!g.managementRoleArn) {
      problems.push({ key: key("guardrail.managementRoleArn"), message: "is required while guardrail.enabled is true (or set guardrail.enabled: false)" });
    }
    if (g.consumerTargetIds.length === 0) {
      problems.push({ key: key("guardrail.consumerTargetIds"), value: g.consumerTargetIds, message: "is empty; name the consumer OUs or accounts the consumer guardrail is attached to" });
    }
    const mlTargets = g.mlTargetIds ?? [config.mlAccountId];
    const consumerAccounts = new Set(Object.values(config.consumers).map((c) => c.accountId));
    mlTargets.forEach((target, i) => {
      if (consumerAccounts.has(target)) {
        problems.push({ key: key(`guardrail.mlTargetIds[${i}]`), value: target, message: "is a consumer account; the ML guardrail belongs on the ML account" });
      }
    });
    if (g.consumerDeployRoleNames.length === 0) {
      problems.push({
        key: key("guardrail.consumerDeployRoleNames"),
        value: g.consumerDeployRoleNames,
        message: "is empty; name the role(s) that deploy the consumer stacks (e.g. modelshare-deploy): the consumer guardrail lets only them create or change the roles under /modelshare/ that the shared roles trust",
      });
    }
    g.exemptRoleAdminArns.forEach((arn, i) => {
      const role = parseRoleArn(arn);
      if (typeof role === "object" && role.accountId !== config.mlAccountId) {
        problems.push({ key: key(`guardrail.exemptRoleAdminArns[${i}]`), value: arn, message: `is in account ${role.accountId}; it must be a role of the ML account ${config.mlAccountId} (the ML guardrail applies there)` });
      }
      if (arn === config.pipelineRoleArn) {
        problems.push({ key: key(`guardrail.exemptRoleAdminArns[${i}]`), value: arn, message: "is the pipeline role; the pipeline must not be able to re-permission itself: name a separate IAM-admin role, or none" });
      }
    });
    if (g.consumerTargetIds.includes(config.mlAccountId)) {
      problems.push({ key: key("guardrail.consumerTargetIds"), value: config.mlAccountId, message: "includes the ML account; the consumer guardrail would stop the pipeline from managing the model" });
    }
    const targets = new Set([...g.consumerTargetIds, ...mlTargets]);
    for (const target of Object.keys(g.existingPoliciesPerTarget)) {
      if (!targets.has(target)) {
        problems.push({
          key: key(`guardrail.existingPoliciesPerTarget.${target}`),
          value: g.existingPoliciesPerTarget[target],
          message: `is keyed by "${target}", which is not a guardrail target; allowed keys: ${[...targets].join(", ")} (guardrail.consumerTargetIds and guardrail.mlTargetIds)`,
        });
      }
    }
  }

  const d = config.dataLake;
  if (d.enabled) {
    if (!d.bucketName) problems.push({ key: key("dataLake.bucketName"), message: "is required while dataLake.enabled is true" });
    const bucketAccount = d.accountId ?? config.mlAccountId;
    if (d.roleArn) {
      const role = parseRoleArn(d.roleArn);
      if (typeof role === "object" && role.accountId !== bucketAccount) {
        problems.push({ key: key("dataLake.roleArn"), value: d.roleArn, message: `is in account ${role.accountId}, but dataLake.accountId is ${bucketAccount}` });
      }
    } else if (d.mode === "merge" && bucketAccount !== config.mlAccountId) {
      problems.push({ key: key("dataLake.roleArn"), message: `is required in merge mode when the bucket's account (${bucketAccount}) is not the ML account` });
    }
    if (d.trainingPrincipalArn) {
      const principal = parseRoleArn(d.trainingPrincipalArn);
      if (typeof principal === "object" && principal.accountId !== config.mlAccountId) {
        problems.push({ key: key("dataLake.trainingPrincipalArn"), value: d.trainingPrincipalArn, message: `is in account ${principal.accountId}; the training principal must be in the ML account ${config.mlAccountId}` });
      }
    }
  }

  if (config.rolePrefixMigration?.fromPrefix === config.rolePrefix) {
    problems.push({ key: key("rolePrefixMigration.fromPrefix"), value: config.rolePrefix, message: "is the current rolePrefix; name the prefix the roles are renamed from, or remove rolePrefixMigration" });
  }

  const pipeline = parseRoleArn(config.pipelineRoleArn);
  if (typeof pipeline === "object" && pipeline.accountId !== config.mlAccountId) {
    problems.push({ key: key("pipelineRoleArn"), value: config.pipelineRoleArn, message: `is in account ${pipeline.accountId}; the pipeline role must be in the ML account ${config.mlAccountId}` });
  }
  problems.push(
    ...detectiveProblems(
      config.detective,
      {
        region: config.region,
        partition: config.partition,
        mlAccountId: config.mlAccountId,
        consumerAccountIds: Object.values(config.consumers).map((c) => c.accountId),
        managementAccountId: g.managementRoleArn?.split(":")[4],
        guardrailEnabled: g.enabled,
        mlTargetIds: g.mlTargetIds,
        bakeSeconds: config.promotion.bakeSeconds,
      },
      key,
    ),
  );
  if (config.promotion.maxInferenceUnits !== undefined && config.promotion.maxInferenceUnits < config.promotion.minInferenceUnits) {
    problems.push({ key: key("promotion.maxInferenceUnits"), value: config.promotion.maxInferenceUnits, message: `must be at least promotion.minInferenceUnits (${config.promotion.minInferenceUnits})` });
  }
  return problems;
}

/**
 * A role-admin pattern may not cover a principal it would thereby let re-permission itself or the roles the guardrails
 * exempt: the pipeline, a break-glass role, the training principal, a consumer deploy role or an application role.
 */
function roleAdminProblems(config: MlConfig): ConfigProblem[] {
  const key = (path: string) => `${NAMESPACE}:${path}`;
  const g = config.guardrail;
  const deployRoles = Object.values(config.consumers).flatMap((c) => g.consumerDeployRoleNames.map((name) => `arn:${config.partition}:iam::${c.accountId}:role/${name}`));
  const covered: [string, string][] = [
    ["pipelineRoleArn", config.pipelineRoleArn],
    ...config.breakGlassRoleArns.map((arn, i): [string, string] => [`breakGlassRoleArns[${i}]`, arn]),
    ...(config.dataLake.trainingPrincipalArn !== undefined ? [["dataLake.trainingPrincipalArn", config.dataLake.trainingPrincipalArn] as [string, string]] : []),
    ...deployRoles.map((arn): [string, string] => ["guardrail.consumerDeployRoleNames", arn]),
    ...Object.entries(config.consumers).flatMap(([env, c]) => c.applicationPrincipalArns.map((arn, i): [string, string] => [`consumers.${env}.applicationPrincipalArns[${i}]`, arn])),
  ];
  const problems: ConfigProblem[] = [];
  g.roleAdminPrincipalArns.forEach((pattern, i) => {
    const matcher = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    const hits = covered.filter(([, arn]) => matcher.test(arn));
    if (hits.length > 0) {
      problems.push({ key: key(`guardrail.roleAdminPrincipalArns[${i}]`), value: pattern, message: `matches ${hits.map(([k, arn]) => `${k} (${arn})`).join(", ")}: a role admin is exempt from the role protections, so it must be a separate role, never one the guardrails exempt or the shared roles trust` });
    }
  });
  return problems;
}

/** A shared environment needs principals for its shared role; a copy environment has no shared role to trust them. */
function sharingProblems(envKey: string, consumer: MlConfig["consumers"][string]): ConfigProblem[] {
  const key = `${NAMESPACE}:${envKey}.applicationPrincipalArns`;
  if (consumer.sharing === "share" && consumer.applicationPrincipalArns.length === 0) {
    return [{ key, value: consumer.applicationPrincipalArns, message: "name at least one application role ARN (the principals that may assume this environment's shared role)" }];
  }
  if (consumer.sharing === "copy" && consumer.applicationPrincipalArns.length > 0) {
    return [{ key, value: consumer.applicationPrincipalArns, message: `is set, but ${envKey}.sharing is copy: a copy environment has no shared role to trust them (its application calls its own copy with its own credentials); remove the list` }];
  }
  return [];
}

/** IAM's limits for the names modelshare builds from config: a role name is 1-64 characters of [\w+=,.@-]. */
export const IAM_ROLE_NAME_MAX = 64;

function mlNameProblems(config: MlConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const prefixes: [string, string][] = [["rolePrefix", config.rolePrefix], ...(config.rolePrefixMigration ? [["rolePrefixMigration.fromPrefix", config.rolePrefixMigration.fromPrefix] as [string, string]] : [])];
  for (const [path, prefix] of prefixes) {
    for (const environment of Object.keys(config.consumers)) {
      const roleName = `${prefix}-${environment}`;
      if (roleName.length > IAM_ROLE_NAME_MAX) {
        problems.push({
          key: `${NAMESPACE}:${path}`,
          value: prefix,
          message: `makes the shared role name "${roleName}" (${roleName.length} characters) for environment "${environment}"; IAM allows at most ${IAM_ROLE_NAME_MAX}: shorten the prefix or the environment name`,
        });
      }
    }
  }
  return problems;
}

/** A list that names the same thing twice is a mistake (or a copy-paste that meant another value). */
function listDuplicates(path: string, values: readonly string[] | undefined, what = "is listed twice"): ConfigProblem[] {
  return duplicates(values ?? []).map((i) => ({ key: `${NAMESPACE}:${path}[${i}]`, value: (values ?? [])[i], message: what }));
}

function mlDuplicateProblems(config: MlConfig): ConfigProblem[] {
  return [
    ...listDuplicates("breakGlassRoleArns", config.breakGlassRoleArns),
    ...listDuplicates("guardrail.consumerTargetIds", config.guardrail.consumerTargetIds),
    ...listDuplicates("guardrail.mlTargetIds", config.guardrail.mlTargetIds),
    ...listDuplicates("guardrail.roleAdminPrincipalArns", config.guardrail.roleAdminPrincipalArns),
    ...listDuplicates("guardrail.mlOrganizationalUnitIds", config.guardrail.mlOrganizationalUnitIds),
    ...Object.entries(config.consumers).flatMap(([env, c]) => [
      ...listDuplicates(`consumers.${env}.applicationPrincipalArns`, c.applicationPrincipalArns),
      ...listDuplicates(`consumers.${env}.privateAccess.vpcEndpointIds`, c.privateAccess.vpcEndpointIds),
      ...listDuplicates(`consumers.${env}.organizationalUnitIds`, c.organizationalUnitIds),
    ]),
  ];
}

/** The network's lists: duplicates, and callers that together admit the whole internet. */
function networkListProblems(config: ConsumerConfig): ConfigProblem[] {
  const n = config.network;
  const problems = [
    ...listDuplicates("network.availabilityZones", n.availabilityZones, "is listed twice; each AZ gets one subnet"),
    ...listDuplicates("network.subnetIds", n.subnetIds, "is listed twice"),
    ...listDuplicates("network.allowedCidrs", n.allowedCidrs),
    ...listDuplicates("network.allowedSecurityGroupIds", n.allowedSecurityGroupIds),
    ...listDuplicates("application.trustedServices", config.application.trustedServices),
  ];
  const blocks = n.allowedCidrs.map(parseCidr).filter((b): b is Ipv4Cidr => typeof b === "object");
  if (blocks.length > 1 && coversWholeInternet(blocks)) {
    problems.push({ key: `${NAMESPACE}:network.allowedCidrs`, value: n.allowedCidrs, message: "together cover every IPv4 address, i.e. the whole internet; name the callers' CIDRs" });
  }
  return problems;
}

/**
 * The smoke-test function runs as the role this stack creates, named `…-smoke-test` so that the consumer guardrail's
 * PassRole Deny covers it (SMOKE_TEST_ROLE_SUFFIX).
 */
function smokeTestRunnerProblems(config: ConsumerConfig): ConfigProblem[] {
  const smoke = config.smokeTest;
  if (smoke === undefined) return [];
  const problems: ConfigProblem[] = [];
  if (smoke.runner === "function" && !smoke.createRole) {
    problems.push({ key: `${NAMESPACE}:smokeTest.createRole`, value: false, message: 'must be true with smokeTest.runner "function": the smoke-test function runs as the role this stack creates and protects' });
  }
  const role = parseRoleArn(smoke.principalRoleArn);
  if (smoke.createRole && typeof role === "object" && !role.roleName.endsWith(SMOKE_TEST_ROLE_SUFFIX)) {
    problems.push({
      key: `${NAMESPACE}:smokeTest.principalRoleArn`,
      value: smoke.principalRoleArn,
      message: `names role "${role.roleName}"; a smoke-test role this stack creates must be named <name>${SMOKE_TEST_ROLE_SUFFIX} (e.g. modelshare-${config.environment}${SMOKE_TEST_ROLE_SUFFIX}): the consumer guardrail denies passing such roles to a service to all but the deploy roles`,
    });
  }
  return problems;
}

function crossCheckConsumer(config: ConsumerConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [...checkRegionAndPartition(config), ...networkListProblems(config)];
  const key = (path: string) => `${NAMESPACE}:${path}`;
  const accountOf = (path: string, arn: string | undefined, what: string) => {
    const role = arn === undefined ? undefined : parseRoleArn(arn);
    if (typeof role === "object" && role.accountId !== config.accountId) {
      problems.push({ key: key(path), value: arn, message: `is in account ${role.accountId}, but ${what} must be in this stack's account ${config.accountId} (modelshare:accountId)` });
    }
  };
  accountOf("deployRoleArn", config.deployRoleArn, "the role Pulumi deploys this stack with");
  accountOf("smokeTest.principalRoleArn", config.smokeTest?.principalRoleArn, "the smoke-test principal (it calls the model the way the environment's applications do)");
  problems.push(...smokeTestRunnerProblems(config));
  const version = parseProjectVersionArn(config.modelVersionArn);
  // Copy mode reports the region as aws:region (copyProblems): the copy must be made where the model is.
  if (typeof version === "object" && version.region !== config.region && config.copy === undefined) {
    problems.push({ key: key("modelVersionArn"), value: config.modelVersionArn, message: `is in region ${version.region}, but this stack's aws:region is ${config.region}; the shared model is called in its own region` });
  }
  problems.push(...copyProblems(config));
  if (typeof version === "object" && version.accountId === config.accountId) {
    problems.push({ key: key("modelVersionArn"), value: config.modelVersionArn, message: "belongs to this consumer account; it must be the ML account's model version" });
  }
  const n = config.network;
  const fipsProblem = n.fips ? fipsRegionProblem(config.region) : undefined;
  if (fipsProblem !== undefined) problems.push({ key: key("network.fips"), value: n.fips, message: fipsProblem });
  if ((n.vpcId === undefined) !== (n.subnetIds === undefined)) {
    problems.push({ key: key(n.vpcId === undefined ? "network.vpcId" : "network.subnetIds"), message: "network.vpcId and network.subnetIds go together: set both (use an existing VPC) or neither (create one)" });
  }
  if (n.subnetIds !== undefined && n.subnetIds.length === 0) {
    problems.push({ key: key("network.subnetIds"), value: n.subnetIds, message: "is empty; name at least one subnet (one per AZ for availability)" });
  }
  if (n.allowedCidrs.length === 0 && n.allowedSecurityGroupIds.length === 0) {
    problems.push({ key: key("network.allowedCidrs"), value: n.allowedCidrs, message: "network.allowedCidrs and network.allowedSecurityGroupIds are both empty: nothing could reach the endpoints on 443" });
  }
  const vpcPrefix = Number(n.vpcCidr.split("/")[1]);
  if (n.vpcId === undefined && (vpcPrefix < 16 || vpcPrefix > 24)) {
    problems.push({
      key: key("network.vpcCidr"),
      value: n.vpcCidr,
      message: "must have a prefix from /16 to /24: AWS allows VPCs of /16 to /28, and the created VPC is split into subnets 4 bits smaller",
    });
  }
  if (n.availabilityZones !== undefined && n.vpcId !== undefined) {
    problems.push({ key: key("network.availabilityZones"), value: n.availabilityZones, message: "applies only to a created VPC; remove it or remove network.vpcId" });
  }
  if (n.vpcId === undefined && n.adoptEndpoints.length > 0) {
    problems.push({ key: key("network.adoptEndpoints"), value: n.adoptEndpoints, message: "applies only to an existing VPC (network.vpcId): a VPC modelshare creates has no endpoints to adopt" });
  }
  n.adoptEndpoints.forEach((service, i) => {
    if (n.adoptEndpoints.indexOf(service) !== i) problems.push({ key: key(`network.adoptEndpoints[${i}]`), value: service, message: "is listed twice" });
    if (service === "ssm" && !n.ssmEndpoint) {
      problems.push({ key: key(`network.adoptEndpoints[${i}]`), value: service, message: "is listed, but network.ssmEndpoint is false: modelshare creates no SSM endpoint, so there is none to replace by an existing one" });
    }
  });
  if (n.computeEndpoints !== undefined && n.vpcId !== undefined) {
    problems.push({ key: key("network.computeEndpoints"), value: n.computeEndpoints, message: "applies only to a created VPC; in an existing VPC the application's own network provides ECR, logs and S3 access" });
  }
  n.availabilityZones?.forEach((az, i) => {
    if (!az.startsWith(config.region)) problems.push({ key: key(`network.availabilityZones[${i}]`), value: az, message: `is not in region ${config.region}` });
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

export type StackConfig = MlConfig | ConsumerConfig;

/**
 * Validates raw config values (keys without the `modelshare:` prefix, plus `region` from aws:region, and the flat
 * keys rawConfigFromFlat attaches) and returns the typed config, or throws a ConfigError with every problem found.
 */
export function parseStackConfig(raw: Record<string, unknown>, source: string): StackConfig {
  const kind = raw.stackKind;
  if (kind !== "ml" && kind !== "consumer") {
    const stackKind = { key: `${NAMESPACE}:stackKind`, value: kind, message: 'must be "ml" (the ML account\'s stack) or "consumer" (qa, prod, ...)' };
    throw new ConfigError(withSecretsExplained([...flatProblems(raw).problems, stackKind], flatExtrasOf(raw).secretPaths), source);
  }
  return kind === "ml" ? parseMlConfig(raw, source) : parseConsumerConfig(raw, source);
}

export function parseMlConfig(raw: Record<string, unknown>, source: string): MlConfig {
  return parseKind(mlConfigSchema, raw, source, crossCheckMl, (config) => ({
    stackAccount: config.mlAccountId,
    stackAccountKey: `${NAMESPACE}:mlAccountId`,
    targets: [config.mlAccountId, ...(config.dataLake.accountId ? [config.dataLake.accountId] : []), ...roleAccounts([config.guardrail.managementRoleArn, config.dataLake.roleArn])],
  }));
}

export function parseConsumerConfig(raw: Record<string, unknown>, source: string): ConsumerConfig {
  return parseKind(consumerConfigSchema, raw, source, crossCheckConsumer, (config) => ({
    stackAccount: config.accountId,
    stackAccountKey: `${NAMESPACE}:accountId`,
    targets: [config.accountId],
  }));
}

function roleAccounts(arns: readonly (string | undefined)[]): string[] {
  return arns.flatMap((arn) => {
    const role = arn === undefined ? undefined : parseRoleArn(arn);
    return typeof role === "object" ? [role.accountId] : [];
  });
}

type Accounts = Parameters<typeof awsSettingsProblems>[1];

function parseKind<S extends z.ZodType>(schema: S, raw: Record<string, unknown>, source: string, crossCheck: (config: z.infer<S>) => ConfigProblem[], accounts: (config: z.infer<S>) => Accounts): z.infer<S> & WithAwsSettings {
  const { problems: early, aws } = flatProblems(raw);
  const secretPaths = flatExtrasOf(raw).secretPaths;
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(withSecretsExplained([...early, ...problemsFromZod(NAMESPACE, result.error.issues, schema).map(renameRegion)], secretPaths), source);
  }
  const problems = [...early, ...crossCheck(result.data), ...awsSettingsProblems(aws.settings, accounts(result.data))];
  if (problems.length > 0) throw new ConfigError(withSecretsExplained(problems, secretPaths), source);
  return { ...(result.data as object), aws } as z.infer<S> & WithAwsSettings;
}

/** Problems of the flat keys besides modelshare's own: namespaces, aws:* settings, names JavaScript reserves. */
function flatProblems(raw: Record<string, unknown>): { problems: ConfigProblem[]; aws: ParsedAwsSettings } {
  const extras = flatExtrasOf(raw);
  const problems: ConfigProblem[] = [];
  for (const key of extras.all.keys()) {
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? "" : key.slice(0, colon);
    if ((KNOWN_NAMESPACES as readonly string[]).includes(namespace)) continue;
    const name = colon < 0 ? key : key.slice(colon + 1);
    problems.push({
      key,
      message: `is not a key modelshare reads: the namespace "${namespace}" is unknown${didYouMean(namespace, KNOWN_NAMESPACES, (n) => `${n}:${name}`)}; allowed namespaces: ${KNOWN_NAMESPACES.join(", ")}`,
    });
  }
  problems.push(...prototypeKeyProblems(raw));
  const topLevelSecrets = new Set(extras.secretPaths.map((path) => /^[^.[]+/.exec(path)?.[0] ?? path));
  const aws = parseAwsSettings(extras.all, topLevelSecrets);
  problems.push(...aws.problems);
  return { problems, aws: aws.parsed };
}

/** `__proto__` as a name (an environment, a tag) would become the object's prototype instead of an entry. */
function prototypeKeyProblems(value: unknown, path: readonly PropertyKey[] = []): ConfigProblem[] {
  if (value === null || typeof value !== "object") return [];
  return Object.keys(value).flatMap((key) => {
    const child = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === "__proto__") return [{ key: configKey(NAMESPACE, child), message: 'uses "__proto__" as a name, which JavaScript reserves; choose another name' }];
    return prototypeKeyProblems((value as Record<string, unknown>)[key], child);
  });
}

/**
 * Offline, a `secure:` value is a placeholder: where the placeholder does not pass, say that synth cannot check
 * the secret (never its ciphertext) and how to go on.
 */
function withSecretsExplained(problems: readonly ConfigProblem[], secretPaths: readonly string[]): ConfigProblem[] {
  const isSecret = (key: string) => secretPaths.some((path) => key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`));
  return problems.map((problem) =>
    problem.value === SECRET_PLACEHOLDER || isSecret(problem.key)
      ? {
          key: problem.key,
          message: `is a secret (secure:), which cannot be decrypted offline, and this key needs its real value (${problem.message}): store it in clear (\`pulumi config set ${problem.key} VALUE\`, without --secret), or check it where Pulumi decrypts it (\`modelshare deploy --preview\`)`,
        }
      : problem,
  );
}

// `region` comes from the provider's own key, so name that key in messages.
function renameRegion(problem: ConfigProblem): ConfigProblem {
  return problem.key === `${NAMESPACE}:region` ? { ...problem, key: "aws:region" } : problem;
}

/** The consumer environments of an ML config, in a stable order. */
export function environments(config: MlConfig): string[] {
  return Object.keys(config.consumers).sort();
}
