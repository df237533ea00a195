import { modelAlarmNames } from "../../detective/alarms";
import { bakePollMs, watchAlarms } from "../bake";
import { versionLabel } from "../plan";
import { StepDefinition } from "./step";

/**
 * bake (after switch, promotions only): watch the new version's alarms for modelshare:promotion.bakeSeconds; one
 * that fires fails the step and, since the switch is not verified until the bake passes, the engine undoes the
 * switch and everything before it. The start time is journalled first: a resumed run keeps the same deadline.
 */
export const bakeStep: StepDefinition = {
  async run(context, step) {
    const ml = (await context.project()).ml.config;
    const seconds = ml.promotion.bakeSeconds;
    const version = context.journal.version;
    if (seconds === 0) return { note: "promotion.bakeSeconds is 0: no bake", skipped: true };
    const startedAt = step.effects.bakeStartedAt !== undefined ? Date.parse(step.effects.bakeStartedAt) : context.deps.now();
    if (step.effects.bakeStartedAt === undefined) context.intend(step, { bakeStartedAt: new Date(startedAt).toISOString() });
    const names = modelAlarmNames(ml.rolePrefix, version);
    const bakeMs = seconds * 1000;
    const result = await watchAlarms({
      alarmNames: names,
      startedAt,
      deadline: startedAt + bakeMs,
      pollMs: bakePollMs(bakeMs),
      graceMs: Math.max(60_000, bakePollMs(bakeMs) * 3),
      reader: context.deps.alarms(ml.region),
      now: context.deps.now,
      sleep: context.deps.sleep,
      guard: () => context.guard(),
      progress: context.deps.progress,
    });
    return { note: `${context.env} ran on ${versionLabel(version)} for ${seconds} s with none of its ${names.length} alarms firing (${result.reads} reads${result.failedReads > 0 ? `, ${result.failedReads} failed and retried` : ""})` };
  },
  async undo() {
    return "nothing to undo (read-only)";
  },
};
