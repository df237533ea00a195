import { documentsOf, statementsOf } from "./documents";
import type { Rule } from "./types";

const BASE_OPERATORS = [
  "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
  "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
  "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
  "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
];

/** Why an operator is not one IAM evaluates, or undefined when it is. */
export function operatorProblem(operator: string): string | undefined {
  const withoutSet = operator.replace(/^(ForAllValues|ForAnyValue):/, "");
  if (withoutSet === "Null") return operator === "Null" ? undefined : `${operator}: Null takes no ForAllValues/ForAnyValue qualifier`;
  const base = withoutSet.replace(/IfExists$/, "");
  if (BASE_OPERATORS.includes(base)) return undefined;
  const nearMiss = BASE_OPERATORS.find((known) => known.toLowerCase() === base.toLowerCase());
  return nearMiss ? `${operator} is not an IAM condition operator (operators are case-sensitive: ${nearMiss})` : `${operator} is not an IAM condition operator`;
}

/** Every condition operator is one IAM knows: the simulator behind the access matrix ignores unknown ones. */
export const conditionOperatorsKnown: Rule = {
  id: "condition-operators-known",
  message: "Every condition operator is an IAM condition operator (with optional IfExists and ForAllValues/ForAnyValue).",
  reason:
    "An unknown operator makes the policy invalid in AWS, and iam-simulate silently ignores it, so the access matrix " +
    "would evaluate a condition that does not exist: this rule keeps the matrix honest.",
  checkResource(resource) {
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      for (const [index, statement] of statementsOf(parsed.document ?? {}).entries()) {
        for (const operator of Object.keys(statement.Condition ?? {})) {
          const problem = operatorProblem(operator);
          if (problem) details.push(`${parsed.field} statement ${statement.Sid ?? `#${index + 1}`}: ${problem}`);
        }
      }
    }
    return details;
  },
};
