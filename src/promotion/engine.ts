import { own } from "../config/lists";
import { randomUUID } from "node:crypto";
import { Progress } from "../cli/common";
import { interruptedBy, InterruptedError } from "../cli/interrupt";
import { grantsFromOutputs, readDeployedState } from "./deployed";
import { requireCurrentCheckout } from "./drift";
import { HistoryStore } from "./history";
import { FileLocks, JournalStore, PromotionConflictError } from "./journal";
import { describeLease, HeldLease, leaseIdentityFrom, LeaseLostError, PromotionLease } from "./lease";
import type { RekognitionClient } from "@aws-sdk/client-rekognition";
import { ModelCopier } from "./copying";
import { ModelLifecycle } from "./model";
import { copyEnvironments, Intent, planPromotion, recheckOnResume, resolveInterrupted, versionLabel } from "./plan";
import { Project } from "./project";
import { StepContext } from "./stepContext";
import { STEPS } from "./steps";
import { HistoryRecord, InferenceUnits, Journal, JournalStep, Outcome, Owner, PromotionRequest, RunOutcome, StepId } from "./types";
import { SmokeTester } from "./verify";
import type { AlarmReader } from "./alarms";
import { StackBusyError, StackNotDeployedError, StackWorkspace } from "./workspace";

export { configPath } from "./stepContext";

/**
 * Runs a promotion: the steps of the plan in order, each idempotent (it looks at the current state first), with
 * the journal written before every change so a re-run resumes. The whole run holds the promotion lease (./lease),
 * so no other operator changes grants or model state meanwhile, and it starts from what is DEPLOYED: a checkout
 * whose files disagree is refused before anything changes. A step that fails before the switch undoes the steps
 * taken, in reverse; one that fails after the verified switch (revoke, stop) leaves the environment on the new
 * version with its clean-up pending. The environment calls a granted, RUNNING version at every moment.
 */

export interface EngineDeps {
  readonly projectDir: string;
  /** Re-reads the Pulumi.<stack>.yaml files: config edits made by earlier steps are seen by later ones. */
  readonly loadProject: () => Promise<Project>;
  readonly workspace: StackWorkspace;
  readonly modelLifecycle: (projectArn: string, region: string) => ModelLifecycle;
  /** Rekognition in the ML account (the project policies of copy mode), with the pipeline's credentials. */
  readonly rekognition: (region: string) => RekognitionClient;
  /** Copy mode: versions of an environment's destination project, in its account (as its deploy role). */
  readonly copyLifecycle: (env: string, destinationProjectArn: string) => ModelLifecycle;
  /** Copy mode: CopyProjectVersion into that project and DeleteProjectVersion there; the wait bounded at maxWaitSeconds. */
  readonly copier: (env: string, destinationProjectArn: string, maxWaitSeconds: number) => ModelCopier;
  readonly smokeTester: SmokeTester;
  readonly journals: JournalStore;
  readonly locks: FileLocks;
  readonly lease: PromotionLease;
  readonly history: HistoryStore;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: Progress;
  readonly owner: Owner;
  /** Who is promoting, for the history and the lease (the AWS caller identity). */
  readonly who: () => Promise<string>;
  /** The model's alarms in the ML account's region (the bake step reads them). */
  readonly alarms: (region: string) => AlarmReader;
  /** Aborted on SIGINT/SIGTERM: the run stops at a safe point, keeps its journal and releases the lease. */
  readonly signal?: AbortSignal;
}

export interface StepReport {
  readonly id: StepId;
  readonly state: JournalStep["state"];
  readonly note?: string;
}

export interface PromotionResult {
  readonly env: string;
  readonly kind: Journal["kind"];
  readonly version: string;
  readonly previous: string;
  readonly outcome: RunOutcome;
  readonly failedStep?: StepId;
  readonly reason?: string;
  /** This run continued a journal left by an interrupted run. */
  readonly resumed: boolean;
  /** This rollback undid the interrupted promotion to `previous` (the environment calls `version`, as before it). */
  readonly undid?: { readonly kind: Journal["kind"]; readonly version: string };
  readonly steps: readonly StepReport[];
  /** Set when the outcome could not be written to the history parameter. */
  readonly historyError?: string;
}

/** A journal left by an interrupted run does not fit the request: refused before anything changes. */
export class InterruptedPromotionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterruptedPromotionError";
  }
}

