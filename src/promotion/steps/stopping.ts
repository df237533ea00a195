import { ModelLifecycle, stopActionFor } from "../model";
import { versionLabel } from "../plan";
import { StepContext } from "../stepContext";
import { InferenceUnits } from "../types";

export interface StopOptions {
  /** This run started the version: a STARTING status is ours, not someone else's start to respect. */
  readonly startedByThisRun: boolean;
  /** Wait until STOPPED (undo); the stop step does not: once StopProjectVersion is accepted nobody needs to wait. */
  readonly wait: boolean;
  /** Called with the units it ran with, just before StopProjectVersion (the journal records them first). */
  readonly onStop?: (units: InferenceUnits | undefined) => void;
  /** Where the version lives: the ML account's project by default; a copy environment's destination project in copy mode. */
  readonly models?: ModelLifecycle;
  /** Copy mode: the ML version the copy must have been copied from; anything else is refused, not stopped. */
  readonly copyOf?: string;
}

/**
 * Stops a version, from its status described now (at the moment of stopping). A STARTING version that this run did
 * not start is someone's start in progress and is left alone. StopProjectVersion refused because the status moved on
 * (ResourceInUseException) counts as done when the version is STOPPING or STOPPED by then.
 */
export async function stopVersion(context: StepContext, version: string, options: StopOptions): Promise<{ note: string; skipped?: boolean }> {
  const models = options.models ?? (await context.models());
  const name = versionLabel(version);
  const description = await models.describe(version);
  if (!description) return { note: `${name} no longer exists`, skipped: true };
  if (options.copyOf !== undefined) requireSource(description.arn, description.sourceVersionArn, options.copyOf);
  context.observe(description);
  const seen = context.journal.models?.[version];
  const status = description.status;
  let action = stopActionFor(status);
  if (action === "starting" && options.startedByThisRun) {
    context.deps.progress.waiting(`${name} to finish STARTING before it can be stopped`);
    await models.waitRunning(version).catch(() => undefined); // a start that failed leaves nothing to stop
    const now = await models.describe(version);
    action = now ? stopActionFor(now.status) : "none";
  }
  if (action === "starting") return { note: `${name} is STARTING (someone is starting it): left alone`, skipped: true };
  if (action === "none") return { note: `${name} is already ${status}`, skipped: true };
  if (action === "stop") {
    options.onStop?.(seen?.units);
    await context.guard();
    context.deps.progress.waiting(`StopProjectVersion of ${name}`);
    try {
      await models.stop(version);
    } catch (error) {
      const now = await models.describe(version);
      if (now?.status !== "STOPPING" && now?.status !== "STOPPED") throw error;
    }
  }
  if (!options.wait) return { note: `StopProjectVersion of ${name} accepted: it is STOPPING (billing ends once it is STOPPED)` };
  context.deps.progress.waiting(`${name} to become STOPPED`);
  await models.waitStopped(version);
  return { note: `stopped ${name}` };
}

/**
 * A copy about to be adopted, stopped or deleted must be a copy of the version the journal or config says (a crafted
 * or stale journal or config entry must not make promotion stop or delete another copy, such as the one the
 * environment calls). Rekognition reports the source of a copied version; a version without one was not copied.
 */
export function requireSource(copy: string, reported: string | undefined, expected: string): void {
  if (reported === expected) return;
  throw new Error(`${copy} was copied from ${reported ?? "nothing (it is not a copy)"}, not from ${expected}: not touched; check modelshare:copy.versions and the journal in .modelshare/`);
}
