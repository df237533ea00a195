import { ALARM_PROTECTED_ACTIONS, CONFIG_RULE_PROTECTED_ACTIONS, RECORDER_PROTECTED_ACTIONS } from "../policies/detectiveGuardrail";
import { CheckedResource, conditionValues, documentsOf, globPattern, listOf, resourceLabel, statementsOf, StatementJson, TYPES } from "./documents";
import type { Rule, Violation } from "./types";
import { partitionOfRegion } from "../config/regions";

function covers(patterns: readonly string[], value: string): boolean {
  return patterns.some((pattern) => globPattern(pattern).test(value));
}

function denies(statements: readonly StatementJson[], action: string, arn: string, tag?: { key: string; value: string }): boolean {
  return statements.some((s) => {
    if (s.Effect !== "Deny" || !covers(listOf(s.Action), action) || !covers(listOf(s.Resource), arn)) return false;
    const tagCondition = Object.keys(s.Condition?.StringEquals ?? {}).find((k) => k.toLowerCase().startsWith("aws:resourcetag/"));
    if (tagCondition === undefined) return true;
    // A tag-conditioned Deny protects only resources carrying that tag.
    return tag !== undefined && tagCondition.slice("aws:ResourceTag/".length) === tag.key && (conditionValues(s, "StringEquals", tagCondition) ?? []).includes(tag.value);
  });
}

interface Protected {
  readonly resource: CheckedResource;
  readonly arn: string;
  readonly actions: readonly string[];
  readonly tag?: { key: string; value: string };
}

/**
 * The detective resources of a stack and the ARN each is protected under. Only resources whose account and region are
 * known (synth; CrossGuard's view has neither) can be matched against the SCP's ARNs.
 */
function protectedResources(resources: readonly CheckedResource[]): Protected[] {
  const arn = (r: CheckedResource, service: string, resource: string) => `arn:${partitionOfRegion(r.region ?? "")}:${service}:${r.region}:${r.account}:${resource}`;
  return resources.flatMap((r): Protected[] => {
    if (r.account === undefined || r.region === undefined) return [];
    switch (r.type) {
      case TYPES.analyzer: {
        // Actions on the analyzer, and on its archive rules (a new archive rule could hide any finding).
        const analyzer = arn(r, "access-analyzer", `analyzer/${String(r.inputs.analyzerName)}`);
        return [
          { resource: r, arn: analyzer, actions: ["access-analyzer:ApplyArchiveRule", "access-analyzer:DeleteAnalyzer", "access-analyzer:UpdateAnalyzer"] },
          { resource: r, arn: `${analyzer}/archive-rule/any-rule`, actions: ["access-analyzer:CreateArchiveRule", "access-analyzer:DeleteArchiveRule", "access-analyzer:UpdateArchiveRule"] },
        ];
      }
      case TYPES.metricAlarm:
        return [{ resource: r, arn: arn(r, "cloudwatch", `alarm:${String(r.inputs.name)}`), actions: ALARM_PROTECTED_ACTIONS }];
      case TYPES.configRecorder:
        return [{ resource: r, arn: arn(r, "config", `configuration-recorder/${String(r.inputs.name ?? "default")}/any-id`), actions: RECORDER_PROTECTED_ACTIONS }];
      case TYPES.configRule: {
        const tags = (r.inputs.tags ?? {}) as Record<string, string>;
        const [key, value] = Object.entries(tags).find(([k]) => k === "modelshare:guarded-by") ?? [];
        return [{ resource: r, arn: arn(r, "config", "config-rule/config-rule-any"), actions: CONFIG_RULE_PROTECTED_ACTIONS, ...(key && value ? { tag: { key, value } } : {}) }];
      }
      default:
        return [];
    }
  });
}

/**
 * Detective controls are only as good as their protection: with the guardrails on, the ML guardrail must deny changing or
 * deleting each analyzer and archive rule, the Config rule (by its guard tag), a recorder modelshare created and each
 * model alarm to everyone but the pipeline.
 */
export const detectiveControlsProtected: Rule = {
  id: "detective-controls-protected",
  message:
    "With the guardrails on, the ML guardrail SCP denies every change to the access analyzers and archive rules, the Config rule (by its modelshare:guarded-by tag), " +
    "a configuration recorder modelshare created and the model's alarms.",
  reason:
    "A detective control that an administrator can delete, silence or rewrite before acting shows nothing: the archive rule widened, the recorder " +
    "stopped or the alarm's state set to OK would hide exactly the change it exists to report.",
  checkStack(stack) {
    if (stack.context.intent?.detective?.guardrail !== true) return [];
    const items = protectedResources(stack.resources);
    if (items.length === 0) return [];
    const guardrail = stack.resources.find((r) => r.type === TYPES.organizationsPolicy && String(r.inputs.name ?? "").endsWith("-ml-guardrail"));
    const statements = guardrail ? documentsOf(guardrail).flatMap((d) => (d.kind === "scp" && d.document ? [...statementsOf(d.document)] : [])) : [];
    const violations: Violation[] = [];
    for (const item of items) {
      const open = item.actions.filter((action) => !denies(statements, action, item.arn, item.tag));
      if (open.length > 0) {
        violations.push({
          resource: resourceLabel(item.resource),
          detail: `${guardrail ? `the ML guardrail (${String(guardrail.inputs.name)})` : "no ML guardrail SCP in this stack"} does not deny ${open.join(", ")} on ${item.arn}${item.tag ? ` tagged ${item.tag.key}=${item.tag.value}` : ""}`,
        });
      }
    }
    return violations;
  },
};
