import { MODEL_ALARM_KINDS, modelAlarmName } from "../detective/alarms";
import { parseProjectVersionArn } from "../arn";
import { TYPES } from "./documents";
import type { Rule, Violation } from "./types";

function dimensionsOf(inputs: Record<string, unknown>): Record<string, unknown>[] {
  if (inputs.dimensions && typeof inputs.dimensions === "object") return [inputs.dimensions as Record<string, unknown>];
  const queries = Array.isArray(inputs.metricQueries) ? (inputs.metricQueries as { metric?: { dimensions?: Record<string, unknown> } }[]) : [];
  return queries.flatMap((q) => (q.metric?.dimensions ? [q.metric.dimensions] : []));
}

/** Every granted version has its three alarms, on its own ProjectName and VersionName, notifying the configured topic. */
export const modelAlarmsComplete: Rule = {
  id: "model-alarms-complete",
  message:
    "With detective.alarms on, every granted model version has its server-error, throttling and capacity alarms, each on that version's ProjectName and VersionName, " +
    "notifying detective.alarms.snsTopicArn, and missing data does not breach.",
  reason:
    "Promotion's bake and `status` judge a version by its alarms: a version without them, or an alarm on another version's dimensions, would pass a bake " +
    "whatever it does, and an alarm without the topic fires unheard.",
  checkStack(stack) {
    const alarms = stack.context.intent?.detective?.alarms;
    const synthesized = stack.resources.filter((r) => r.type === TYPES.metricAlarm);
    // Only the ML stack carries the alarms; every ML stack registers the promotion lease table.
    const isMlStack = stack.resources.some((r) => r.type === TYPES.dynamoTable && String(r.inputs.name ?? "").endsWith("-promotion-lease"));
    if (alarms === undefined || !isMlStack) return [];
    const violations: Violation[] = [];
    const byName = new Map(synthesized.map((r) => [String(r.inputs.name), r]));
    for (const version of alarms.grantedVersionArns) {
      const parsed = parseProjectVersionArn(version);
      if (typeof parsed === "string") continue;
      for (const kind of MODEL_ALARM_KINDS) {
        const name = modelAlarmName(alarms.rolePrefix, version, kind);
        const alarm = byName.get(name);
        const label = `${stack.stack}/${TYPES.metricAlarm}::${alarm?.name ?? name}`;
        if (!alarm) {
          violations.push({ resource: label, detail: `granted version ${parsed.versionName} has no ${kind} alarm (${name})` });
          continue;
        }
        const dims = dimensionsOf(alarm.inputs);
        if (dims.length === 0 || dims.some((d) => d.ProjectName !== parsed.projectName || d.VersionName !== parsed.versionName)) {
          violations.push({ resource: label, detail: `does not watch ProjectName ${parsed.projectName}, VersionName ${parsed.versionName} (dimensions ${JSON.stringify(dims)})` });
        }
        const actions = Array.isArray(alarm.inputs.alarmActions) ? alarm.inputs.alarmActions.map(String) : [];
        if (!actions.includes(alarms.snsTopicArn)) violations.push({ resource: label, detail: `does not notify ${alarms.snsTopicArn} (alarmActions ${JSON.stringify(actions)})` });
        if (alarm.inputs.treatMissingData !== "notBreaching") violations.push({ resource: label, detail: `treats missing data as ${String(alarm.inputs.treatMissingData ?? "missing")}: a quiet version would fail its bake` });
      }
    }
    return violations;
  },
};
