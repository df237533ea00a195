import { describeUses, versionLabel } from "../plan";
import { StepContext } from "../stepContext";
import { JournalStep } from "../types";
import { StepDefinition, StepResult } from "./step";
import { stopVersion } from "./stopping";

/**
 * stop: stops the previous version unless some environment still uses it. Decided here, under the lease, from every
 * environment's deployed state read now (never at plan time: two environments leaving a shared version would both
 * keep it running, and another environment may have switched to it since). In copy mode it stops the environment's
 * previous copy, which only that environment calls.
 */
export const stopStep: StepDefinition = {
  async run(context, step) {
    const { previous } = context.journal;
    await context.drainAfterSwitch();
    await context.requireNewVersionRunning();
    if (context.copying) return stopPreviousCopy(context, step);
    const uses = await context.usersOf(previous);
    if (uses.length > 0) return { skipped: true, note: `${versionLabel(previous)} kept running: still used by ${describeUses(uses)}` };
    return stopVersion(context, previous, {
      startedByThisRun: false,
      wait: false,
      onStop: (units) => context.intend(step, { stoppedVersion: true, ...(units ? { stoppedUnits: units } : {}) }),
    });
  },
  async undo(context, step) {
    const { previous } = context.journal;
    if (!step.effects.stoppedVersion) return `${versionLabel(previous)} was not stopped by this promotion`;
    // With the units it ran with: an undo must not shrink the capacity it restores.
    const target = await context.runningTarget(previous);
    if (target === undefined) throw new Error(`${context.env}'s copy of ${versionLabel(previous)} is no longer listed: promote ${versionLabel(previous)} again to copy it anew`);
    return context.ensureRunning(target.arn, () => undefined, step.effects.stoppedUnits, target.models);
  },
};

async function stopPreviousCopy(context: StepContext, step: JournalStep): Promise<StepResult> {
  const { previous } = context.journal;
  const target = await context.runningTarget(previous);
  if (target === undefined) return { skipped: true, note: `${context.env} holds no copy of ${versionLabel(previous)}` };
  context.noteCopy(previous, target.arn);
  return stopVersion(context, target.arn, {
    startedByThisRun: false,
    wait: false,
    models: target.models,
    copyOf: previous,
    onStop: (units) => context.intend(step, { stoppedVersion: true, ...(units ? { stoppedUnits: units } : {}) }),
  });
}