export interface PromotionInput {
  readonly intent: Intent;
  /**
   * The request to start when no journal is in the way, given the version the environment's deployed stack calls.
   * Async because a rollback finds its target in the history (in AWS), which is read only once the lease is held.
   */
  readonly request: (deployed: { readonly current: string }) => Promise<PromotionRequest>;
  /**
   * Plan before apply: called under the lease with the journal the run is about to follow (new, resumed or undoing),
   * before the journal is written and before any change; throws to stop (the plan was declined). The CLI previews the
   * stacks and asks here (./promotionPreview, promotionApproval).
   */
  readonly approve?: (journal: Journal) => Promise<void>;
}

export async function executePromotion(input: PromotionInput, deps: EngineDeps): Promise<PromotionResult> {
  const env = input.intent.env;
  const lock = deps.locks.acquireEnvironment(env, deps.owner);
  try {
    // The journal is read (and a corrupt one refused) before any AWS call. A finished run whose outcome is still to
    // be written to the history is not in the way: its record is written first, under the lease.
    const existing = deps.journals.read(env);
    const finished = existing?.pendingRecord && (existing.pendingRecord.outcome === "succeeded" || existing.pendingRecord.outcome === "failed") ? existing : undefined;
    const decision = resolveInterrupted(finished ? undefined : existing, input.intent);
    if (decision.action === "refuse") throw new InterruptedPromotionError(decision.message);
    const who = await deps.who();
    const purpose = `${input.intent.kind} ${env}${input.intent.version ? ` to ${versionLabel(input.intent.version)}` : ""}`;
    deps.progress.step("lease", `taking the promotion lease (${deps.lease.store.location})`);
    const lease = await deps.lease.acquire(leaseIdentityFrom(deps.owner, who, purpose), (holder) =>
      deps.progress.waiting(`the promotion lease, held by ${describeLease(holder, deps.now())}`),
    );
    try {
      if (existing?.pendingRecord) await writePendingRecord(existing, deps);
      if (finished) deps.journals.remove(env);
      let journal: Journal;
      let resumed = true;
      switch (decision.action) {
        case "resume":
          journal = { ...decision.journal, owner: deps.owner };
          if (journal.phase === "cleanup-pending") journal.phase = "forward";
          await requireCurrentCheckoutFor(journal, deps);
          deps.progress.step("resume", `continuing the interrupted ${journal.kind} of ${env} to ${versionLabel(journal.version)} (${journal.phase === "undoing" ? "undoing its steps" : "from its first unfinished step"})`);
          break;
        case "undo":
          journal = { ...decision.journal, owner: deps.owner, phase: "undoing", undoneByRollback: { who, at: new Date(deps.now()).toISOString() } };
          journal.failure = { step: interruptedStep(journal), reason: `interrupted; undone by \`rollback --env ${env}\`` };
          await requireCurrentCheckoutFor(journal, deps);
          deps.progress.step("resume", `undoing the interrupted promotion of ${env} to ${versionLabel(journal.version)}`);
          break;
        case "supersede":
          deps.progress.step("resume", `the pending clean-up of ${env}'s ${decision.journal.kind} to ${versionLabel(decision.journal.version)} is moot: rolling back`);
          deps.journals.remove(env);
          journal = await startJournal(input, deps, who);
          resumed = false;
          break;
        case "start":
          journal = await startJournal(input, deps, who);
          resumed = false;
          break;
      }
      if (input.approve) await input.approve(journal);
      deps.journals.write(journal);
      return await run(journal, resumed, deps, lease);
    } finally {
      await lease.release().catch(() => undefined); // an unreleased lease expires on its own
    }
  } finally {
    lock.release();
  }
}

/** A new journal, planned from the deployed state after the checkout was found to agree with it. */
async function startJournal(input: PromotionInput, deps: EngineDeps, who: string): Promise<Journal> {
  const env = input.intent.env;
  const project = await deps.loadProject();
  const deployed = await readDeployedState(deps.workspace, project, [env]);
  const current = own(deployed.configured, env);
  if (current === undefined) throw new StackNotDeployedError(project.consumers[env].stack);
  requireCurrentCheckout(project, deployed);
  const request = await input.request({ current });
  const others = deps.journals.list().filter((j) => j.env !== env);
  const plan = planPromotion(project, request, others, { stop: "at-run-time" });
  return {
    id: randomUUID(),
    kind: request.kind,
    env,
    version: request.version,
    previous: plan.previous,
    keepOld: request.keepOld,
    startedAt: new Date(deps.now()).toISOString(),
    who,
    owner: deps.owner,
    phase: "forward",
    steps: plan.steps.map((s) => ({ ...s, state: "pending", effects: {} })),
    ...(request.units ? { units: request.units } : {}),
    ...(copyEnvironments(project).has(env) ? { sharing: "copy" as const } : {}),
  };
}

