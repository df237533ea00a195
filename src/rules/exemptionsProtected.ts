import { conditionValues, documentsOf, globPattern, listOf, statementsOf, StatementJson } from "./documents";
import type { Rule } from "./types";

/** The IAM actions that let someone become a role, or run code as it: each must be denied on an exempted role. */
export const TAKEOVER_ACTIONS = ["iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PassRole"] as const;

const EXEMPTION_OPERATORS = ["ArnNotLike", "ArnNotEquals", "StringNotLike", "StringNotEquals"].flatMap((op) => [op, `${op}IfExists`]);

/** The principal ARNs (or patterns) a Deny statement exempts through aws:PrincipalArn. */
export function exemptedPrincipals(statement: StatementJson): string[] {
  if (statement.Effect !== "Deny") return [];
  return EXEMPTION_OPERATORS.flatMap((operator) => [...(conditionValues(statement, operator, "aws:PrincipalArn") ?? [])]);
}

function covers(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globPattern(pattern).test(value));
}

/** Whether some Deny of the document denies `action` on `roleArn` (whatever its own exemption). */
function deniedOn(statements: readonly StatementJson[], action: string, roleArn: string): boolean {
  return statements.some((s) => s.Effect === "Deny" && covers(listOf(s.Action), action) && covers(listOf(s.Resource), roleArn));
}

/**
 * Protect what you exempt: an SCP statement that exempts a role by aws:PrincipalArn is only as strong as that role.
 * Whoever may rewrite its trust, attach a policy to it, pass it to a service, or delete and re-create it under the
 * same name becomes the exempt principal, so the same SCP must deny those changes on every exempted ARN.
 */
export const exemptionsProtected: Rule = {
  id: "exemptions-protected",
  message: `Every role an SCP exempts by aws:PrincipalArn is itself protected by a Deny of ${TAKEOVER_ACTIONS.join(", ")} in the same SCP.`,
  reason:
    "An SCP exemption names a role ARN, not the people behind it: an administrator who can update that role's trust " +
    "policy, attach a policy to it, pass it to a service or delete and re-create it acts as the exempt role and walks " +
    "past the guardrail.",
  checkResource(resource) {
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      if (parsed.kind !== "scp" || !parsed.document) continue;
      const statements = statementsOf(parsed.document);
      const exempted = new Set(statements.flatMap(exemptedPrincipals));
      for (const principal of [...exempted].sort()) {
        const open = TAKEOVER_ACTIONS.filter((action) => !deniedOn(statements, action, principal));
        if (open.length > 0) details.push(`${parsed.field} exempts ${principal} but does not deny ${open.join(", ")} on it`);
      }
    }
    return details;
  },
};
