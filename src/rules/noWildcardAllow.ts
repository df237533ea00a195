import { documentsOf, listOf, statementsOf } from "./documents";
import type { Rule } from "./types";

function isActionWildcard(action: string): boolean {
  return action === "*" || /^[^:]+:\*$/.test(action);
}

/** No Allow in modelshare's policies grants every action, every action of a service, or every resource. */
export const noWildcardAllow: Rule = {
  id: "no-wildcard-allow",
  message: "No Allow statement has Action \"*\" (or \"service:*\"), Resource \"*\", NotAction or NotResource.",
  reason:
    "modelshare grants a handful of named actions on named resources; a wildcard Allow would hand a consumer or " +
    "a service far more than the shared model, and no review of the matrix would show it for resources not listed.",
  checkResource(resource) {
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      for (const [index, statement] of statementsOf(parsed.document ?? {}).entries()) {
        if (statement.Effect !== "Allow") continue;
        const where = `${parsed.field} statement ${statement.Sid ?? `#${index + 1}`}`;
        for (const action of listOf(statement.Action).filter(isActionWildcard)) details.push(`${where} allows Action ${action}`);
        if (listOf(statement.Resource).includes("*")) details.push(`${where} allows Resource *`);
        if (statement.NotAction !== undefined) details.push(`${where} allows NotAction (everything but the listed actions)`);
        if (statement.NotResource !== undefined) details.push(`${where} allows NotResource (everything but the listed resources)`);
      }
    }
    return details;
  },
};
