import { POLICY_PROTECTED_ACTIONS, PROTECTED_POLICY_PATH } from "../policies/guardrail";
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

/** Whether some Deny of the document denies `action` on `arn` (whatever its own exemption). */
function deniedOn(statements: readonly StatementJson[], action: string, arn: string): boolean {
  return statements.some((s) => s.Effect === "Deny" && covers(listOf(s.Action), action) && covers(listOf(s.Resource), arn));
}

/**
 * The customer-managed policies an exempted role may carry live under PROTECTED_POLICY_PATH (README, "Guardrails"):
 * a new default version of one changes the role's permissions without touching the role, so the SCP that exempts
 * roles must deny changing them too, in any account it reaches.
 */
function openPolicyActions(statements: readonly StatementJson[], partition: string): string[] {
  const probe = `arn:${partition}:iam::123456789012:policy${PROTECTED_POLICY_PATH}modelshare-rule-probe`;
  return POLICY_PROTECTED_ACTIONS.filter((action) => !deniedOn(statements, action, probe));
}

/**
 * Protect what you exempt: an SCP statement that exempts a role by aws:PrincipalArn is only as strong as that role.
 * Whoever may rewrite its trust, attach a policy to it, pass it to a service, or delete and re-create it under the
 * same name becomes the exempt principal, so the same SCP must deny those changes on every exempted ARN.
 */
export const exemptionsProtected: Rule = {
  id: "exemptions-protected",
  message: `Every role an SCP exempts by aws:PrincipalArn is itself protected by a Deny of ${TAKEOVER_ACTIONS.join(", ")} in the same SCP, and so are the customer-managed policies under ${PROTECTED_POLICY_PATH} (${POLICY_PROTECTED_ACTIONS.join(", ")}).`,
  reason:
    "An SCP exemption names a role ARN, not the people behind it: an administrator who can update that role's trust " +
    "policy, attach a policy to it, pass it to a service or delete and re-create it acts as the exempt role and walks " +
    "past the guardrail. A new default version of a customer-managed policy attached to it changes its permissions " +
    "without touching the role (IAM API Reference, SetDefaultPolicyVersion).",
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
      const partition = [...exempted].map((arn) => arn.split(":")[1]).find((p) => p !== undefined && p !== "" && !p.includes("*")) ?? "aws";
      const openPolicies = exempted.size > 0 ? openPolicyActions(statements, partition) : [];
      if (openPolicies.length > 0) details.push(`${parsed.field} exempts roles but does not deny ${openPolicies.join(", ")} on the protected policies (policy${PROTECTED_POLICY_PATH}*) their permissions come from`);
    }
    return details;
  },
};