/** A resumed journal's checkout must agree with what is deployed, except for the edits the journal itself made. */
async function requireCurrentCheckoutFor(journal: Journal, deps: EngineDeps): Promise<void> {
  const project = await deps.loadProject();
  const deployed = await readDeployedState(deps.workspace, project, [journal.env]);
  const versions = [journal.version, journal.previous];
  requireCurrentCheckout(project, deployed, { env: journal.env, grantVersions: versions, configuredVersions: versions });
}

function interruptedStep(journal: Journal): StepId {
  const step = journal.steps.find((s) => s.state === "running" || s.state === "failed") ?? [...journal.steps].reverse().find((s) => s.state === "done");
  return step?.id ?? journal.steps[0].id;
}

/**
 * After a crash, what the steps before the switch established may no longer hold (the new version stopped, its
 * grant taken away): they run again (each looks first, so an intact result costs a describe or an outputs read).
 */
async function recheckBeforeSwitch(journal: Journal, context: StepContext): Promise<void> {
  if (!recheckOnResume(journal)) return;
  for (const step of journal.steps) {
    if (step.state !== "done") continue;
    if (step.id === "ensure-running" || step.id === "verify" || step.id === "copy") step.state = "pending";
    if (step.id === "grant") {
      const grants = grantsFromOutputs(await context.mlOutputs(), (await context.project()).ml.stack);
      if (!(grants[journal.env] ?? []).includes(journal.version)) step.state = "pending";
    }
  }
  context.save();
}

async function run(journal: Journal, resumed: boolean, deps: EngineDeps, lease: HeldLease): Promise<PromotionResult> {
  const context = new StepContext(journal, deps, lease);
  let undoFailure: { step: StepId; reason: string } | undefined;
  delete journal.interrupted;

  if (journal.phase === "forward") {
    if (resumed) await recheckBeforeSwitch(journal, context);
    for (const step of journal.steps) {
      if (step.state === "done" || step.state === "skipped") continue;
      if (deps.signal?.aborted) return interrupted(journal, step, resumed, context, undefined);
      const started = deps.now();
      step.state = "running";
      step.startedAt = new Date(started).toISOString();
      context.save();
      deps.progress.step(step.id, step.detail);
      try {
        const result = await STEPS[step.id].run(context, step);
        step.state = result.skipped ? "skipped" : "done";
        step.note = result.note;
        step.finishedAt = new Date(deps.now()).toISOString();
        context.save();
        deps.progress.done(step.id, `${result.skipped ? "skipped" : "done"} in ${seconds(deps.now() - started)}: ${result.note}`);
      } catch (error) {
        const interruption = interruptedBy(deps.signal, error);
        if (interruption) return interrupted(journal, step, resumed, context, interruption);
        const reason = failureReason(error, journal.env);
        step.state = "failed";
        step.note = reason;
        step.finishedAt = new Date(deps.now()).toISOString();
        // After the verified switch (and its bake) the environment stays where it is: only the clean-up is left to do.
        journal.phase = verifiedSwitch(journal) ? "cleanup-pending" : "undoing";
        journal.failure = { step: step.id, reason };
        context.save();
        deps.progress.done(step.id, `FAILED after ${seconds(deps.now() - started)}: ${reason}`);
        break;
      }
    }
  }

  if (journal.phase === "undoing") {
    const undo = await undoSteps(journal, context);
    if (undo !== undefined && "interrupted" in undo) return interrupted(journal, undo.step, resumed, context, undo.interrupted);
    undoFailure = undo;
  }

  const outcome: Outcome =
    journal.phase === "forward" ? "succeeded" : journal.phase === "cleanup-pending" ? "cleanup-pending" : undoFailure ? "undo-failed" : journal.undoneByRollback ? "succeeded" : "failed";
  const reason = outcomeReason(journal, outcome, undoFailure);
  const historyError = await recordOnce(journal, outcome, reason, deps);
  if (historyError) {
    // Kept with the journal: the next run of this environment writes it before anything else (a lost record would
    // leave `rollback` without its target and the units the version ran with).
    journal.pendingRecord = { outcome, ...(reason !== undefined ? { reason } : {}) };
    deps.journals.write(journal);
  } else if (outcome === "succeeded" || outcome === "failed") {
    // An incomplete undo and a pending clean-up keep their journal, so that the next run finishes them.
    deps.journals.remove(journal.env);
  }
  const undid = journal.undoneByRollback !== undefined;
  return {
    env: journal.env,
    kind: undid ? "rollback" : journal.kind,
    version: undid ? journal.previous : journal.version,
    previous: undid ? journal.version : journal.previous,
    outcome,
    ...(journal.failure && outcome !== "succeeded" ? { failedStep: journal.failure.step } : {}),
    ...(reason !== undefined ? { reason } : {}),
    resumed,
    ...(undid ? { undid: { kind: journal.kind, version: journal.version } } : {}),
    steps: journal.steps.map((s) => ({ id: s.id, state: s.state, ...(s.note !== undefined ? { note: s.note } : {}) })),
    ...(historyError ? { historyError } : {}),
  };
}

