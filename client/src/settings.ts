import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
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
} from "./parameterNames";
import { defined } from "./defined";
import { InvalidArgumentError } from "./errors";

/** Which model version to call, through which shared role, in which region. */
export interface ModelTarget {
  readonly modelVersionArn: string;
  readonly sharedRoleArn: string;
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
  readonly sharedRole: RoleArn;
  readonly useFipsEndpoint: boolean;
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
  const { useFipsEndpoint } = values;
  if (useFipsEndpoint !== undefined && useFipsEndpoint !== "true" && useFipsEndpoint !== "false") {
    problems.push({ key: keyOf("useFipsEndpoint"), value: useFipsEndpoint, message: 'must be "true" or "false" (absent means "false")' });
  }
  if (problems.length > 0 || !modelVersion || !sharedRole || region === undefined) {
    throw new ConfigError(problems, source);
  }
  return {
    modelVersionArn: modelVersion.arn,
    sharedRoleArn: sharedRole.arn,
    region,
    modelVersion,
    sharedRole,
    useFipsEndpoint: useFipsEndpoint === "true",
  };
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
  const read = async (keys: ReadonlyArray<ParameterKey | OptionalParameterKey>): Promise<TargetValues> => {
    const names = keys.map((key) => anyParameterName(environment, key));
    const response = await ssm.send(new GetParametersCommand({ Names: names }), defined({ abortSignal: signal }));
    const values: TargetValues = {};
    for (const parameter of response.Parameters ?? []) {
      const key = keys.find((k) => anyParameterName(environment, k) === parameter.Name);
      if (key && parameter.Value !== undefined) values[key] = parameter.Value;
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
  return { settings: validateModelTarget(values, (key) => anyParameterName(environment, key), source), optionalUnreadable };
}

