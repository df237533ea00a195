import { BudgetProblem, formatBudgetProblem } from "./plan";

/** One or more policies would exceed an IAM or Organizations quota: raised before any resource is registered. */
export class BudgetError extends Error {
  constructor(readonly problems: readonly BudgetProblem[]) {
    super(`over quota (${problems.length}):\n${problems.map((p) => `  - ${formatBudgetProblem(p)}`).join("\n")}`);
    this.name = "BudgetError";
  }
}
