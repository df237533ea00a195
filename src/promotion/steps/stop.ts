import { describeUses, versionLabel } from "../plan";
import { StepDefinition } from "./step";
import { stopVersion } from "./stopping";

/**
 * stop: stops the previous version unless some environment still uses it. Decided here, under the lease, from every
 * environment's deployed state read now (never at plan time: two environments leaving a shared version would both
 * keep it running, and another environment may have switched to it since).
 */
export const stopStep: StepDefinition = {
  async run(context, step) {
    const { previous } = context.journal;
    await context.drainAfterSwitch();
    await context.requireNewVersionRunning();
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
    return context.ensureRunning(previous, () => undefined, step.effects.stoppedUnits);
  },
};
