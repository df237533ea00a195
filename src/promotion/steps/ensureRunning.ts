import { describeUses, versionLabel } from "../plan";
import { StepContext } from "../stepContext";
import { StepDefinition } from "./step";
import { stopVersion } from "./stopping";

/**
 * ensure-running: the new version is trained and RUNNING (started, joined or waited for) before anything else. In copy
 * mode it is the environment's copy, in its own account, started with the units the version would get (a rollback:
 * the units it last ran with).
 */
export const ensureRunningStep: StepDefinition = {
  async run(context, step) {
    const { version } = context.journal;
    const target = await requireTarget(context, version);
    const note = await context.ensureRunning(target.arn, () => context.intend(step, { startedVersion: true }), await context.unitsFor(version), target.models);
    return { note: context.copying ? `${context.env}'s copy: ${note}` : note };
  },
  async undo(context, step) {
    const version = context.journal.version;
    if (!step.effects.startedVersion) return `${versionLabel(version)} was running before; left as it was`;
    if (context.copying) {
      const target = await context.runningTarget(version);
      if (target === undefined) return `${context.env} holds no copy of ${versionLabel(version)}`;
      // A copy is called by its own environment only: nobody else to ask.
      return (await stopVersion(context, target.arn, { startedByThisRun: true, wait: true, models: target.models, copyOf: version })).note;
    }
    const uses = await context.usersOf(version);
    if (uses.length > 0) return `${versionLabel(version)} left running: used by ${describeUses(uses)}`;
    return (await stopVersion(context, version, { startedByThisRun: true, wait: true })).note;
  },
};

async function requireTarget(context: StepContext, version: string) {
  const target = await context.runningTarget(version);
  if (target === undefined) throw new Error(`${context.env} holds no copy of ${versionLabel(version)}: the copy step must run first (re-run the same command)`);
  return target;
}
