import { awsPrincipalsOf, documentsOf, statementsOf, TYPES } from "./documents";
import type { Rule } from "./types";

const SMOKE_TEST_ROLE_TYPE = "modelshare:index:SmokeTestRole";

/**
 * A smoke-test role is assumed by Lambda for the consumer's smoke-test function, never by an AWS principal: a role
 * the ML pipeline may assume means the promotion runner, holding ML-pipeline credentials, must run in the consumer's
 * network (smokeTest.runner "direct"). That is allowed only as an explicit opt-in: a waiver of this rule, with its
 * reason, in the consumer stack's config.
 */
export const smokeTestRunsInConsumer: Rule = {
  id: "smoke-test-runs-in-consumer",
  message: "A smoke-test role trusts only the Lambda service (its function runs the smoke test in the consumer account); direct mode, where the ML pipeline assumes it, needs a waiver.",
  reason:
    "In direct mode the process holding the ML pipeline role's credentials runs inside the consumer account's network; " +
    "a consumer administrator who reaches that runner holds a pipeline session, which the ML guardrail exempts, and can " +
    "reach the other environments' deploy roles (security review H1).",
  checkResource(resource) {
    if (resource.type !== TYPES.role || resource.parentType !== SMOKE_TEST_ROLE_TYPE) return [];
    return documentsOf(resource)
      .filter((parsed) => parsed.kind === "trust")
      .flatMap((parsed) => statementsOf(parsed.document ?? {}).filter((s) => s.Effect === "Allow"))
      .flatMap((statement) => awsPrincipalsOf(statement).map((principal) => `trust admits the AWS principal ${principal}: the smoke test would run outside the consumer's function (smokeTest.runner "direct"); use runner "function", or waive this rule for the stack with a reason`));
  },
};
