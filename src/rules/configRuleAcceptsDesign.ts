import { GUARD_POLICY_RUNTIME, GUARD_POLICY_TEXT_MAX, providerNormalizedPolicy, roleConfigurationItem } from "../detective/guard";
import { evaluateGuard, GuardRule, parseGuard } from "../detective/guardEvaluator";
import { resourceLabel, TYPES } from "./documents";
import type { Rule, Violation } from "./types";

/**
 * The Config rule must be valid Guard for Config's runtime and find every role the stack deploys under the shared path
 * COMPLIANT: a rule that flags the design itself would be noise everyone learns to ignore. Each role is judged as AWS
 * Config would see it: its documents as the AWS provider sends them to IAM (keys sorted), URL-encoded
 * (src/detective/guard.ts), evaluated by src/detective/guardEvaluator.ts.
 */
export const configRuleAcceptsDesign: Rule = {
  id: "config-rule-accepts-design",
  message: `The AWS Config rule is Guard (${GUARD_POLICY_RUNTIME}) of at most ${GUARD_POLICY_TEXT_MAX} characters, and finds every shared role this stack deploys COMPLIANT.`,
  reason:
    "Config rejects a policy text over its limit or for another runtime at deploy time; and a rule that reports the deployed design as NON_COMPLIANT hides real drift among false findings.",
  checkStack(stack) {
    const violations: Violation[] = [];
    for (const rule of stack.resources.filter((r) => r.type === TYPES.configRule)) {
      const source = (rule.inputs.source ?? {}) as { owner?: string; customPolicyDetails?: { policyRuntime?: string; policyText?: string } };
      if (source.owner !== "CUSTOM_POLICY") continue;
      const label = resourceLabel(rule);
      const text = source.customPolicyDetails?.policyText ?? "";
      if (source.customPolicyDetails?.policyRuntime !== GUARD_POLICY_RUNTIME) violations.push({ resource: label, detail: `policyRuntime is ${String(source.customPolicyDetails?.policyRuntime)}; AWS Config runs ${GUARD_POLICY_RUNTIME}` });
      if (text.length > GUARD_POLICY_TEXT_MAX) violations.push({ resource: label, detail: `policyText is ${text.length} characters, over AWS Config's ${GUARD_POLICY_TEXT_MAX}` });
      let rules: GuardRule[];
      try {
        rules = parseGuard(text);
      } catch (error) {
        violations.push({ resource: label, detail: (error as Error).message });
        continue;
      }
      for (const role of stack.resources.filter((r) => r.type === TYPES.role && r.parentType === TYPES.sharedModelRole)) {
        const name = String(role.inputs.name);
        const inline = stack.resources.filter((r) => r.type === TYPES.rolePolicy && r.inputs.role === name);
        const item = roleConfigurationItem({
          path: String(role.inputs.path ?? "/"),
          roleName: name,
          trustPolicy: providerNormalizedPolicy(String(role.inputs.assumeRolePolicy), "trust"),
          inlinePolicies: inline.map((p) => ({ name: String(p.inputs.name), document: providerNormalizedPolicy(String(p.inputs.policy), "role-policy") })),
        });
        const result = evaluateGuard(rules, item);
        if (result.status !== "PASS") {
          violations.push({ resource: label, detail: `finds the deployed shared role ${name} ${result.status === "FAIL" ? "NON_COMPLIANT" : "NOT_APPLICABLE"} (${result.failures.map((f) => `${f.query}: ${f.message}`).join("; ")})` });
        }
      }
    }
    return violations;
  },
};