/** The switch is done, and so is its bake when there is one: a failure from here on leaves the environment where it is. */
function verifiedSwitch(journal: Journal): boolean {
  if (!journal.steps.some((s) => s.id === "switch" && s.state === "done")) return false;
  const bake = journal.steps.find((s) => s.id === "bake");
  return bake === undefined || bake.state === "done" || bake.state === "skipped";
}

/**
 * SIGINT/SIGTERM: the step in flight stopped at a safe point (its `pulumi up` cancelled and awaited). Nothing is
 * undone (the operator asked to stop, not to change more); the journal says where the run stopped, and the same
 * command resumes it, re-checking what it must (or `rollback --env` undoes it).
 */
function interrupted(journal: Journal, step: JournalStep | undefined, resumed: boolean, context: StepContext, interruption: InterruptedError | undefined): PromotionResult {
  const deps = context.deps;
  const signal = interruption?.signal ?? (deps.signal?.reason instanceof InterruptedError ? deps.signal.reason.signal : "SIGTERM");
  journal.interrupted = { signal, at: new Date(deps.now()).toISOString(), ...(step ? { step: step.id } : {}) };
  context.save();
  const where = step ? `during ${step.id}` : "between steps";
  const reason = `interrupted by ${signal} ${where}; the journal keeps the run: re-run the same command to continue, or \`modelshare rollback --env ${journal.env}\` to undo it`;
  deps.progress.done(step?.id ?? "run", `INTERRUPTED: ${reason}`);
  return {
    env: journal.env,
    kind: journal.kind,
    version: journal.version,
    previous: journal.previous,
    outcome: "interrupted",
    ...(step ? { failedStep: step.id } : {}),
    reason,
    resumed,
    steps: journal.steps.map((s) => ({ id: s.id, state: s.state, ...(s.note !== undefined ? { note: s.note } : {}) })),
  };
}

/** Writes the outcome a finished run could not record; refuses to go on (exit 1) while the history stays unwritable. */
async function writePendingRecord(journal: Journal, deps: EngineDeps): Promise<void> {
  const pending = journal.pendingRecord!;
  deps.progress.step("history", `writing the ${pending.outcome} outcome of the earlier ${journal.kind} of ${journal.env} to ${versionLabel(journal.version)}, which could not be recorded then`);
  const error = await recordOnce(journal, pending.outcome, pending.reason, deps);
  if (error) throw new Error(`${error}; it belongs to the earlier ${journal.kind} of ${journal.env} (journal ${journal.id}); nothing else was done: re-run once the history parameter can be written`);
  delete journal.pendingRecord;
  deps.journals.write(journal);
}

/** The failed (or interrupted) step is undone too: it may have changed something before it failed. */
async function undoSteps(journal: Journal, context: StepContext): Promise<{ step: StepId; reason: string } | { step: JournalStep; interrupted: InterruptedError } | undefined> {
  const deps = context.deps;
  for (const step of [...journal.steps].reverse()) {
    if (step.state !== "done" && step.state !== "failed" && step.state !== "running") continue;
    deps.signal?.throwIfAborted();
    const started = deps.now();
    deps.progress.step(`undo ${step.id}`, `undoing ${step.id}`);
    try {
      const note = await STEPS[step.id].undo(context, step);
      step.state = "undone";
      step.note = note;
      context.save();
      deps.progress.done(`undo ${step.id}`, `done in ${seconds(deps.now() - started)}: ${note}`);
    } catch (error) {
      const interruption = interruptedBy(deps.signal, error);
      if (interruption) return { step, interrupted: interruption };
      const failure = { step: step.id, reason: failureReason(error, journal.env) };
      deps.progress.done(`undo ${step.id}`, `FAILED: ${failure.reason}`);
      return failure;
    }
  }
  return undefined;
}

