import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { parseProjectVersionArn, parseRoleArn, ProjectVersionArn, RoleArn } from "../arn";
import { ConfigError, ConfigProblem } from "../config/problems";
import { ParameterKey, PARAMETER_NAMES, parameterName, parameterPrefix } from "../contract";
import { InvalidArgumentError } from "./errors";

/** Which model version to call, through which shared role, in which region. */
export interface ModelTarget {
  readonly modelVersionArn: string;
  readonly sharedRoleArn: string;
  readonly region: string;
}

/** A validated target with its parsed ARNs. */
export interface ModelSettings extends ModelTarget {
  readonly modelVersion: ProjectVersionArn;
  readonly sharedRole: RoleArn;
}

/** Same rule as the config schema's environment names (src/config/schema.ts), which name the parameters. */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,23}$/;
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function assertEnvironmentName(environment: string): void {
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new InvalidArgumentError(
      "environment",
      environment,
      "1-24 characters of lowercase letters, digits and '-', starting with a letter (the consumer stack's environment name)",
    );
  }
}

/**
 * Checks a target (read from SSM or given explicitly) and returns it parsed, or throws ConfigError listing every
 * problem. `keyOf` names where each value came from (an SSM parameter name or an option name).
 */
export function validateModelTarget(
  values: Partial<Record<ParameterKey, string>>,
  keyOf: (key: ParameterKey) => string,
  source: string,
): ModelSettings {
  const problems: ConfigProblem[] = [];
  const missing = (key: ParameterKey) => {
    problems.push({ key: keyOf(key), message: "is missing" });
  };
  const { modelVersionArn, sharedRoleArn, region } = values;

  let modelVersion: ProjectVersionArn | undefined;
  if (modelVersionArn === undefined) missing("modelVersionArn");
  else {
    const parsed = parseProjectVersionArn(modelVersionArn);
    if (typeof parsed === "string") problems.push({ key: keyOf("modelVersionArn"), value: modelVersionArn, message: `${parsed}` });
    else modelVersion = parsed;
  }

  let sharedRole: RoleArn | undefined;
  if (sharedRoleArn === undefined) missing("sharedRoleArn");
  else {
    const parsed = parseRoleArn(sharedRoleArn);
    if (typeof parsed === "string") problems.push({ key: keyOf("sharedRoleArn"), value: sharedRoleArn, message: parsed });
    else sharedRole = parsed;
  }

  if (region === undefined) missing("region");
  else if (!REGION_NAME.test(region)) {
    problems.push({ key: keyOf("region"), value: region, message: "must be an AWS region such as us-east-1" });
  } else if (modelVersion && modelVersion.region !== region) {
    problems.push({
      key: keyOf("region"),
      value: region,
      message: `differs from the model version's region ${modelVersion.region}; Rekognition serves a model only in its own region`,
    });
  }

  if (modelVersion && sharedRole && modelVersion.partition !== sharedRole.partition) {
    problems.push({
      key: keyOf("sharedRoleArn"),
      value: sharedRoleArn,
      message: `is in partition ${sharedRole.partition}, the model version in ${modelVersion.partition}`,
    });
  }
  if (problems.length > 0 || !modelVersion || !sharedRole || region === undefined) {
    throw new ConfigError(problems, source);
  }
  return { modelVersionArn: modelVersion.arn, sharedRoleArn: sharedRole.arn, region, modelVersion, sharedRole };
}

/**
 * Reads an environment's three parameters with one GetParameters call, so the application's role needs only
 * ssm:GetParameters on those three parameter ARNs. They are String parameters: no decryption, no kms:Decrypt.
 */
export async function readModelSettings(ssm: SSMClient, environment: string): Promise<ModelSettings> {
  const keys = Object.keys(PARAMETER_NAMES) as ParameterKey[];
  const names = keys.map((key) => parameterName(environment, key));
  const response = await ssm.send(new GetParametersCommand({ Names: names }));
  const values: Partial<Record<ParameterKey, string>> = {};
  for (const parameter of response.Parameters ?? []) {
    const key = keys.find((k) => parameterName(environment, k) === parameter.Name);
    if (key && parameter.Value !== undefined) values[key] = parameter.Value;
  }
  const source = `SSM parameters ${parameterPrefix(environment)}* (written by the consumer stack of environment "${environment}"; is it deployed in this account and region?)`;
  return validateModelTarget(values, (key) => parameterName(environment, key), source);
}

