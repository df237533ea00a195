import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { parse as parseArn, validate as isArn } from "@aws-sdk/util-arn-parser";
import { parseProjectVersionArn, parseRoleArn, ProjectVersionArn, RoleArn } from "./arn";
import { ConfigError, ConfigProblem } from "./configError";
import {
  OPTIONAL_PARAMETER_NAMES,
  OptionalParameterKey,
  optionalParameterName,
  ParameterKey,
  PARAMETER_NAMES,
  parameterName,
  parameterPrefix,
  ENVIRONMENT_NAME,
  REGION_NAME,
  isNoVersionYet,
} from "./parameterNames";
import { defined } from "./defined";
import { InvalidArgumentError, NotCopiedYetError } from "./errors";

/** Which model version to call, through which shared role (or none), in which region. */
export interface ModelTarget {
  readonly modelVersionArn: string;
  /**
   * Share mode: the environment's shared role in the ML account, assumed through regional STS. Absent (copy mode):
   * the version is the environment's own copy, called with the application's own credentials, no STS call. An empty
   * value is refused, never read as "absent" (docs/client.md, "How the client chooses").
   */
  readonly sharedRoleArn?: string | undefined;
  readonly region: string;
  /**
   * Call Rekognition's FIPS endpoint (rekognition-fips.REGION.amazonaws.com). From the environment's optional
   * use-fips-endpoint parameter; absent (stacks deployed before it existed) means false.
   */
  readonly useFipsEndpoint?: boolean | undefined;
}

/** A validated target with its parsed ARNs. */
export interface ModelSettings extends ModelTarget {
  readonly modelVersion: ProjectVersionArn;
  /** Undefined in copy mode. */
  readonly sharedRole: RoleArn | undefined;
  readonly useFipsEndpoint: boolean;
}

/**
 * What validateModelTarget can check a copy-mode target against: the account whose SSM parameters named it (from
 * GetParameters' parameter ARNs), or undefined when SSM did not say. fromExplicit has none (the caller chose).
 */
export interface ParameterOwner {
  readonly accountId: string | undefined;
  readonly environment: string;
}

/** The target a settings object names, as reported (Detection.target, events); no sharedRoleArn key in copy mode. */
export function targetOf(settings: ModelSettings): ModelTarget {
  return {
    modelVersionArn: settings.modelVersionArn,
    ...(settings.sharedRoleArn !== undefined ? { sharedRoleArn: settings.sharedRoleArn } : {}),
    region: settings.region,
    useFipsEndpoint: settings.useFipsEndpoint,
  };
}

/** The values a target is read from: the SSM parameters' strings, or fromExplicit's options. */
export type TargetValues = Partial<Record<ParameterKey | OptionalParameterKey, string>>;


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
  values: TargetValues,
  keyOf: (key: ParameterKey | OptionalParameterKey) => string,
  source: string,
  owner?: ParameterOwner,
): ModelSettings {
  const problems: ConfigProblem[] = [];
  const missing = (key: ParameterKey) => {
    problems.push({ key: keyOf(key), message: "is missing" });
  };
  const { modelVersionArn, sharedRoleArn, region } = values;

  let modelVersion: ProjectVersionArn | undefined;
  let notCopiedYet = false;
  if (modelVersionArn === undefined) missing("modelVersionArn");
  else if (typeof modelVersionArn === "string" && isNoVersionYet(modelVersionArn)) notCopiedYet = true;
  else {
    const parsed = typeof modelVersionArn === "string" ? parseProjectVersionArn(modelVersionArn) : "must be a string";
    if (typeof parsed === "string") problems.push({ key: keyOf("modelVersionArn"), value: modelVersionArn, message: `${parsed}` });
    else modelVersion = parsed;
  }

  let sharedRole: RoleArn | undefined;
  if (sharedRoleArn !== undefined) {
    const parsed =
      typeof sharedRoleArn !== "string"
        ? "must be a role ARN string, or left out (copy mode)"
        : sharedRoleArn.trim() === ""
          ? "is empty: a share environment names its shared role here; a copy environment has no such value at all (an empty one is refused, never read as copy mode)"
          : parseRoleArn(sharedRoleArn);
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
  } else if (modelVersion && sharedRole && modelVersion.accountId !== sharedRole.accountId) {
    problems.push({ key: keyOf("sharedRoleArn"), value: sharedRoleArn, message: mixedAccountsProblem(modelVersion, sharedRole) });
  }
  if (modelVersion && sharedRoleArn === undefined && owner !== undefined) {
    const problem = copyOwnerProblem(modelVersion, owner, keyOf("modelVersionArn"));
    if (problem !== undefined) problems.push({ key: keyOf("sharedRoleArn"), message: problem });
  }
  if (notCopiedYet && problems.length > 0) {
    problems.unshift({ key: keyOf("modelVersionArn"), value: modelVersionArn, message: "says nothing has been copied into this environment yet (run modelshare promote)" });
  }
  const { useFipsEndpoint } = values;
  if (useFipsEndpoint !== undefined && useFipsEndpoint !== "true" && useFipsEndpoint !== "false") {
    problems.push({ key: keyOf("useFipsEndpoint"), value: useFipsEndpoint, message: 'must be "true" or "false" (absent means "false")' });
  }
  if (problems.length > 0) throw new ConfigError(problems, source);
  if (notCopiedYet) throw new NotCopiedYetError(owner?.environment, keyOf("modelVersionArn"), modelVersionArn as string);
  if (!modelVersion || region === undefined) throw new ConfigError(problems, source);
  return {
    modelVersionArn: modelVersion.arn,
    ...(sharedRole ? { sharedRoleArn: sharedRole.arn } : {}),
    region,
    modelVersion,
    sharedRole,
    useFipsEndpoint: useFipsEndpoint === "true",
  };
}

