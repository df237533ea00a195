import { policyDocument } from "../policies/document";
import type { NamedPolicy, SimulationInput } from "./simulator";
import type { Topology } from "./topology";

/**
 * The principals the matrix sends requests as, and the organization policies that apply to each. Identities that
 * stand for "someone else" (another member account, an account outside the organization) get account ids no stack
 * uses.
 */

/** Every level of the organization is assumed to carry FullAWSAccess (not visible offline). */
export const FULL_AWS_ACCESS: NamedPolicy = { name: "FullAWSAccess", policy: policyDocument([{ Effect: "Allow", Action: "*", Resource: "*" }]) };

/** What an administrator holds: the matrix shows that trust, endpoint and organization policies stop it, not its own policy. */
export const ADMINISTRATOR: NamedPolicy = { name: "AdministratorAccess", policy: policyDocument([{ Effect: "Allow", Action: "*", Resource: "*" }]) };

export const SESSION_NAME = "modelshare-matrix";
/** The organization of an account that is not in ours. */
export const OTHER_ORGANIZATION_ID = "o-outside0000";

/** Which guardrail applies to an account: the ML account's, a consumer's, none (another member), or no SCP at all. */
export type AccountClass = "ml" | "consumer" | "other-member" | "outsider";

/** `arn:...:sts::ACCOUNT:assumed-role/NAME/SESSION` for a role ARN (the path is not part of a session ARN). */
export function sessionArn(roleArn: string, session = SESSION_NAME): string {
  const [, partition, , , account, resource] = roleArn.split(":");
  return `arn:${partition}:sts::${account}:assumed-role/${resource.slice(resource.lastIndexOf("/") + 1)}/${session}`;
}

export function accountOf(arn: string): string {
  return arn.split(":")[4];
}

export function roleArnIn(topology: Topology, account: string, nameWithPath: string): string {
  return `arn:${topology.ml.partition}:iam::${account}:role/${nameWithPath}`;
}

/** The OUs the config says an account is under (consumers.<env>.organizationalUnitIds, guardrail.mlOrganizationalUnitIds). */
export function organizationalUnitsOf(topology: Topology, account: string): readonly string[] {
  let byAccount = OUS_BY_ACCOUNT.get(topology);
  if (!byAccount) {
    // Once per topology: every request asks, and the matrix makes thousands at 200 environments.
    const ml = topology.ml;
    const map = new Map<string, Set<string>>();
    const add = (a: string, ous: readonly string[] | undefined) => ous?.forEach((ou) => map.set(a, (map.get(a) ?? new Set()).add(ou)));
    Object.values(ml.consumers).forEach((c) => add(c.accountId, c.organizationalUnitIds));
    add(ml.mlAccountId, ml.guardrail.mlOrganizationalUnitIds);
    byAccount = new Map([...map].map(([a, ous]) => [a, [...ous].sort()]));
    OUS_BY_ACCOUNT.set(topology, byAccount);
  }
  return byAccount.get(account) ?? [];
}

const OUS_BY_ACCOUNT = new WeakMap<Topology, ReadonlyMap<string, readonly string[]>>();

/** The organization's management account, as the config names it (guardrail.managementRoleArn's account). */
export function managementAccountOf(topology: Topology): string | undefined {
  const arn = topology.ml.guardrail.managementRoleArn;
  return arn === undefined ? undefined : accountOf(arn);
}

/**
 * The SCPs that apply to a principal of an account, by level. The organization's existing SCPs are not known
 * offline: every level is assumed to carry FullAWSAccess and nothing else besides modelshare's guardrails. An SCP
 * attached to an OU applies only to the accounts the config places under that OU (checked against Organizations when
 * the ML stack deploys), and none applies to the management account, which SCPs never restrict.
 */
export function scpLevels(topology: Topology, account: string, accountClass: AccountClass): SimulationInput["serviceControlPolicies"] {
  if (accountClass === "outsider" || account === managementAccountOf(topology)) return [];
  const ousOfAccount = new Set(organizationalUnitsOf(topology, account));
  const attachedTo = (test: (target: string) => boolean): NamedPolicy[] =>
    topology.scps.filter((scp) => scp.targets.some(test)).map((scp) => ({ name: scp.name, policy: scp.document }));
  const root = attachedTo((t) => t.startsWith("r-"));
  const ous = attachedTo((t) => ousOfAccount.has(t));
  const own = attachedTo((t) => t === account);
  return [
    { orgIdentifier: "root", policies: [FULL_AWS_ACCESS, ...root] },
    ...(ous.length > 0 ? [{ orgIdentifier: `ou (${[...ousOfAccount].join(", ")})`, policies: [FULL_AWS_ACCESS, ...ous] }] : []),
    { orgIdentifier: account, policies: [FULL_AWS_ACCESS, ...own] },
  ];
}

function usedAccounts(topology: Topology): Set<string> {
  const used = new Set<string>([topology.ml.mlAccountId]);
  Object.values(topology.ml.consumers).forEach((c) => used.add(c.accountId));
  for (const arn of [topology.ml.guardrail.managementRoleArn, topology.ml.dataLake.roleArn]) if (arn) used.add(accountOf(arn));
  if (topology.ml.dataLake.accountId) used.add(topology.ml.dataLake.accountId);
  return used;
}

function unusedAccountId(used: ReadonlySet<string>, start: number): string {
  let candidate = start;
  while (used.has(String(candidate))) candidate += 1;
  return String(candidate);
}

/** Accounts that stand for "someone else": another member of the organization, one of another organization, one of none. */
export interface StrangerAccounts {
  readonly member: string;
  readonly otherOrganization: string;
  readonly noOrganization: string;
}

export function strangerAccounts(topology: Topology): StrangerAccounts {
  const used = usedAccounts(topology);
  const member = unusedAccountId(used, 123456789012);
  used.add(member);
  const otherOrganization = unusedAccountId(used, 210987654321);
  used.add(otherOrganization);
  return { member, otherOrganization, noOrganization: unusedAccountId(used, 345678901234) };
}
