import { isAccountId, parseRoleArn } from "../arn";
import type { ConfigProblem } from "./problems";
import { NAMESPACE_MODELSHARE } from "./raw";
import type { MlConfig } from "./schema";

/**
 * Where the guardrails reach: which accounts are the organization's management account (SCPs never restrict its
 * users or roles: AWS Organizations User Guide, "Service control policies",
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html) and which OUs each ML or
 * consumer account is under (an SCP attached to an OU applies to every account below it, and to no other). Pure: the
 * config checks use the declared placement, the ML stack the one Organizations reports at deploy time.
 */

const key = (path: string) => `${NAMESPACE_MODELSHARE}:${path}`;

/** The management account as the config implies it: the account of guardrail.managementRoleArn. */
export function configuredManagementAccount(config: MlConfig): string | undefined {
  const role = config.guardrail.managementRoleArn === undefined ? undefined : parseRoleArn(config.guardrail.managementRoleArn);
  return typeof role === "object" ? role.accountId : undefined;
}

/** The accounts a guardrail is meant to restrict, each with the config key that names it. */
function guardedAccounts(config: MlConfig): { key: string; account: string; what: string }[] {
  const g = config.guardrail;
  return [
    { key: "mlAccountId", account: config.mlAccountId, what: "the ML account" },
    ...Object.entries(config.consumers).map(([env, c]) => ({ key: `consumers.${env}.accountId`, account: c.accountId, what: `consumer ${env}'s account` })),
    ...g.consumerTargetIds.flatMap((t, i) => (isAccountId(t) ? [{ key: `guardrail.consumerTargetIds[${i}]`, account: t, what: "a consumer guardrail target" }] : [])),
    ...(g.mlTargetIds ?? []).flatMap((t, i) => (isAccountId(t) ? [{ key: `guardrail.mlTargetIds[${i}]`, account: t, what: "an ML guardrail target" }] : [])),
  ];
}

/** Every account a guardrail should restrict that is the management account, which no SCP restricts. */
export function managementAccountProblems(config: MlConfig, managementAccountId: string | undefined, source = "guardrail.managementRoleArn"): ConfigProblem[] {
  if (!config.guardrail.enabled || managementAccountId === undefined) return [];
  const seen = new Set<string>();
  return guardedAccounts(config).flatMap(({ key: path, account, what }) => {
    if (account !== managementAccountId || seen.has(path)) return [];
    seen.add(path);
    return [{
      key: key(path),
      value: account,
      message: `is the organization's management account (from ${source}); SCPs never restrict the management account's users and roles, so ${what} there would have no guardrail: use a member account`,
    }];
  });
}

/** An account and the OUs it is under (declared in config, or reported by Organizations). */
interface Placement {
  readonly key: string;
  readonly account: string;
  readonly organizationalUnitIds?: readonly string[];
}

function reaches(targets: readonly string[], placement: Placement): boolean {
  return targets.some((t) => t === placement.account || t.startsWith("r-") || (placement.organizationalUnitIds ?? []).includes(t));
}

function consumerPlacements(config: MlConfig): (Placement & { env: string })[] {
  return Object.entries(config.consumers).map(([env, c]) => ({ env, key: `consumers.${env}.organizationalUnitIds`, account: c.accountId, organizationalUnitIds: c.organizationalUnitIds }));
}

/**
 * Offline: every consumer account must be reached by a consumer target (its account, a root, or an OU it declares it
 * is under), and the ML account by an ML target. An account reached only through OUs must declare them, so the matrix
 * can apply each OU's SCP only to the accounts under it.
 */
export function declaredPlacementProblems(config: MlConfig): ConfigProblem[] {
  const g = config.guardrail;
  if (!g.enabled) return [];
  const problems: ConfigProblem[] = [];
  const consumerOus = g.consumerTargetIds.filter((t) => t.startsWith("ou-"));
  for (const placement of consumerPlacements(config)) {
    if (reaches(g.consumerTargetIds, placement)) continue;
    problems.push(
      placement.organizationalUnitIds === undefined
        ? { key: key(placement.key), message: `is required: guardrail.consumerTargetIds reaches ${placement.env}'s account ${placement.account} neither directly nor through a root, so name the OUs it is under (one of ${consumerOus.join(", ") || "none"}), or add the account to guardrail.consumerTargetIds` }
        : { key: key(placement.key), value: placement.organizationalUnitIds, message: `puts ${placement.env}'s account ${placement.account} under no consumer guardrail target (guardrail.consumerTargetIds: ${g.consumerTargetIds.join(", ") || "none"}): the account would have no consumer guardrail` },
    );
  }
  const mlTargets = g.mlTargetIds ?? [config.mlAccountId];
  const ml: Placement = { key: "guardrail.mlOrganizationalUnitIds", account: config.mlAccountId, organizationalUnitIds: g.mlOrganizationalUnitIds };
  if (!reaches(mlTargets, ml)) {
    problems.push(
      ml.organizationalUnitIds === undefined
        ? { key: key(ml.key), message: `is required: guardrail.mlTargetIds reaches the ML account ${config.mlAccountId} neither directly nor through a root, so name the OUs it is under, or add the account to guardrail.mlTargetIds` }
        : { key: key(ml.key), value: ml.organizationalUnitIds, message: `puts the ML account ${config.mlAccountId} under no ML guardrail target (guardrail.mlTargetIds: ${mlTargets.join(", ")})` },
    );
  }
  (g.mlOrganizationalUnitIds ?? []).forEach((ou, i) => {
    if (g.consumerTargetIds.includes(ou)) {
      problems.push({ key: key(`guardrail.mlOrganizationalUnitIds[${i}]`), value: ou, message: "is a consumer guardrail target: the consumer guardrail would stop the pipeline from managing the model in the ML account" });
    }
  });
  return problems;
}

