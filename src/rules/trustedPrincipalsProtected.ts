import { parseRoleArn } from "../arn";
import { MODELSHARE_ROLE_PATH } from "../contract";
import { conditionValues, documentsOf, statementsOf, TYPES } from "./documents";
import type { Rule } from "./types";

const PRINCIPAL_OPERATORS = ["ArnLike", "ArnEquals", "StringLike", "StringEquals"];

/**
 * While the consumer guardrail is on, a shared role trusts only roles it protects: roles under /modelshare/ in the
 * consumer account, which modelshare creates and only the deploy roles may change.
 */
export const trustedPrincipalsProtected: Rule = {
  id: "trusted-principals-protected",
  message: `With the guardrails on, every role a shared role trusts is under the IAM path ${MODELSHARE_ROLE_PATH} (created by the consumer stack, protected by the consumer guardrail).`,
  reason:
    "A shared role trusts application roles by ARN. A role outside the protected path can have its trust rewritten, " +
    "or be deleted and re-created under the same name, by any administrator of the consumer account, who then " +
    "reaches the shared model as that application.",
  checkResource(resource, context) {
    if (resource.type !== TYPES.role || context.intent?.consumerGuardrail !== true) return [];
    const isShared = resource.parentType === TYPES.sharedModelRole || (typeof resource.inputs.name === "string" && context.intent.sharedRoles.has(resource.inputs.name));
    if (!isShared) return [];
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      if (parsed.kind !== "trust") continue;
      for (const [index, statement] of statementsOf(parsed.document ?? {}).entries()) {
        if (statement.Effect !== "Allow") continue;
        const trusted = PRINCIPAL_OPERATORS.flatMap((operator) => [...(conditionValues(statement, operator, "aws:PrincipalArn") ?? [])]);
        for (const arn of trusted) {
          const role = parseRoleArn(arn);
          const path = typeof role === "object" ? role.path : undefined;
          if (path !== MODELSHARE_ROLE_PATH) {
            details.push(
              `${parsed.field} statement ${statement.Sid ?? `#${index + 1}`} trusts ${arn}, which is not a role under ${MODELSHARE_ROLE_PATH}: the consumer guardrail does not protect it; let the consumer stack create it (application.roleName, smokeTest.createRole)`,
            );
          }
        }
      }
    }
    return details;
  },
};
