import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigProblem } from "../../src/config/problems";
import { TrustCheck, trustProblems } from "../../src/policies/roleTrust";

/** A role to check, and the config key that names it. */
export interface RoleTrustLookup extends Omit<TrustCheck, "trustPolicy"> {
  readonly key: string;
}

/**
 * The role's trust policy as IAM holds it now (iam:GetRole through aws.iam.getRole), or undefined when there is no
 * such role. Any other failure (permissions, throttling) propagates: a lookup never mistakes an error for "none".
 */
async function trustPolicyOf(roleArn: string, provider: aws.Provider): Promise<string | undefined> {
  try {
    return (await aws.iam.getRole({ name: roleArn.slice(roleArn.lastIndexOf("/") + 1) }, { provider })).assumeRolePolicy;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/couldn't find resource|NoSuchEntity|cannot be found/i.test(message)) return undefined;
    throw error;
  }
}

/**
 * Reads each role's trust and refuses, before any resource is registered, a trust that admits more than the role's
 * exemption can bear (src/policies/roleTrust.ts). Returns what was checked, for the stack's CheckedRoleTrust record.
 */
export async function requireNarrowTrusts(lookups: readonly RoleTrustLookup[], provider: aws.Provider): Promise<TrustCheck[]> {
  const checks = await Promise.all(lookups.map(async (lookup) => ({ lookup, check: { ...lookup, trustPolicy: await trustPolicyOf(lookup.roleArn, provider) } })));
  const problems: ConfigProblem[] = checks.flatMap(({ lookup, check }) => trustProblems(check).map((message) => ({ key: lookup.key, value: lookup.roleArn, message })));
  if (problems.length > 0) throw new ConfigError(problems, `stack ${pulumi.getStack()}'s config (checked against the roles' trust policies in IAM)`);
  return checks.map(({ check: { key: _key, ...check } }) => check);
}
