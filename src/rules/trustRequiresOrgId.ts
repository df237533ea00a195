import { awsPrincipalsOf, conditionValues, documentsOf, statementsOf, TYPES } from "./documents";
import type { Rule } from "./types";

/** Every Allow in a role trust policy that names AWS principals is limited to the organization by aws:PrincipalOrgID. */
export const trustRequiresOrgId: Rule = {
  id: "trust-requires-org-id",
  message: "Every trust statement that admits AWS principals requires aws:PrincipalOrgID (StringEquals) to be the configured organization.",
  reason:
    "The shared roles trust a consumer account's root narrowed by aws:PrincipalArn; aws:PrincipalOrgID keeps the " +
    "trust inside the organization even if an account id in the config is mistyped or the account leaves the organization.",
  checkResource(resource, context) {
    if (resource.type !== TYPES.role) return [];
    const expected = context.intent?.organizationId;
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      if (parsed.kind !== "trust") continue;
      for (const [index, statement] of statementsOf(parsed.document ?? {}).entries()) {
        const principals = awsPrincipalsOf(statement);
        if (statement.Effect !== "Allow" || principals.length === 0) continue;
        const where = `${parsed.field} statement ${statement.Sid ?? `#${index + 1}`} (trusts ${principals.join(", ")})`;
        const orgIds = conditionValues(statement, "StringEquals", "aws:PrincipalOrgID");
        if (orgIds === undefined) {
          details.push(`${where} has no StringEquals aws:PrincipalOrgID condition`);
        } else if (expected !== undefined && (orgIds.length !== 1 || orgIds[0] !== expected)) {
          details.push(`${where} requires aws:PrincipalOrgID ${orgIds.join(", ")}, but modelshare:organizationId is ${expected}`);
        }
      }
    }
    return details;
  },
};
