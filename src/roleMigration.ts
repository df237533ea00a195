import { ConfigProblem } from "./config/problems";
import { environments, MlConfig, NAMESPACE } from "./config/schema";
import { sharedRoleName } from "./contract";

/**
 * Renaming the shared roles. IAM role names are their identity: a role with a new name is a new role, and Pulumi
 * replaces a role whose name changes (for a name kept but another create-only property changed, delete-first, since
 * two roles cannot share a name). Consumers call the roles by ARN (their SSM parameter, application and STS
 * endpoint policies), so dropping the old roles before every consumer has moved is an outage. Pure: the ML program
 * feeds it what IAM lists under the shared roles' path.
 */

/** Tag naming the stack that manages a shared role (`<project>/<stack>`), so another installation's roles are never taken for ours. */
export const STACK_TAG = "modelshare:stack";

/** A role IAM lists under the shared roles' path, with its tags. */
export interface DeployedRole {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** One set of shared roles the program registers: which prefix, under which logical names, renamed from what. */
export interface SharedRoleSet {
  readonly prefix: string;
  /** Component name of an environment's role (children are named after it). */
  logicalName(environment: string): string;
  /** Earlier component names of the same roles (Pulumi aliases), so finishing a migration renames state only. */
  aliasNames(environment: string): string[];
}

const current = (prefix: string): SharedRoleSet => ({ prefix, logicalName: (env) => `shared-${env}`, aliasNames: (env) => [`shared-${env}-next`] });
const next = (prefix: string): SharedRoleSet => ({ prefix, logicalName: (env) => `shared-${env}-next`, aliasNames: () => [] });
const previous = (prefix: string): SharedRoleSet => ({ prefix, logicalName: (env) => `shared-${env}`, aliasNames: () => [] });

/**
 * The role sets of a config. Without a migration: the current roles as `shared-<env>`. During one: the old roles
 * stay `shared-<env>` (untouched) and the new ones are `shared-<env>-next`; on retire only the new ones remain;
 * after it the new ones are `shared-<env>` again, aliased from `shared-<env>-next`.
 */
export function sharedRoleSets(config: MlConfig): SharedRoleSet[] {
  const migration = config.rolePrefixMigration;
  if (migration === undefined) return [current(config.rolePrefix)];
  return migration.retire ? [next(config.rolePrefix)] : [previous(migration.fromPrefix), next(config.rolePrefix)];
}

/** The environment and prefix of a deployed role of this stack, or undefined when it is not this stack's. */
function ownRole(role: DeployedRole, environmentNames: ReadonlySet<string>, stackId: string): { prefix: string; environment: string } | undefined {
  const environment = role.tags["modelshare:environment"];
  if (environment === undefined || !environmentNames.has(environment) || !role.name.endsWith(`-${environment}`)) return undefined;
  const stack = role.tags[STACK_TAG];
  // Roles deployed before the stack tag existed carry only the managed-by and environment tags: taken as ours.
  if (stack !== undefined ? stack !== stackId : role.tags["modelshare:managed-by"] !== "pulumi") return undefined;
  return { prefix: role.name.slice(0, -(environment.length + 1)), environment };
}

/** Problems with the config given the roles deployed: a rename that would drop roles consumers still call. */
export function roleRenameProblems(config: MlConfig, deployed: readonly DeployedRole[], stackId: string): ConfigProblem[] {
  const kept = new Set([config.rolePrefix, ...(config.rolePrefixMigration ? [config.rolePrefixMigration.fromPrefix] : [])]);
  const envs = new Set(environments(config));
  const stale = new Map<string, string[]>();
  for (const role of deployed) {
    const own = ownRole(role, envs, stackId);
    if (own === undefined || kept.has(own.prefix)) continue;
    stale.set(own.prefix, [...(stale.get(own.prefix) ?? []), sharedRoleName(own.prefix, own.environment)]);
  }
  return [...stale].map(([prefix, names]) => ({
    key: `${NAMESPACE}:rolePrefix`,
    value: config.rolePrefix,
    message:
      `would delete the shared roles ${names.sort().join(", ")} (prefix "${prefix}") while consumers still call them: a role with a new name is a new role. ` +
      `To rename without an outage: (1) set modelshare:rolePrefixMigration.fromPrefix: ${prefix} and deploy the ML stack (old and new roles side by side); ` +
      "(2) deploy every consumer stack (each switches to its new role); (3) set rolePrefixMigration.retire: true and deploy the ML stack (the old roles go); " +
      `(4) remove rolePrefixMigration and deploy it again. Or set rolePrefix back to "${prefix}".`,
  }));
}
