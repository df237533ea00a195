import { documentsOf, statementsOf } from "./documents";
import type { Rule } from "./types";

/** Every policy input is a JSON policy document that IAM and Organizations accept as written. */
export const policyJsonValid: Rule = {
  id: "policy-json-valid",
  message: "Every policy document is a JSON object with Version 2012-10-17 and at least one statement.",
  reason:
    "A policy that is not valid JSON fails only at deploy time; Version 2008-10-17 silently disables policy variables; " +
    "an empty Statement list grants or denies nothing while looking like it does.",
  checkResource(resource) {
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      if (parsed.error !== undefined) {
        details.push(`${parsed.field} ${parsed.error}`);
        continue;
      }
      const document = parsed.document!;
      if (document.Version !== "2012-10-17") details.push(`${parsed.field} has Version ${JSON.stringify(document.Version)}; use "2012-10-17"`);
      if (statementsOf(document).length === 0) details.push(`${parsed.field} has no statement`);
    }
    return details;
  },
};
