/**
 * The SSM parameters a consumer stack writes under `/modelshare/<env>/` and the client reads: the contract between
 * the modelshare Pulumi program and applications. The program imports these names from here
 * (`@modelshare/client/contract`); renaming one is a breaking change for deployed stacks.
 */

/** An environment's name, which names its parameters (the config schema's rule for `modelshare:environment`). */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,23}$/;

/** An AWS region's name, as the `region` parameter holds it. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Prefix of an environment's SSM parameters, e.g. `/modelshare/qa/`. */
export function parameterPrefix(environment: string): string {
  return `/modelshare/${environment}/`;
}

/** The parameters a consumer stack writes under its prefix, read by ModelClient. */
export const PARAMETER_NAMES = {
  modelVersionArn: "model-version-arn",
  sharedRoleArn: "shared-role-arn",
  region: "region",
} as const;

export type ParameterKey = keyof typeof PARAMETER_NAMES;

/** Full name of one of an environment's parameters. */
export function parameterName(environment: string, key: ParameterKey): string {
  return `${parameterPrefix(environment)}${PARAMETER_NAMES[key]}`;
}

/**
 * Parameters a consumer stack writes that readers treat as optional: stacks deployed before a parameter existed
 * lack it, so a reader falls back to the default documented here instead of failing.
 */
export const OPTIONAL_PARAMETER_NAMES = {
  /** "true" when the environment's applications must call Rekognition's FIPS endpoint (network.fips); default "false". */
  useFipsEndpoint: "use-fips-endpoint",
} as const;

export type OptionalParameterKey = keyof typeof OPTIONAL_PARAMETER_NAMES;

/** Full name of one of an environment's optional parameters. */
export function optionalParameterName(environment: string, key: OptionalParameterKey): string {
  return `${parameterPrefix(environment)}${OPTIONAL_PARAMETER_NAMES[key]}`;
}

/**
 * What a copy environment's model-version-arn parameter says before its first copy exists: the consumer stack is
 * deployed (destination project, bucket) before promotion can copy a version into it. Any value that starts with
 * NO_VERSION_YET_PREFIX means "no version to call yet": ModelClient then throws NotCopiedYetError and makes no AWS
 * call with it (it is not an ARN).
 */
export const NOT_COPIED_YET = "none: not copied yet (run modelshare promote)";

/** The prefix of every "no version yet" value of model-version-arn (an ARN never starts with it). */
export const NO_VERSION_YET_PREFIX = "none:";

/** True when a model-version-arn value says there is no version to call yet (NOT_COPIED_YET and its kin). */
export function isNoVersionYet(value: string): boolean {
  return value.startsWith(NO_VERSION_YET_PREFIX);
}