/**
 * Rekognition serves a version only to principals of the version's own account (no resource policy grants
 * DetectCustomLabels to another account; a project policy allows only CopyProjectVersion), so a shared role in another
 * account than the version can never call it: typically a copy environment's own copy with a stray shared role.
 */
function mixedAccountsProblem(modelVersion: ProjectVersionArn, sharedRole: RoleArn): string {
  return (
    `is in account ${sharedRole.accountId}, the model version in ${modelVersion.accountId}: the shared role must be in the ` +
    "version's account (the ML account). A copy environment calls its own copy without a shared role, so it has no " +
    "shared-role-arn at all"
  );
}

/**
 * Copy mode calls with the application's own credentials, which reach only versions of the application's own
 * account. So a target without a shared role must name a version in the account whose parameters named it: a share
 * environment whose shared-role-arn parameter went missing names the ML account's version, and is refused here with
 * that cause instead of calling the ML account directly and failing as a puzzling AccessDenied.
 */
function copyOwnerProblem(modelVersion: ProjectVersionArn, owner: ParameterOwner, versionKey: string): string | undefined {
  if (owner.accountId === undefined) {
    return `is missing, and SSM did not say which account holds ${versionKey} (no parameter ARN in its answer), so the version cannot be confirmed to be this account's own copy: refusing to call it without a shared role`;
  }
  if (owner.accountId === modelVersion.accountId) return undefined;
  return (
    `is missing, and ${versionKey} names a version of account ${modelVersion.accountId} while the parameters are in account ` +
    `${owner.accountId}: without a shared role only this account's own copies can be called. Either this is a share ` +
    `environment whose shared-role-arn parameter is missing (redeploy its consumer stack: modelshare deploy), or a copy ` +
    `environment whose ${versionKey} does not name its own copy`
  );
}

/** Full name of any of an environment's parameters, required or optional. */
export function anyParameterName(environment: string, key: ParameterKey | OptionalParameterKey): string {
  return key in OPTIONAL_PARAMETER_NAMES ? optionalParameterName(environment, key as OptionalParameterKey) : parameterName(environment, key as ParameterKey);
}

export interface ReadSettings {
  readonly settings: ModelSettings;
  /** The optional parameters could not be read (denied: a grant older than them); their defaults apply. */
  readonly optionalUnreadable: boolean;
}

/**
 * Reads an environment's parameters with one GetParameters call: the three required ones and the optional ones
 * (use-fips-endpoint). They are String parameters: no decryption, no kms:Decrypt. An application role granted
 * only the three required parameters (a consumer stack older than the optional ones) is denied the whole call
 * (IAM authorizes GetParameters on every named parameter), so on AccessDenied the required three are read alone
 * and the optional ones take their documented defaults.
 */
export async function readModelSettings(ssm: SSMClient, environment: string, signal?: AbortSignal): Promise<ReadSettings> {
  const required = Object.keys(PARAMETER_NAMES) as ParameterKey[];
  const optional = Object.keys(OPTIONAL_PARAMETER_NAMES) as OptionalParameterKey[];
  let ownerAccountId: string | undefined;
  const read = async (keys: ReadonlyArray<ParameterKey | OptionalParameterKey>): Promise<TargetValues> => {
    const names = keys.map((key) => anyParameterName(environment, key));
    const response = await ssm.send(new GetParametersCommand({ Names: names }), defined({ abortSignal: signal }));
    const values: TargetValues = {};
    for (const parameter of response.Parameters ?? []) {
      const key = keys.find((k) => anyParameterName(environment, k) === parameter.Name);
      if (key && parameter.Value !== undefined) values[key] = parameter.Value;
      // The account the parameters live in: what a copy-mode target must be in (copyOwnerProblem).
      if (key === "modelVersionArn") ownerAccountId = parameter.ARN && isArn(parameter.ARN) ? parseArn(parameter.ARN).accountId : undefined;
    }
    return values;
  };
  let values: TargetValues;
  let optionalUnreadable = false;
  try {
    values = await read([...required, ...optional]);
  } catch (error) {
    if (!(error instanceof Error && error.name === "AccessDeniedException")) throw error;
    values = await read(required);
    optionalUnreadable = true;
  }
  const source = `SSM parameters ${parameterPrefix(environment)}* (written by the consumer stack of environment "${environment}"; is it deployed in this account and region?)`;
  const owner = { accountId: ownerAccountId, environment };
  return { settings: validateModelTarget(values, (key) => anyParameterName(environment, key), source, owner), optionalUnreadable };
}

