import type { StackConfig } from "../config/schema";
import { catalogFor } from "./catalog";
import { chainedSessionDuration } from "./chainedSessionDuration";
import { conditionOperatorsKnown } from "./conditionOperatorsKnown";
import { CheckedResource, resourceLabel } from "./documents";
import { endpointHttpsOnly } from "./endpointHttpsOnly";
import { stackPolicyName } from "./enforcement";
import { endpointPrivateDns } from "./endpointPrivateDns";
import { exemptionsProtected } from "./exemptionsProtected";
import { exemptRoleTrust } from "./exemptRoleTrust";
import { iamNamesExist } from "./iamNamesExist";
import { deploymentIntent, ruleContextFor } from "./intent";
import { noWildcardAllow } from "./noWildcardAllow";
import { policyJsonValid } from "./policyJson";
import { quotaBudgets } from "./quotaBudgets";
import { sharedRoleExactVersions } from "./sharedRoleExactVersions";
import { smokeTestRunsInConsumer } from "./smokeTestRunsInConsumer";
import { trustRequiresOrgId } from "./trustRequiresOrgId";
import { trustedPrincipalsProtected } from "./trustedPrincipalsProtected";
import type { Finding, Rule, StackUnderCheck } from "./types";
import type { EnforcementLevel } from "./enforcement";
import type { WaivedFinding, WaiverOutcome } from "./waivers";
import { archiveRulesNarrow } from "./archiveRulesNarrow";
import { configRuleAcceptsDesign } from "./configRuleAcceptsDesign";
import { detectiveControlsProtected } from "./detectiveControlsProtected";
import { modelAlarmsComplete } from "./modelAlarmsComplete";

export type { Finding, Rule, RuleContext, StackUnderCheck, Violation, DeploymentIntent } from "./types";
export type { CheckedResource } from "./documents";

/** Every rule, in the order failures are reported. synth, the CrossGuard pack and the tests all use this list. */
export const RULES: readonly Rule[] = [
  policyJsonValid,
  sharedRoleExactVersions,
  noWildcardAllow,
  trustRequiresOrgId,
  trustedPrincipalsProtected,
  chainedSessionDuration,
  iamNamesExist,
  conditionOperatorsKnown,
  quotaBudgets,
  exemptionsProtected,
  endpointPrivateDns,
  endpointHttpsOnly,
  archiveRulesNarrow,
  detectiveControlsProtected,
  configRuleAcceptsDesign,
  modelAlarmsComplete,
  exemptRoleTrust,
  smokeTestRunsInConsumer,
];

export interface RuleOutcome {
  readonly id: string;
  readonly message: string;
  readonly reason: string;
  /** Findings that fail the check (after waivers and enforcement levels, once judged). */
  readonly failures: number;
  /** Findings of an advisory level, and findings a waiver accepted (set once judged). */
  readonly warnings?: number;
  readonly waived?: number;
  /** The level of each of the rule's policies (`<id>`, `<id>-stack`), once judged. */
  readonly levels?: Readonly<Record<string, EnforcementLevel>>;
}

export interface CheckReport {
  readonly rules: readonly RuleOutcome[];
  /** Findings that fail the check: mandatory and not waived once judged (src/rules/verdict.ts). */
  readonly findings: readonly Finding[];
  /** Rules without a finding. */
  readonly passed: number;
  /** Rules with at least one finding. */
  readonly failed: number;
  /** Findings of advisory policies: reported, not failing. */
  readonly warnings?: readonly Finding[];
  /** Findings a waiver accepted, each with the waiver's key and reason. */
  readonly waived?: readonly WaivedFinding[];
  /** Every waiver of every stack with its status. */
  readonly waivers?: readonly WaiverOutcome[];
}

/** Runs every rule over every resource of every stack, then every stack-level check. Pure. */
export function runRules(stacks: readonly StackUnderCheck[], rules: readonly Rule[] = RULES): CheckReport {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const stack of stacks) {
      if (rule.checkResource) {
        for (const resource of stack.resources) {
          for (const detail of rule.checkResource(resource, stack.context)) {
            findings.push({ ruleId: rule.id, policy: rule.id, resource: resourceLabel({ ...resource, stack: stack.stack }), detail });
          }
        }
      }
      for (const violation of rule.checkStack?.(stack) ?? []) findings.push({ ruleId: rule.id, policy: stackPolicyName(rule.id), ...violation });
    }
  }
  const outcomes = rules.map((rule) => ({
    id: rule.id,
    message: rule.message,
    reason: rule.reason,
    failures: findings.filter((f) => f.ruleId === rule.id).length,
  }));
  const failed = outcomes.filter((o) => o.failures > 0).length;
  return { rules: outcomes, findings, passed: outcomes.length - failed, failed };
}

/** A report with one more check's outcome: a check that runs outside the rules (after the access matrix). */
export function withCheck(report: CheckReport, check: { readonly id: string; readonly message: string; readonly reason: string }, findings: readonly Finding[]): CheckReport {
  const rules = [...report.rules, { id: check.id, message: check.message, reason: check.reason, failures: findings.length }];
  const failed = rules.filter((r) => r.failures > 0).length;
  // Not a rule: no waiver names it and no enforcement level lowers it (like the access matrix it is judged by).
  return { ...report, rules, findings: [...report.findings, ...findings], passed: rules.length - failed, failed };
}

/** `type::name` of a parent -> its type. */
export function parentTypeOf(parent: string | null | undefined): string | undefined {
  if (!parent) return undefined;
  const separator = parent.lastIndexOf("::");
  return separator > 0 ? parent.slice(0, separator) : parent;
}

/**
 * What the checks need of a synthesized stack (src/synth/run.ts's SynthesizedStack). Declared here so the rules, and
 * the CrossGuard pack built from them, never load the stack programs.
 */
export interface SynthesizedForChecks {
  readonly stack: string;
  readonly config: StackConfig;
  readonly resources: readonly {
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    readonly inputs: Record<string, unknown>;
    /** Account and region of the resource's provider, when synth knows them. */
    readonly account?: string | null;
    readonly region?: string | null;
  }[];
}

export function checkedResourcesOf(stack: Pick<SynthesizedForChecks, "stack" | "resources">): CheckedResource[] {
  return stack.resources.map((r) => ({ stack: stack.stack, type: r.type, name: r.name, parentType: parentTypeOf(r.parent), inputs: r.inputs, ...(r.account ? { account: r.account } : {}), ...(r.region ? { region: r.region } : {}) }));
}

/**
 * Checks synthesized stacks against the rules, each stack with its own quotas and the intent of every config in
 * the set. Loads the IAM catalog for exactly the services the documents name.
 */
export async function checkSynthesized(stacks: readonly SynthesizedForChecks[], rules: readonly Rule[] = RULES): Promise<CheckReport> {
  const resourcesByStack = stacks.map((s) => checkedResourcesOf(s));
  const catalog = await catalogFor(resourcesByStack.flat());
  const intent = deploymentIntent(stacks.map((s) => s.config));
  return runRules(
    stacks.map((s, i) => ({ stack: s.stack, resources: resourcesByStack[i], context: ruleContextFor(s.config, intent, catalog) })),
    rules,
  );
}
