import { conditionValues, globPattern, listOf, PolicyJson, statementsOf } from "../rules/documents";
import type { NamedPolicy } from "./simulator";
import type { SharedRoleView, Topology } from "./topology";

/**
 * Which pairs the matrix evaluates when asking every pair would grow with the square of the environments.
 *
 * A cross-environment AssumeRole is allowed only if BOTH the caller's identity policy allows sts:AssumeRole on the
 * target role AND the target's trust admits the caller. So the pairs worth simulating are (1) every role a caller's
 * identity policy could reach, found by matching its Allow statements' Resource patterns against every shared
 * role's ARN, (2) every role whose trust names the caller (its ARN patterns, or its account root without a
 * narrowing aws:PrincipalArn), and (3) a fixed number of neighbours, so a policy that allows too much by mistake
 * is still asked about when no pattern names it. Any pair outside (1) is implicitly denied by the identity policy,
 * whatever the trust says: matching strings costs microseconds, simulating a request milliseconds.
 */

/** Neighbours each environment is asked about, besides the roles its policies name. */
export const NEIGHBOURS = 2;

/** The next `count` environments after `environment`, in sorted order, wrapping around. */
export function neighboursOf(environments: readonly string[], environment: string, count = NEIGHBOURS): string[] {
  const sorted = [...environments].sort();
  const at = sorted.indexOf(environment);
  const result: string[] = [];
  for (let step = 1; step < sorted.length && result.length < count; step++) result.push(sorted[(at + step) % sorted.length]);
  return result;
}

function allowsAction(statement: { Action?: string | readonly string[]; Effect?: string }, action: string): boolean {
  return statement.Effect === "Allow" && listOf(statement.Action).some((pattern) => globPattern(pattern).test(action));
}

/** Shared roles an identity policy's Allow statements could reach with `action` (Resource patterns matched against every ARN). */
export function rolesReachable(policies: readonly NamedPolicy[], roles: readonly SharedRoleView[], action = "sts:AssumeRole"): SharedRoleView[] {
  const patterns = policies.flatMap((p) => statementsOf(p.policy as PolicyJson).filter((s) => allowsAction(s, action)).flatMap((s) => [...listOf(s.Resource)]));
  if (patterns.length === 0) return [];
  const matchers = patterns.map(globPattern);
  return roles.filter((role) => matchers.some((m) => m.test(role.roleArn)));
}

/** Shared roles whose trust names this caller: an ARN pattern that matches it, or its account without an ARN narrowing. */
export function rolesTrusting(callerArn: string, roles: readonly SharedRoleView[]): SharedRoleView[] {
  const account = callerArn.split(":")[4];
  return roles.filter((role) =>
    statementsOf(role.trustPolicy ?? {}).some((statement) => {
      if (statement.Effect !== "Allow") return false;
      const named = ["ArnLike", "ArnEquals", "StringLike", "StringEquals"].flatMap((op) => [...(conditionValues(statement, op, "aws:PrincipalArn") ?? [])]);
      if (named.length > 0) return named.some((pattern) => globPattern(pattern).test(callerArn));
      return JSON.stringify(statement.Principal ?? "").includes(account) || statement.Principal === "*";
    }),
  );
}

/**
 * The other environments' shared roles a caller is asked about: its neighbours, every role its identity policies
 * could reach, and every role whose trust names it. Own role excluded; stable order.
 */
export function crossEnvironmentTargets(topology: Topology, environment: string, callerArn: string, callerPolicies: readonly NamedPolicy[]): SharedRoleView[] {
  const roles = [...topology.sharedRoles.values()];
  const chosen = new Set<string>(neighboursOf([...topology.sharedRoles.keys()], environment));
  for (const role of rolesReachable(callerPolicies, roles)) chosen.add(role.environment);
  for (const role of rolesTrusting(callerArn, roles)) chosen.add(role.environment);
  chosen.delete(environment);
  return roles.filter((role) => chosen.has(role.environment));
}

/** An ARN or value as its shape: `*`, a pattern, or a literal (which one does not matter, only that it is exact). */
function valueShape(value: unknown): string {
  const text = String(value);
  return text === "*" ? "*" : /[*?]/.test(text) ? "<pattern>" : "<literal>";
}

function principalShape(principal: unknown): unknown {
  if (principal === undefined || principal === "*") return principal;
  if (typeof principal !== "object" || principal === null) return valueShape(principal);
  return Object.fromEntries(Object.entries(principal).map(([kind, value]) => [kind, listOf(value as string | string[]).map(valueShape)]));
}

/**
 * A policy's shape: its statements with every ARN and condition value replaced by what kind of value it is (`*`, a
 * pattern, a literal). Two environments whose policies have the same shape differ only in which exact versions,
 * roles and accounts they name: a request that names none of them (another account's principal, an action that is
 * not resource-specific, an unsigned request) gets the same decision for both. Such requests run once per shape, on
 * its first environment; a defect that adds a wildcard or a statement changes the shape and is asked on its own.
 */
export function policyShape(policies: readonly NamedPolicy[]): string {
  const normalized = policies.map((p) =>
    statementsOf(p.policy as PolicyJson).map((s) => ({
      Effect: s.Effect,
      Principal: principalShape(s.Principal),
      NotPrincipal: s.NotPrincipal === undefined ? undefined : "<principals>",
      Action: s.Action,
      NotAction: s.NotAction,
      Resource: s.Resource === undefined ? undefined : listOf(s.Resource).map(valueShape),
      NotResource: s.NotResource === undefined ? undefined : "<arns>",
      Condition: Object.fromEntries(
        Object.entries(s.Condition ?? {}).map(([op, block]) => [op, Object.fromEntries(Object.keys(block).sort().map((key) => [key, [block[key]].flat().map(valueShape)]))]),
      ),
    })),
  );
  return JSON.stringify(normalized);
}

/** Environments grouped by the shape of their shared role's policies; the first of each group represents it. */
export function representatives<T>(items: readonly T[], shapeOf: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const shape = shapeOf(item);
    if (seen.has(shape)) return false;
    seen.add(shape);
    return true;
  });
}
