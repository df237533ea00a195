import { BudgetProblem, checkInlineBudget, checkMlBudgets, formatBudgetProblem, MlPlan, ScpPlan, SharedRolePlan } from "../plan";
import { PolicyDocument, policyDocument, policySize } from "../policies/document";
import { documentsOf, resourceLabel, TYPES, CheckedResource } from "./documents";
import type { Rule, Violation } from "./types";

/**
 * The budget logic is src/plan.ts's (checkMlBudgets, checkInlineBudget, policySize): the program checks its plan
 * with it before registering anything, and this rule checks what was actually synthesized with the very same
 * functions, so the two can never disagree on how AWS counts.
 */

// Inline policies are summed per role by checkInlineBudget, so the plans built here carry none.
const NO_PERMISSIONS: PolicyDocument = policyDocument([]);

function planWith(parts: { sharedRoles?: SharedRolePlan[]; scps?: ScpPlan[] }): MlPlan {
  return { projectName: "", sharedRoles: parts.sharedRoles ?? [], projectPolicies: [], scps: parts.scps ?? [], detective: {} };
}

function trustOnlyRole(name: string, trustPolicy: PolicyDocument): SharedRolePlan {
  return { environment: name, roleName: name, roleArn: "", consumerAccountId: "", maxSessionDurationSeconds: 0, grantedVersionArns: [], trustPolicy, permissionsPolicy: NO_PERMISSIONS };
}

/** The plan-level problems, re-labelled with the synthesized resource they come from. */
function relabel(problems: readonly BudgetProblem[], subject: string): string[] {
  return problems.map((problem) => formatBudgetProblem({ ...problem, subject }));
}

function physicalName(resource: CheckedResource): string {
  return typeof resource.inputs.name === "string" ? resource.inputs.name : resource.name;
}

export const quotaBudgets: Rule = {
  id: "quota-budgets",
  message:
    "Trust policies, inline policies per role, managed policies and SCPs fit their quotas (modelshare:quotas), measured on minified JSON, " +
    "and no organization target carries more SCPs than allowed.",
  reason:
    "IAM and Organizations reject an oversized document at deploy time, halfway through an update; counting characters " +
    "the way AWS does (whitespace excluded) here makes the failure show in review instead.",
  checkResource(resource, context) {
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      if (!parsed.document) continue;
      const document = parsed.document as unknown as PolicyDocument;
      if (parsed.kind === "trust") {
        const problems = checkMlBudgets(planWith({ sharedRoles: [trustOnlyRole(physicalName(resource), document)] }), context.quotas, {});
        details.push(...relabel(problems, `trust policy of role ${physicalName(resource)}`));
      } else if (parsed.kind === "scp") {
        const scp: ScpPlan = { name: physicalName(resource), description: "", document, targetIds: [] };
        details.push(...relabel(checkMlBudgets(planWith({ scps: [scp] }), context.quotas, {}), `SCP ${physicalName(resource)}`));
      } else if (parsed.kind === "managed") {
        // plan.ts has no managed-policy budget (modelshare creates none); the measure is still policySize.
        const size = policySize(document);
        if (size > context.quotas.managedPolicyChars) {
          details.push(formatBudgetProblem({ subject: `managed policy ${physicalName(resource)}`, size, limit: context.quotas.managedPolicyChars, unit: "characters", quotaKey: "managedPolicyChars" }));
        }
      }
    }
    return details;
  },
  checkStack({ stack, resources, context }) {
    const violations: Violation[] = [];
    const inlineByRole = new Map<string, CheckedResource[]>();
    for (const resource of resources.filter((r) => r.type === TYPES.rolePolicy)) {
      // An unknown role name (preview) is counted on its own rather than merged with other roles.
      const role = typeof resource.inputs.role === "string" ? resource.inputs.role : `(unknown role of ${resource.name})`;
      inlineByRole.set(role, [...(inlineByRole.get(role) ?? []), resource]);
    }
    for (const [role, policies] of inlineByRole) {
      const documents = policies.flatMap((p) => documentsOf(p).flatMap((d) => (d.document ? [d.document as unknown as PolicyDocument] : [])));
      for (const problem of checkInlineBudget(`role ${role}: inline policies together`, documents, context.quotas)) {
        violations.push({ resource: resourceLabel({ ...policies[0], stack }), detail: formatBudgetProblem(problem) });
      }
    }
    // One plan entry per attachment: checkMlBudgets counts (policy, target) pairs per target, FullAWSAccess included.
    const attachments = resources.filter((r) => r.type === TYPES.policyAttachment && typeof r.inputs.targetId === "string");
    const scps: ScpPlan[] = attachments.map((a) => ({ name: a.name, description: "", document: NO_PERMISSIONS, targetIds: [a.inputs.targetId as string] }));
    const existing = context.intent?.existingPoliciesPerTarget ?? {};
    for (const problem of checkMlBudgets(planWith({ scps }), context.quotas, existing).filter((p) => p.unit === "attached SCPs")) {
      const target = attachments.find((a) => problem.subject.includes(a.inputs.targetId as string)) ?? attachments[0];
      violations.push({ resource: resourceLabel({ ...target, stack }), detail: formatBudgetProblem(problem) });
    }
    return violations;
  },
};
