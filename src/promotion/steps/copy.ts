import { copyOf } from "../../config/copy";
import { copyVersionName, FoundCopy, isCopied, ModelCopier } from "../copying";
import { versionLabel } from "../plan";
import { StepContext } from "../stepContext";
import { JournalStep } from "../types";
import { backoffDelay, DEFAULT_BACKOFF, isPropagationError } from "../verify";
import { listCopy, unlistCopy } from "./copyEntries";
import { StepDefinition } from "./step";
import { requireSource, stopVersion } from "./stopping";

/**
 * copy (copy mode): the environment holds a finished copy of the version in its destination project, listed in its
 * consumer stack (so its application role and endpoint allow it). A copy already listed is reused while it exists;
 * otherwise CopyProjectVersion runs as the environment's deploy role. Its name is journalled before the call, so a run
 * that died after it finds the copy by name instead of copying twice; its ARN is journalled as soon as it is known, so
 * an undo deletes exactly what this promotion made.
 */
export const copyStep: StepDefinition = {
  async run(context, step) {
    const source = context.journal.version;
    const consumer = (await context.project()).consumers[context.env];
    const copier = await context.copier();
    const listed = copyOf(consumer.config.copy, source);
    let copy = listed !== undefined ? await usable(context, copier, listed) : undefined;
    const reused = copy !== undefined;
    copy ??= await copyAnew(context, copier, step);
    context.noteCopy(source, copy);
    await listCopy(context, source, copy, () => context.intend(step, { addedCopyEntry: true }));
    await context.up(consumer.stack);
    return { note: reused ? `${context.env} already holds ${versionLabel(copy)}, a copy of ${versionLabel(source)}` : `copied ${versionLabel(source)} into ${context.env}'s project as ${versionLabel(copy)}; listed in ${consumer.stack}` };
  },
  async undo(context, step) {
    const source = context.journal.version;
    // A copy whose CopyProjectVersion response was lost is found by the name journalled before the call.
    const named = step.effects.copyVersionName;
    const made = step.effects.copiedVersion ?? (named !== undefined ? (await (await context.copier()).findByName(named))?.arn : undefined);
    const notes: string[] = [];
    if (step.effects.addedCopyEntry && (await unlistCopy(context, source))) {
      await context.up((await context.project()).consumers[context.env].stack);
      notes.push(`${versionLabel(source)} no longer listed`);
    }
    if (made !== undefined) notes.push(await deleteCopy(context, made));
    context.noteCopy(source, undefined);
    return notes.length > 0 ? notes.join("; ") : "nothing was copied";
  },
};

/**
 * A listed copy that still exists and finished (waited for when still copying); undefined when it is gone or failed.
 * It must be a copy of the version promoted, as Rekognition says (SourceProjectVersionArn): an entry that names a copy
 * of another version would have the environment run a model other than the one it was promoted to.
 */
async function usable(context: StepContext, copier: ModelCopier, copy: string): Promise<string | undefined> {
  const found = await copier.describe(copy);
  // Gone, failed, or on its way out (DELETING, EXPIRED, DEPRECATED): a new copy is made.
  if (found === undefined || !(isCopied(found.status) || found.status === "COPYING_IN_PROGRESS")) return undefined;
  requireCopyOf(found, context.journal.version, `${context.env}'s modelshare:copy.versions lists ${copy} as its copy of it`);
  if (found.status === "COPYING_IN_PROGRESS") await waitCopied(context, copier, found);
  return copy;
}

async function copyAnew(context: StepContext, copier: ModelCopier, step: JournalStep): Promise<string> {
  const source = context.journal.version;
  const name = step.effects.copyVersionName ?? copyVersionName(source, context.journal.id);
  // A run that died after CopyProjectVersion: its copy has the journalled name.
  let found = step.effects.copyVersionName !== undefined ? await copier.findByName(name) : undefined;
  if (found === undefined) {
    context.intend(step, { copyVersionName: name });
    const arn = await copyWithRetry(context, copier, name);
    found = { arn, status: "COPYING_IN_PROGRESS", sourceVersionArn: source };
  }
  requireCopyOf(found, source, `the version named ${name} in ${context.env}'s destination project`);
  context.intend(step, { copiedVersion: found.arn });
  if (found.status === "COPYING_FAILED") throw new Error(`the copy ${found.arn} of ${versionLabel(source)} failed: ${found.statusMessage ?? "COPYING_FAILED"}`);
  if (!isCopied(found.status)) await waitCopied(context, copier, found);
  return found.arn;
}

