import { versionLabel } from "../plan";
import { StepDefinition } from "./step";
import { listCopy, unlistCopy } from "./copyEntries";
import { requireSource } from "./stopping";

/**
 * delete-copy (copy mode, modelshare:copy.deleteOldCopies): the previous copy leaves the consumer stack (its
 * application role and endpoint no longer allow it), and once STOPPED it is deleted (DeleteProjectVersion refuses a
 * running version). A deleted copy cannot come back: an undo of this step after the deletion fails, leaving the
 * environment on the new version; a rollback copies the previous version again.
 */
export const deleteCopyStep: StepDefinition = {
  async run(context, step) {
    const { previous } = context.journal;
    await context.requireNewVersionRunning();
    const target = await context.runningTarget(previous);
    if (target === undefined) return { skipped: true, note: `${context.env} holds no copy of ${versionLabel(previous)}` };
    const consumerStack = (await context.project()).consumers[context.env].stack;
    const before = await target.models.describe(target.arn);
    if (before !== undefined) requireSource(target.arn, before.sourceVersionArn, previous);
    context.noteCopy(previous, target.arn);
    await unlistCopy(context, previous, () => context.intend(step, { removedCopyEntry: true }));
    await context.up(consumerStack);
    const description = await target.models.describe(target.arn);
    // DeleteProjectVersion is asynchronous: DELETING counts as deleted.
    if (description === undefined || description.status === "DELETING") return { note: `${versionLabel(target.arn)} was already deleted; no longer listed` };
    if (description.status === "STOPPING") {
      context.deps.progress.waiting(`${versionLabel(target.arn)} to become STOPPED before it is deleted`);
      await target.models.waitStopped(target.arn);
    } else if (description.status === "RUNNING" || description.status === "STARTING") {
      throw new Error(`${versionLabel(target.arn)} is ${description.status} again (someone started it after the stop step): not deleted; stop it and re-run the same command`);
    }
    context.intend(step, { deletedCopy: target.arn });
    await context.guard();
    await (await context.copier()).delete(target.arn);
    return { note: `deleted ${versionLabel(target.arn)}, ${context.env}'s copy of ${versionLabel(previous)}; no longer listed in ${consumerStack}` };
  },
  async undo(context, step) {
    const { previous } = context.journal;
    const deleted = step.effects.deletedCopy;
    // Journalled before DeleteProjectVersion: whether it happened is asked, not assumed.
    const still = deleted !== undefined ? await (await context.copyModels()).describe(deleted) : undefined;
    if (deleted !== undefined && (still === undefined || still.status === "DELETING")) {
      throw new Error(`${versionLabel(deleted)}, ${context.env}'s copy of ${versionLabel(previous)}, was deleted and cannot be restored: ${context.env} stays where it is; promote ${versionLabel(previous)} again to copy it anew`);
    }
    if (!step.effects.removedCopyEntry) return "no copy was removed";
    const copy = context.journal.copies?.[previous];
    if (copy === undefined) return "no copy was removed";
    if (await listCopy(context, previous, copy, () => undefined)) await context.up((await context.project()).consumers[context.env].stack);
    return `${versionLabel(copy)} listed again`;
  },
};
