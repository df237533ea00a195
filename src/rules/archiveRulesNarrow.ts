import { ARCHIVE_RULE_FILTER_KEYS, MAX_VALUES_PER_CRITERION } from "../detective/archiveRules";
import { TYPES } from "./documents";
import type { Rule } from "./types";

interface FilterInput {
  readonly criteria?: unknown;
  readonly eqs?: unknown;
  readonly neqs?: unknown;
  readonly contains?: unknown;
  readonly exists?: unknown;
}

const REQUIRED = ["resource", "principal.AWS", "condition.aws:PrincipalArn", "isPublic"] as const;

function values(filter: FilterInput): string[] {
  return Array.isArray(filter.eqs) ? filter.eqs.map(String) : [];
}

/**
 * An archive rule archives only access modelshare intends: exact resource, exact principal ARNs, the principal's
 * account, not public, and only keys CreateArchiveRule accepts ("IAM Access Analyzer filter keys", IAM User Guide).
 */
export const archiveRulesNarrow: Rule = {
  id: "archive-rules-narrow",
  message:
    "Every Access Analyzer archive rule names an exact resource, exact principal ARNs (condition.aws:PrincipalArn), the principal's account and isPublic false, with `eq` only " +
    "and only filter keys archive rules support; and it matches an access the configuration intends (a shared role for its own environment, the data lake for the training principal).",
  reason:
    "An archive rule hides findings for good: one that is wider than modelshare's own access (a wildcard, a `neq`, a missing principal condition) " +
    "would archive the very finding that shows a shared role or the training bucket opened to someone else.",
  checkResource(resource, context) {
    if (resource.type !== TYPES.archiveRule) return [];
    const details: string[] = [];
    const filters = (Array.isArray(resource.inputs.filters) ? resource.inputs.filters : []) as FilterInput[];
    const byKey = new Map<string, string[]>();
    for (const filter of filters) {
      const key = String(filter.criteria);
      if (!(ARCHIVE_RULE_FILTER_KEYS as readonly string[]).includes(key)) details.push(`filters on "${key}", not one of the keys modelshare's rules use (${ARCHIVE_RULE_FILTER_KEYS.join(", ")})`);
      for (const widening of ["neqs", "contains", "exists"] as const) if (filter[widening] !== undefined) details.push(`uses ${widening} on "${key}"; only eqs keeps a rule exact`);
      const list = values(filter);
      if (list.length === 0) details.push(`"${key}" has no eqs value`);
      if (list.length > MAX_VALUES_PER_CRITERION) details.push(`"${key}" has ${list.length} values; an archive rule takes at most ${MAX_VALUES_PER_CRITERION} per criterion`);
      for (const value of list) if (/[*?]/.test(value)) details.push(`"${key}" value ${value} is a wildcard`);
      byKey.set(key, list);
    }
    for (const key of REQUIRED) if (!byKey.has(key)) details.push(`has no "${key}" criterion: it would archive that access for any ${key === "isPublic" ? "public or private" : key} value`);
    const isPublic = byKey.get("isPublic");
    if (isPublic && (isPublic.length !== 1 || isPublic[0] !== "false")) details.push(`isPublic is [${isPublic.join(", ")}]; a public finding is never modelshare's intent`);
    const intended = context.intent?.detective?.intendedAccess;
    if (intended !== undefined && details.length === 0) {
      const [resourceArn] = byKey.get("resource") ?? [];
      const access = intended.find((a) => a.resourceArn === resourceArn);
      if (!access) {
        details.push(`archives findings on ${resourceArn}, which is not a shared role or data-lake bucket of the configuration`);
      } else {
        const accounts = byKey.get("principal.AWS") ?? [];
        const foreignAccounts = accounts.filter((a) => a !== access.principalAccount && a !== `arn:${a.split(":")[1] ?? "aws"}:iam::${access.principalAccount}:root` && !a.endsWith(`::${access.principalAccount}:root`));
        if (foreignAccounts.length > 0) details.push(`admits principal.AWS ${foreignAccounts.join(", ")} on ${resourceArn}; only account ${access.principalAccount} is intended there`);
        const foreignPrincipals = (byKey.get("condition.aws:PrincipalArn") ?? []).filter((p) => !access.principalArns.includes(p));
        if (foreignPrincipals.length > 0) details.push(`admits ${foreignPrincipals.join(", ")} on ${resourceArn}; only ${access.principalArns.join(", ")} are intended there`);
        if (access.organizationId !== undefined && JSON.stringify(byKey.get("condition.aws:PrincipalOrgID") ?? []) !== JSON.stringify([access.organizationId])) {
          details.push(`does not require condition.aws:PrincipalOrgID ${access.organizationId}, which the role's trust requires`);
        }
      }
    }
    return details;
  },
};