/**
 * CopyProjectVersion, retried while it is denied for a while: the project policy was just written (grant), and like IAM
 * it may take a moment to apply. Bounded: two minutes of bounded exponential backoff, then the denial is the answer.
 */
async function copyWithRetry(context: StepContext, copier: ModelCopier, versionName: string): Promise<string> {
  const source = context.journal.version;
  const destination = await context.copyDestination();
  const ml = (await context.project()).ml;
  const sourceProjectArn = (await context.models()).projectArn;
  const deadline = context.deps.now() + 120_000;
  for (let attempt = 1; ; attempt++) {
    await context.guard();
    context.deps.progress.waiting(`CopyProjectVersion of ${versionLabel(source)} (${ml.stack}'s project) into ${destination.projectArn} as ${versionName}`);
    try {
      return await copier.copy({
        sourceProjectArn,
        sourceVersionArn: source,
        versionName,
        outputBucket: destination.outputBucketName,
        outputPrefix: destination.outputPrefix,
        ...(destination.kmsKeyArn !== undefined ? { kmsKeyId: destination.kmsKeyArn } : {}),
      });
    } catch (error) {
      // No idempotency token: a call whose response was lost, retried by the SDK, meets its own copy's name. Adopted
      // when it is a copy of this version (the same as joining a start already under way).
      const made = await copier.findByName(versionName).catch(() => undefined);
      if (made !== undefined && made.sourceVersionArn === source) return made.arn;
      const remaining = deadline - context.deps.now();
      if (!isPropagationError(error) || remaining <= 0) throw error;
      const delay = backoffDelay(DEFAULT_BACKOFF, attempt, remaining);
      context.deps.progress.waiting(`the project policy to apply: CopyProjectVersion was denied (${(error as Error).name}); retrying in ${(delay / 1000).toFixed(1)}s`);
      await context.deps.sleep(delay);
    }
  }
}

function requireCopyOf(found: FoundCopy, source: string, what: string): void {
  if (found.sourceVersionArn === source) return;
  throw new Error(`${what}, but Rekognition says ${found.arn} was copied from ${found.sourceVersionArn ?? "nothing (it is not a copy)"}, not ${source}: nothing was started; correct modelshare:copy.versions (or delete that version) and re-run`);
}

async function waitCopied(context: StepContext, copier: ModelCopier, copy: FoundCopy): Promise<void> {
  const started = context.deps.now();
  const minutes = (await context.project()).ml.config.promotion.copyTimeoutMinutes;
  context.deps.progress.waiting(`${versionLabel(copy.arn)} to reach COPYING_COMPLETED (up to ${minutes} min: promotion.copyTimeoutMinutes)`);
  await copier.waitCopied(
    copy.arn,
    (status) => context.deps.progress.waiting(`${versionLabel(copy.arn)} is ${status} after ${Math.round((context.deps.now() - started) / 1000)}s`),
    context.deps.signal,
  );
}

/** Deletes a copy this promotion made: stopped first when it runs (ensure-running's undo normally stopped it). */
async function deleteCopy(context: StepContext, copy: string): Promise<string> {
  const copier = await context.copier();
  const source = context.journal.version;
  const found = await copier.describe(copy);
  if (found === undefined || found.status === "DELETING") return `${versionLabel(copy)} no longer exists`;
  requireSource(copy, found.sourceVersionArn, source);
  if (["RUNNING", "STARTING", "STOPPING"].includes(found.status)) await stopVersion(context, copy, { startedByThisRun: true, wait: true, models: await context.copyModels(), copyOf: source });
  await context.guard();
  try {
    await copier.delete(copy);
  } catch (error) {
    // Rekognition documents refusing a running or training version; a copy still in progress is waited for, then deleted.
    if ((error as Error).name !== "ResourceInUseException" || found.status !== "COPYING_IN_PROGRESS") throw error;
    await waitCopied(context, copier, found);
    await context.guard();
    await copier.delete(copy);
  }
  return `deleted ${versionLabel(copy)} (made by this promotion)`;
}
