import { parseProjectVersionArn } from "../arn";
import { UsageError } from "../cli/common";
import { NAMESPACE } from "../config/schema";
import { projectNameOf } from "../plan";
import { environmentNames, Project } from "./project";
import { PromotionRequest } from "./types";

/**
 * Checks of command-line input against the project's config. All of them run before any AWS or Pulumi call and
 * throw UsageError (exit 2) naming the flag, the value and what is allowed.
 */

export function requireEnvironment(project: Project, flag: string, env: string | undefined): string {
  const allowed = environmentNames(project);
  if (env === undefined || env === "") throw new UsageError(`${flag} is required; allowed: ${allowed.join(", ")}`);
  if (!allowed.includes(env)) {
    throw new UsageError(`${flag} "${env}" is not an environment of this project; allowed: ${allowed.join(", ")} (from modelshare:environment of each consumer stack)`);
  }
  return env;
}

/** A model version ARN of the ML stack's project (account, region and project all match). */
export function requireVersionArn(project: Project, flag: string, arn: string): string {
  const parsed = parseProjectVersionArn(arn);
  const expected = "arn:PARTITION:rekognition:REGION:ACCOUNT:project/NAME/version/VERSION_NAME/CREATION_TIMESTAMP, copied from the Rekognition API or console";
  if (typeof parsed === "string") throw new UsageError(`${flag} "${arn}" ${parsed}; allowed: ${expected}`);
  const ml = project.ml.config;
  const projectName = projectNameOf(ml);
  const wrong: string[] = [];
  if (parsed.accountId !== ml.mlAccountId) wrong.push(`account ${parsed.accountId} (the ML account is ${ml.mlAccountId})`);
  if (parsed.region !== ml.region) wrong.push(`region ${parsed.region} (the ML stack's region is ${ml.region})`);
  if (parsed.projectName !== projectName) wrong.push(`project ${parsed.projectName} (the model's project is ${projectName})`);
  if (wrong.length > 0) throw new UsageError(`${flag} "${arn}" belongs to ${wrong.join(", ")}; allowed: a version of ${projectName} in ${ml.mlAccountId}/${ml.region}`);
  return arn;
}

/** The environment must say how to verify a version before it is switched to it. */
export function requireSmokeTest(project: Project, env: string): void {
  const consumer = project.consumers[env];
  if (consumer.config.smokeTest === undefined) {
    throw new UsageError(
      `--env "${env}": ${consumer.path} has no ${NAMESPACE}:smokeTest; the verify step needs principalRoleArn, image and expectedLabel to prove the environment can call the version before it is switched`,
    );
  }
}

export interface PromoteOptions {
  readonly env?: string;
  readonly version?: string;
  readonly from?: string;
  readonly keepOld?: boolean;
}

export function promotionRequestFromOptions(project: Project, options: PromoteOptions): PromotionRequest {
  const environment = requireEnvironment(project, "--env", options.env);
  if ((options.version === undefined) === (options.from === undefined)) {
    throw new UsageError("give exactly one of --version ARN (a model version) or --from ENV (the version another environment calls)");
  }
  let version: string;
  if (options.version !== undefined) {
    version = requireVersionArn(project, "--version", options.version);
  } else {
    const from = requireEnvironment(project, "--from", options.from);
    if (from === environment) throw new UsageError(`--from "${from}" is the environment being promoted (--env); allowed: another environment`);
    version = project.consumers[from].config.modelVersionArn;
  }
  requireSmokeTest(project, environment);
  return { kind: "promote", environment, version, keepOld: options.keepOld === true };
}

/** A positive integer flag, within bounds. */
export function requireInteger(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} "${value}" is not allowed; allowed: a whole number from ${min} to ${max}`);
  }
  return parsed;
}