/** What Organizations reports at deploy time, through the management account. */
export interface OrganizationView {
  readonly managementAccountId: string;
  /** Target (OU or root) id -> the accounts under it, at any depth. */
  readonly accountsUnder: ReadonlyMap<string, readonly string[]>;
}

/** The OU and root targets whose accounts the deploy-time check needs, and the declared OUs it verifies. */
export function parentsToLookUp(config: MlConfig): string[] {
  const g = config.guardrail;
  const declared = [...Object.values(config.consumers).flatMap((c) => c.organizationalUnitIds ?? []), ...(g.mlOrganizationalUnitIds ?? [])];
  return [...new Set([...g.consumerTargetIds, ...(g.mlTargetIds ?? []), ...declared].filter((t) => !isAccountId(t)))].sort();
}

/**
 * At deploy time, with the organization as Organizations reports it: the management account is none of the guarded
 * accounts; every consumer account is under a consumer target and the ML account under an ML target; and each declared
 * OU really holds the account (else the matrix's proof would rest on a wrong map).
 */
export function organizationPlacementProblems(config: MlConfig, organization: OrganizationView): ConfigProblem[] {
  const g = config.guardrail;
  if (!g.enabled) return [];
  const problems = managementAccountProblems(config, organization.managementAccountId, "Organizations DescribeOrganization, through the management role");
  const under = (target: string, account: string) => target === account || (organization.accountsUnder.get(target) ?? []).includes(account);
  const check = (what: string, placementKey: string, account: string, targets: readonly string[], declared: readonly string[] | undefined) => {
    if (!targets.some((t) => under(t, account))) {
      problems.push({ key: key(placementKey), value: account, message: `${what} ${account} is under none of its guardrail's targets (${targets.join(", ")}) in the organization: attach the guardrail to an OU that holds it, or add the account as a target` });
    }
    (declared ?? []).forEach((ou, i) => {
      if (!under(ou, account)) problems.push({ key: key(`${placementKey}[${i}]`), value: ou, message: `does not hold ${what} ${account} in the organization (Organizations lists ${organization.accountsUnder.get(ou)?.length ?? 0} accounts under it): correct the OUs the account is under` });
    });
  };
  for (const placement of consumerPlacements(config)) check(`consumer ${placement.env}'s account`, placement.key, placement.account, g.consumerTargetIds, placement.organizationalUnitIds);
  check("the ML account", "guardrail.mlOrganizationalUnitIds", config.mlAccountId, g.mlTargetIds ?? [config.mlAccountId], g.mlOrganizationalUnitIds);
  return problems;
}

/**
 * The organization as the config declares it: what `modelshare synth` (offline) and the tests' mocks answer for the
 * deploy-time lookups. The management account is guardrail.managementRoleArn's; each declared OU holds the accounts
 * that declare it; a root holds every account the config names.
 */
export function declaredOrganization(config: MlConfig): OrganizationView {
  const g = config.guardrail;
  const accountsUnder = new Map<string, string[]>();
  const add = (parent: string, account: string) => accountsUnder.set(parent, [...new Set([...(accountsUnder.get(parent) ?? []), account])]);
  for (const c of Object.values(config.consumers)) for (const ou of c.organizationalUnitIds ?? []) add(ou, c.accountId);
  for (const ou of g.mlOrganizationalUnitIds ?? []) add(ou, config.mlAccountId);
  const everyAccount = [config.mlAccountId, ...Object.values(config.consumers).map((c) => c.accountId)];
  for (const root of [...g.consumerTargetIds, ...(g.mlTargetIds ?? [])].filter((t) => t.startsWith("r-"))) everyAccount.forEach((account) => add(root, account));
  return { managementAccountId: configuredManagementAccount(config) ?? "", accountsUnder };
}
