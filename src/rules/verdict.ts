import { ConfigError } from "../config/problems";
import { booleanProperty, EnforcementLevel, levelOf, packPolicies, PolicyPackConfig, WAIVERS_LISTED_POLICY, WAIVERS_VALID_POLICY, WAIVERS_VALID_SCHEMA } from "./enforcement";
import type { CheckReport } from "./index";
import type { Finding, Rule } from "./types";
import { applyWaivers, ResourceRef, StackWaivers, waiverProblems, WaiverOutcome } from "./waivers";

/**
 * What the rule findings mean once waivers and enforcement levels are applied: the same decisions synth makes and the
 * CrossGuard pack makes policy by policy. Pure.
 */

export interface VerdictOptions {
  /** Every stack's waivers and the resources they may name. */
  readonly waivers: readonly (StackWaivers & { readonly resources: readonly ResourceRef[] })[];
  readonly config: PolicyPackConfig;
  readonly now: Date;
}

/** Waivers that name an unknown rule or resource, twice the same, or no expiry where required: bad input. */
export function waiverErrors(rules: readonly Rule[], options: Pick<VerdictOptions, "waivers" | "config">): ConfigError[] {
  const ruleIds = rules.map((r) => r.id);
  const requireExpiry = booleanProperty(WAIVERS_VALID_POLICY, "requireExpiry", options.config, WAIVERS_VALID_SCHEMA);
  return options.waivers.flatMap((stack) => {
    const problems = waiverProblems(stack, stack.resources, { ruleIds, requireExpiry });
    return problems.length > 0 ? [new ConfigError(problems, stack.source)] : [];
  });
}

/** The finding waivers-valid reports for an expired waiver, and waivers-listed for each waiver in use. */
function waiverFindings(outcomes: readonly WaiverOutcome[]): { expired: Finding[]; listed: Finding[] } {
  const resource = (o: WaiverOutcome) => `${o.stack}/${o.source}::${o.key}`;
  const expired = outcomes
    .filter((o) => o.status === "expired")
    .map((o) => ({
      ruleId: WAIVERS_VALID_POLICY,
      policy: WAIVERS_VALID_POLICY,
      resource: resource(o),
      detail: `waiver of ${o.rule} on ${o.resource} expired after ${o.expires}: its findings count again; fix them, or renew the waiver with a new reason and date`,
    }));
  const listed = outcomes
    .filter((o) => o.status === "applied" || o.status === "unused")
    .map((o) => ({
      ruleId: WAIVERS_LISTED_POLICY,
      policy: WAIVERS_LISTED_POLICY,
      resource: resource(o),
      detail: `${o.rule} waived on ${o.resource}${o.expires ? ` until ${o.expires}` : ""} (${o.findings} finding${o.findings === 1 ? "" : "s"}): ${o.reason}`,
    }));
  return { expired, listed };
}

/**
 * Applies the policy pack config and the waivers to a report of runRules: disabled policies' findings are dropped,
 * valid unexpired waivers accept their findings, advisory findings become warnings and mandatory ones stay failures.
 * An expired waiver is a waivers-valid finding; with waivers-listed mandatory, every waiver in use is a failure. Waiver reference problems are not judged here (waiverErrors): a
 * waiver with one applies to nothing.
 */
export function judge(report: CheckReport, rules: readonly Rule[], options: VerdictOptions): CheckReport {
  const defaults = new Map(packPolicies(rules).map((p) => [p.name, p.defaultLevel]));
  const level = (policy: string | undefined, ruleId: string): EnforcementLevel => levelOf(policy ?? ruleId, options.config, defaults.get(policy ?? ruleId) ?? "mandatory");

  const enabled = report.findings.filter((f) => level(f.policy, f.ruleId) !== "disabled");
  const { remaining, waived, outcomes } = applyWaivers(
    enabled,
    options.waivers,
    rules.map((r) => r.id),
    options.now,
  );
  const { expired, listed } = waiverFindings(outcomes);
  // Every report lists the waivers (report.waivers); a waivers-listed finding is added only where that policy is
  // mandatory, i.e. where waivers are not allowed at all.
  const forbidden = level(WAIVERS_LISTED_POLICY, WAIVERS_LISTED_POLICY) === "mandatory" ? listed : [];
  const judged = [...remaining, ...expired, ...forbidden].filter((f) => level(f.policy, f.ruleId) !== "disabled");
  const failures = judged.filter((f) => level(f.policy, f.ruleId) === "mandatory");
  const warnings = judged.filter((f) => level(f.policy, f.ruleId) === "advisory");

  const outcomesByRule = rules.map((rule) => {
    const own = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId === rule.id).length;
    const levels = Object.fromEntries(
      packPolicies([rule]).filter((p) => p.name !== WAIVERS_VALID_POLICY && p.name !== WAIVERS_LISTED_POLICY).map((p) => [p.name, level(p.name, rule.id)]),
    );
    return { id: rule.id, message: rule.message, reason: rule.reason, failures: own(failures), warnings: own(warnings), waived: own(waived), levels };
  });
  const failed = outcomesByRule.filter((o) => o.failures > 0).length;
  return { rules: outcomesByRule, findings: failures, warnings, waived, waivers: outcomes, passed: outcomesByRule.length - failed, failed };
}