function outcomeReason(journal: Journal, outcome: Outcome, undoFailure: { step: StepId; reason: string } | undefined): string | undefined {
  const failure = journal.failure;
  if (outcome === "undo-failed") {
    return `${failure?.step} failed (${failure?.reason}); undoing ${undoFailure!.step} then failed (${undoFailure!.reason}); re-run the same command to finish the undo`;
  }
  if (outcome === "cleanup-pending") {
    return `${journal.env} calls ${versionLabel(journal.version)} (verified); ${failure?.step} of ${versionLabel(journal.previous)} failed (${failure?.reason}); re-run the same command to finish the clean-up`;
  }
  if (journal.undoneByRollback) {
    return outcome === "succeeded" ? `undid the interrupted ${journal.kind} to ${versionLabel(journal.version)} started by ${journal.who} at ${journal.startedAt}` : failure?.reason;
  }
  return outcome === "succeeded" ? undefined : failure?.reason;
}

/**
 * Writes the outcome to the history exactly once, across crashes: the journal notes the outcome it is about to
 * write; a run that finds such a note (its predecessor died between PutParameter and the note that it was done)
 * looks in the history before writing again.
 */
async function recordOnce(journal: Journal, outcome: Outcome, reason: string | undefined, deps: EngineDeps): Promise<string | undefined> {
  if (journal.recorded?.includes(outcome)) return undefined;
  const undid = journal.undoneByRollback;
  const record: HistoryRecord = {
    id: journal.id,
    kind: undid ? "rollback" : journal.kind,
    env: journal.env,
    // An undo goes from the promotion's target back to where the environment was before it.
    from: undid ? journal.version : journal.previous,
    to: undid ? journal.previous : journal.version,
    who: undid ? undid.who : journal.who,
    startedAt: undid ? undid.at : journal.startedAt,
    finishedAt: new Date(deps.now()).toISOString(),
    outcome,
    ...(undid ? { undid: journal.id } : {}),
    ...(journal.failure && outcome !== "succeeded" ? { failedStep: journal.failure.step } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...unitsOfRun(journal),
  };
  try {
    if (journal.recording === outcome) {
      const existing = await deps.history.list(journal.env);
      if (existing.some((r) => r.id === record.id && r.outcome === outcome)) return noteRecorded(journal, outcome, deps);
    }
    journal.recording = outcome;
    deps.journals.write(journal);
    await deps.history.append(record);
  } catch (error) {
    const historyError = `the outcome was not written to the history parameter: ${error instanceof Error ? error.message : String(error)}`;
    deps.progress.done("history", historyError);
    return historyError;
  }
  return noteRecorded(journal, outcome, deps);
}

function noteRecorded(journal: Journal, outcome: Outcome, deps: EngineDeps): undefined {
  journal.recorded = [...(journal.recorded ?? []), outcome];
  delete journal.recording;
  deps.journals.write(journal);
  return undefined;
}

/** The units the run saw its two versions RUNNING with: what a later rollback restarts them with. */
function unitsOfRun(journal: Journal): Pick<HistoryRecord, "units"> {
  const stopped = journal.steps.find((s) => s.id === "stop")?.effects.stoppedUnits;
  const units: Record<string, InferenceUnits> = {};
  for (const arn of [journal.previous, journal.version]) {
    // Copy mode: what the environment's copy of the version ran with.
    const copy = journal.copies?.[arn];
    const seen = journal.models?.[arn]?.units ?? (copy !== undefined ? journal.models?.[copy]?.units : undefined) ?? (arn === journal.previous ? stopped : undefined);
    if (seen) units[arn] = seen;
  }
  return Object.keys(units).length > 0 ? { units } : {};
}

function failureReason(error: unknown, env: string): string {
  if (error instanceof StackBusyError) return new PromotionConflictError(env, error.message).message;
  if (error instanceof LeaseLostError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
