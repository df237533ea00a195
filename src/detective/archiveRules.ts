import { accountRootArn } from "../arn";

/**
 * The archive rules of the organization's IAM Access Analyzer: exactly the external access modelshare intends (each
 * shared role assumed by its own environment's application principals; the data-lake bucket read by the ML account's
 * training principal), so every other finding stays active. Pure: the ML stack wires these into
 * aws.accessanalyzer.ArchiveRule, the rules and the tests judge the same objects.
 *
 * Which finding fields an archive rule can filter on is AWS's list, "IAM Access Analyzer filter keys" (IAM User Guide,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html): `resource`,
 * `resourceType`, `resourceOwnerAccount`, `isPublic`, `principal.AWS`, `condition.aws:PrincipalArn`,
 * `condition.aws:PrincipalOrgID` and others; `status` and `id` are for listing only, and there is no key for the
 * finding's action. So an archive rule can say who may reach which resource under which conditions, never which
 * action: the narrowness proof works on (principal, resource) pairs (src/detective/findings.ts).
 */

/** The filter keys modelshare's rules use, each listed as archive-rule capable on the page above. */
export const ARCHIVE_RULE_FILTER_KEYS = [
  "resource",
  "resourceType",
  "resourceOwnerAccount",
  "isPublic",
  "principal.AWS",
  "condition.aws:PrincipalArn",
  "condition.aws:PrincipalOrgID",
] as const;
export type ArchiveFilterKey = (typeof ARCHIVE_RULE_FILTER_KEYS)[number];

/** Keys the page lists for ListFindings only: an archive rule naming them is refused by CreateArchiveRule. */
export const LIST_ONLY_FILTER_KEYS = ["status", "id", "changeType", "existingFindingId", "existingFindingStatus"] as const;

/** CreateArchiveRule: "Each archive rule can have up to 20 values per criterion" (IAM Access Analyzer quotas). */
export const MAX_VALUES_PER_CRITERION = 20;

/** One criterion of an archive rule. modelshare uses `eq` only: `neq`, `contains` and `exists` would widen a rule. */
export interface ArchiveFilter {
  readonly criteria: ArchiveFilterKey;
  readonly eq: readonly string[];
}

export interface ArchiveRulePlan {
  /** ArchiveRule's ruleName: [A-Za-z][A-Za-z0-9_.-]*, 1-255. */
  readonly ruleName: string;
  /** What the rule archives, in words (the component's description, the docs). */
  readonly purpose: string;
  readonly filters: readonly ArchiveFilter[];
}

/** One cross-account access modelshare intends and creates: who may reach which resource, under which conditions. */
export interface IntendedAccess {
  readonly kind: "shared-role" | "data-lake";
  /** Environment (shared roles) or bucket name (the data lake), for rule names and messages. */
  readonly subject: string;
  readonly resourceArn: string;
  readonly resourceType: "AWS::IAM::Role" | "AWS::S3::Bucket";
  readonly resourceOwnerAccount: string;
  /** The account named as the policy's principal (its root, narrowed by aws:PrincipalArn). */
  readonly principalAccount: string;
  /** The exact principal ARNs aws:PrincipalArn admits. */
  readonly principalArns: readonly string[];
  /** aws:PrincipalOrgID the policy requires, when it does. */
  readonly organizationId?: string;
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out.length > 0 ? out : [[]];
}

function ruleNamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, "-");
}

/**
 * The archive rules for these accesses: per access one rule (more when its principals exceed 20 values), each naming
 * the exact resource, its owner, the principal account (as account id and root ARN: the finding shows one of them),
 * the exact principal ARNs, the organization when required, and isPublic false.
 */
export function archiveRulesFor(accesses: readonly IntendedAccess[], partition: string, rulePrefix: string): ArchiveRulePlan[] {
  const rules: ArchiveRulePlan[] = [];
  for (const access of accesses) {
    const parts = chunks([...new Set(access.principalArns)].sort(), MAX_VALUES_PER_CRITERION);
    parts.forEach((principalArns, index) => {
      const suffix = parts.length > 1 ? `-${index + 1}` : "";
      const filters: ArchiveFilter[] = [
        { criteria: "resource", eq: [access.resourceArn] },
        { criteria: "resourceType", eq: [access.resourceType] },
        { criteria: "resourceOwnerAccount", eq: [access.resourceOwnerAccount] },
        { criteria: "isPublic", eq: ["false"] },
        { criteria: "principal.AWS", eq: [access.principalAccount, accountRootArn(partition, access.principalAccount)] },
        { criteria: "condition.aws:PrincipalArn", eq: principalArns },
        ...(access.organizationId !== undefined ? [{ criteria: "condition.aws:PrincipalOrgID" as const, eq: [access.organizationId] }] : []),
      ];
      rules.push({
        ruleName: `${ruleNamePart(rulePrefix)}-${access.kind}-${ruleNamePart(access.subject)}${suffix}`.slice(0, 255),
        purpose:
          access.kind === "shared-role"
            ? `${access.subject}'s application principals (account ${access.principalAccount}) assume ${access.resourceArn}`
            : `the training principal of account ${access.principalAccount} reads bucket ${access.subject}`,
        filters,
      });
    });
  }
  return rules;
}

/**
 * A finding as far as archive rules see it: each filter key with the values the finding carries for it. A key the
 * finding does not carry (an anonymous principal has no principal.AWS) matches no `eq`.
 */
export type FindingShape = Readonly<Partial<Record<ArchiveFilterKey, readonly string[]>>>;

/** Whether an archive rule would archive a finding: every criterion holds (AND), `eq` holding when a value is listed. */
export function archives(rule: Pick<ArchiveRulePlan, "filters">, finding: FindingShape): boolean {
  return rule.filters.every((filter) => (finding[filter.criteria] ?? []).some((value) => filter.eq.includes(value)));
}