/** Something that reports changes of the parameters, for logs and the CLI's progress. */
export type ParameterEvent =
  | { readonly type: "parameters-read"; readonly environment: string; readonly target: ModelTarget; readonly reason: RefreshReason }
  | { readonly type: "parameters-refresh-failed"; readonly environment: string; readonly error: unknown };

/** Why the parameters are read: first use, TTL elapsed, or a call hinted that the version was replaced. */
export type RefreshReason = "first-use" | "ttl" | "version-replaced";

/**
 * The environment's parameters with a time-to-live, so applications follow a promotion without a redeploy.
 * Concurrent callers share one in-flight read. A failed periodic re-read keeps the last good values until the next
 * TTL (the version in use stays granted until it is revoked, and a revoke triggers a forced re-read whose failure is
 * reported); only a first read or a forced re-read fails the call.
 */
export class ParameterCache {
  private cached: { settings: ModelSettings; readAt: number } | undefined;
  private inFlight: Promise<ModelSettings> | undefined;

  constructor(
    private readonly ssm: SSMClient,
    readonly environment: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly onEvent: (event: ParameterEvent) => void,
  ) {}

  /** The settings to use now: cached while younger than the TTL, else re-read. */
  async current(): Promise<ModelSettings> {
    const cached = this.cached;
    if (cached && this.now() - cached.readAt < this.ttlMs) return cached.settings;
    if (!cached) return this.read("first-use");
    try {
      return await this.read("ttl");
    } catch (error) {
      this.onEvent({ type: "parameters-refresh-failed", environment: this.environment, error });
      // Retry after another TTL rather than on every call: an unreachable SSM would otherwise add its timeout to each call.
      cached.readAt = this.now();
      return cached.settings;
    }
  }

  /** Re-reads at once, whatever the TTL: a call was refused in a way that may mean the version was replaced. */
  refresh(): Promise<ModelSettings> {
    return this.read("version-replaced");
  }

  private read(reason: RefreshReason): Promise<ModelSettings> {
    this.inFlight ??= readModelSettings(this.ssm, this.environment)
      .then((settings) => {
        this.cached = { settings, readAt: this.now() };
        this.onEvent({
          type: "parameters-read",
          environment: this.environment,
          reason,
          target: { modelVersionArn: settings.modelVersionArn, sharedRoleArn: settings.sharedRoleArn, region: settings.region },
        });
        return settings;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

// DNS suffix of each partition's regional endpoints. Newer partitions (ISO, EU sovereign) use their own suffixes:
// for those set endpoints.sts explicitly rather than guess.
const PARTITION_DNS_SUFFIX: Readonly<Record<string, string>> = {
  aws: "amazonaws.com",
  "aws-cn": "amazonaws.com.cn",
  "aws-us-gov": "amazonaws.com",
};

/**
 * The regional STS endpoint, e.g. https://sts.eu-west-1.amazonaws.com. Never the global sts.amazonaws.com: an STS
 * interface endpoint serves only the regional name, so a global call leaves the VPC or times out in private subnets.
 * Set explicitly rather than left to the SDK's endpoint rules, which pick the global name for region aws-global or
 * useGlobalEndpoint (and did for us-east-1 in older SDKs): the client's STS endpoint is then visible and testable.
 */
export function regionalStsEndpoint(region: string, partition: string): string {
  const suffix = PARTITION_DNS_SUFFIX[partition];
  if (suffix === undefined) {
    throw new InvalidArgumentError(
      "endpoints.sts",
      undefined,
      `set for partition ${partition} (only ${Object.keys(PARTITION_DNS_SUFFIX).join(", ")} have a known STS DNS suffix)`,
    );
  }
  return `https://sts.${region}.${suffix}`;
}

/**
 * Normalizes an endpoint option: a VPC endpoint DNS name (vpce-...amazonaws.com) or an https URL. Plain http only
 * for localhost, where test doubles run; anything else would send signed requests in the clear.
 */
export function normalizeEndpoint(option: string, value: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(option, value, "an https URL or a DNS name such as vpce-0a1b2c3d-abcd.sts.eu-west-1.vpce.amazonaws.com");
  }
  const local = parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1";
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && local)) {
    throw new InvalidArgumentError(option, value, "an https URL (http only for localhost)");
  }
  if (option === "endpoints.sts" && parsed.hostname === "sts.amazonaws.com") {
    throw new InvalidArgumentError(
      option,
      value,
      "a regional STS endpoint (https://sts.REGION.amazonaws.com or a VPC endpoint); the global sts.amazonaws.com is not served by an STS interface endpoint",
    );
  }
  return parsed.toString().replace(/\/$/, "");
}
