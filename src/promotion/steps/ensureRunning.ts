import { describeUses, versionLabel } from "../plan";
import { StepDefinition } from "./step";
import { stopVersion } from "./stopping";

/** ensure-running: the new version is trained and RUNNING (started, joined or waited for) before anything else. */
export const ensureRunningStep: StepDefinition = {
  async run(context, step) {
    const { version } = context.journal;
    const note = await context.ensureRunning(version, () => context.intend(step, { startedVersion: true }));
    return { note };
  },
  async undo(context, step) {
    const version = context.journal.version;
    if (!step.effects.startedVersion) return `${versionLabel(version)} was running before; left as it was`;
    const uses = await context.usersOf(version);
    if (uses.length > 0) return `${versionLabel(version)} left running: used by ${describeUses(uses)}`;
    return (await stopVersion(context, version, { startedByThisRun: true, wait: true })).note;
  },
};
