import { randomUUID } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { Progress } from "../cli/common";
import { ML_OUTPUTS } from "../contract";
import { NAMESPACE } from "../config/schema";
import { HistoryStore } from "./history";
import { describeOwner, FileLocks, JournalStore, PromotionConflictError } from "./journal";
import { InferenceUnits, ModelLifecycle, startActionFor, stopActionFor } from "./model";
import { describeUses, Intent, planPromotion, resolveInterrupted, usageState, usersOf, versionLabel } from "./plan";
import { Project } from "./project";
import { HistoryRecord, Journal, JournalStep, Outcome, Owner, PromotionRequest, StepEffects, StepId } from "./types";
import { parseSmokeImage, SmokeTester, verifyWithRetry } from "./verify";
import { addToConfigList, removeFromConfigList, StackBusyError, StackWorkspace } from "./workspace";

/**
 * Runs a promotion: the steps of the plan in order, each idempotent (it looks at the current state first), with
 * the journal written before every change so a re-run resumes; on a failing step, the steps taken are undone in
 * reverse, so the environment calls a granted, RUNNING version at every moment. The order and the undo rules
 * live here and in ./plan; every side effect goes through the injected dependencies.
 */

export interface EngineDeps {
  readonly projectDir: string;
  /** Re-reads the Pulumi.<stack>.yaml files: config edits made by earlier steps are seen by later ones. */
  readonly loadProject: () => Project;
  readonly workspace: StackWorkspace;
  readonly modelLifecycle: (projectArn: string, region: string) => ModelLifecycle;
  readonly smokeTester: SmokeTester;
  readonly journals: JournalStore;
  readonly locks: FileLocks;
  readonly history: HistoryStore;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: Progress;
  readonly owner: Owner;
  /** Who is promoting, for the history (the AWS caller identity). */
  readonly who: () => Promise<string>;
  /** How long to wait for another promotion's edit-and-update of the same stack (default 30 minutes). */
  readonly stackLockTimeoutMs?: number;
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
  readonly outcome: Outcome;
  readonly failedStep?: StepId;
  readonly reason?: string;
  /** This run continued a journal left by an interrupted run. */
  readonly resumed: boolean;
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
   * The request to start when no journal is in the way. Async because a rollback finds its target in the history
   * (in AWS), which must only be read once the lock is held.
   */
  readonly request: () => Promise<PromotionRequest>;
}

export async function executePromotion(input: PromotionInput, deps: EngineDeps): Promise<PromotionResult> {
  const env = input.intent.env;
  const lock = deps.locks.acquireEnvironment(env, deps.owner);
  try {
    const decision = resolveInterrupted(deps.journals.read(env), input.intent);
    let journal: Journal;
    let resumed = false;
    switch (decision.action) {
      case "refuse":
        throw new InterruptedPromotionError(decision.message);
      case "resume":
        journal = { ...decision.journal, owner: deps.owner };
        resumed = true;
        deps.progress.step("resume", `continuing the interrupted ${journal.kind} of ${env} to ${versionLabel(journal.version)} (${journal.phase === "undoing" ? "undoing its steps" : "from its first unfinished step"})`);
        break;
      case "undo":
        journal = { ...decision.journal, owner: deps.owner, phase: "undoing" };
        journal.failure = { step: interruptedStep(journal), reason: `interrupted; undone by \`rollback --env ${env}\`` };
        resumed = true;
        deps.progress.step("resume", `undoing the interrupted promotion of ${env} to ${versionLabel(journal.version)}`);
        break;
      case "start": {
        const request = await input.request();
        const others = deps.journals.list().filter((j) => j.env !== env);
        const plan = planPromotion(deps.loadProject(), request, others);
        journal = {
          id: randomUUID(),
          kind: request.kind,
          env,
          version: request.version,
          previous: plan.previous,
          keepOld: request.keepOld,
          startedAt: new Date(deps.now()).toISOString(),
          who: await deps.who(),
          owner: deps.owner,
          phase: "forward",
          steps: plan.steps.map((s) => ({ ...s, state: "pending", effects: {} })),
        };
        break;
      }
    }
    deps.journals.write(journal);
    return await run(journal, resumed, deps);
  } finally {
    lock.release();
  }
}

function interruptedStep(journal: Journal): StepId {
  const step = journal.steps.find((s) => s.state === "running" || s.state === "failed") ?? [...journal.steps].reverse().find((s) => s.state === "done");
  return step?.id ?? journal.steps[0].id;
}

async function run(journal: Journal, resumed: boolean, deps: EngineDeps): Promise<PromotionResult> {
  const context = new StepContext(journal, deps);
  let undoFailure: { step: StepId; reason: string } | undefined;

  if (journal.phase === "forward") {
    for (const step of journal.steps) {
      if (step.state === "done" || step.state === "skipped") continue;
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
        const reason = failureReason(error, journal.env);
        step.state = "failed";
        step.note = reason;
        step.finishedAt = new Date(deps.now()).toISOString();
        journal.phase = "undoing";
        journal.failure = { step: step.id, reason };
        context.save();
        deps.progress.done(step.id, `FAILED after ${seconds(deps.now() - started)}: ${reason}`);
        break;
      }
    }
  }

  if (journal.phase === "undoing") {
    // The failed (or interrupted) step is undone too: it may have changed something before it failed.
    for (const step of [...journal.steps].reverse()) {
      if (step.state !== "done" && step.state !== "failed" && step.state !== "running") continue;
      const started = deps.now();
      deps.progress.step(`undo ${step.id}`, `undoing ${step.id}`);
      try {
        const note = await STEPS[step.id].undo(context, step);
        step.state = "undone";
        step.note = note;
        context.save();
        deps.progress.done(`undo ${step.id}`, `done in ${seconds(deps.now() - started)}: ${note}`);
      } catch (error) {
        undoFailure = { step: step.id, reason: failureReason(error, journal.env) };
        deps.progress.done(`undo ${step.id}`, `FAILED: ${undoFailure.reason}`);
        break;
      }
    }
  }

  const outcome: Outcome = journal.phase === "forward" ? "succeeded" : undoFailure ? "undo-failed" : "failed";
  const reason =
    outcome === "undo-failed"
      ? `${journal.failure?.step} failed (${journal.failure?.reason}); undoing ${undoFailure!.step} then failed (${undoFailure!.reason}); re-run the same command to finish the undo`
      : journal.failure?.reason;
  const record: HistoryRecord = {
    id: journal.id,
    kind: journal.kind,
    env: journal.env,
    from: journal.previous,
    to: journal.version,
    who: journal.who,
    startedAt: journal.startedAt,
    finishedAt: new Date(deps.now()).toISOString(),
    outcome,
    ...(journal.failure ? { failedStep: journal.failure.step } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
  let historyError: string | undefined;
  try {
    await deps.history.append(record);
  } catch (error) {
    historyError = `the outcome was not written to the history parameter: ${error instanceof Error ? error.message : String(error)}`;
    deps.progress.done("history", historyError);
  }
  // An incomplete undo keeps its journal, so that the next run finishes it.
  if (outcome !== "undo-failed") deps.journals.remove(journal.env);
  return {
    env: journal.env,
    kind: journal.kind,
    version: journal.version,
    previous: journal.previous,
    outcome,
    ...(journal.failure ? { failedStep: journal.failure.step } : {}),
    ...(reason !== undefined ? { reason } : {}),
    resumed,
    steps: journal.steps.map((s) => ({ id: s.id, state: s.state, ...(s.note !== undefined ? { note: s.note } : {}) })),
    ...(historyError ? { historyError } : {}),
  };
}

function failureReason(error: unknown, env: string): string {
  if (error instanceof StackBusyError) return new PromotionConflictError(env, error.message).message;
  return error instanceof Error ? error.message : String(error);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

// ---------------------------------------------------------------------------------------------------------------
// Steps

interface StepResult {
  readonly note: string;
  readonly skipped?: boolean;
}

interface StepDefinition {
  run(context: StepContext, step: JournalStep): Promise<StepResult>;
  /** Undoes what `step.effects` says the step changed; a no-op (with a note) when it changed nothing. */
  undo(context: StepContext, step: JournalStep): Promise<string>;
}

/** Builds a Pulumi config path; names that are not plain identifiers (e.g. `pre-prod`) are quoted. */
export function configPath(...segments: string[]): string {
  const [first, ...rest] = segments;
  return `${NAMESPACE}:${first}${rest.map((s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `["${s}"]`)).join("")}`;
}

class StepContext {
  private lifecycle: ModelLifecycle | undefined;

  constructor(
    readonly journal: Journal,
    readonly deps: EngineDeps,
  ) {}

  get env(): string {
    return this.journal.env;
  }

  save(): void {
    this.deps.journals.write(this.journal);
  }

  /** Writes what the step is about to change into the journal, before changing it. */
  intend(step: JournalStep, effects: StepEffects): void {
    step.effects = { ...step.effects, ...effects };
    this.save();
  }

  project(): Project {
    return this.deps.loadProject();
  }

  async models(): Promise<ModelLifecycle> {
    if (!this.lifecycle) {
      const ml = this.project().ml;
      const projectArn = ml.config.model.projectArn ?? String((await this.deps.workspace.outputs(ml.stack))[ML_OUTPUTS.projectArn] ?? "");
      if (projectArn === "") throw new Error(`the ML stack ${ml.stack} has no ${ML_OUTPUTS.projectArn} output and ${NAMESPACE}:model.projectArn is not set; deploy the ML stack first`);
      this.lifecycle = this.deps.modelLifecycle(projectArn, ml.config.region);
    }
    return this.lifecycle;
  }

  units(): InferenceUnits {
    const promotion = this.project().ml.config.promotion;
    return { min: promotion.minInferenceUnits, ...(promotion.maxInferenceUnits !== undefined ? { max: promotion.maxInferenceUnits } : {}) };
  }

  async up(stack: string): Promise<void> {
    this.deps.progress.waiting(`pulumi up of stack ${stack}`);
    await this.deps.workspace.up(stack);
  }

  /** Edits of the ML stack's config and its `up` happen under one lock: other environments' promotions edit the same file. */
  async withMlStack<T>(operation: (project: Project) => Promise<T>): Promise<T> {
    const stack = this.project().ml.stack;
    const lock = await this.deps.locks.acquireWaiting(`stack-${stack}`, this.deps.owner, {
      now: this.deps.now,
      sleep: this.deps.sleep,
      timeoutMs: this.deps.stackLockTimeoutMs ?? 30 * 60 * 1000,
      onWait: (holder) => this.deps.progress.waiting(`stack ${stack}, being changed by ${describeOwner(holder)}`),
    });
    try {
      return await operation(this.project());
    } finally {
      lock.release();
    }
  }

  /** Versions other environments' in-flight promotions name: they count as uses. */
  usersOf(version: string): ReturnType<typeof usersOf> {
    const others = this.deps.journals.list().filter((j) => j.env !== this.env);
    return usersOf(version, usageState(this.project(), others));
  }

  /** Gets a version RUNNING: starts it if needed and waits with a waiter scoped to it. */
  async ensureRunning(version: string, onStart: () => void): Promise<string> {
    const models = await this.models();
    const name = versionLabel(version);
    const description = await models.require(version);
    let action = startActionFor(description.status);
    if (typeof action === "object") throw new Error(`model version ${name} ${action.refuse}`);
    if (action === "none") return `${name} is already RUNNING`;
    if (action === "wait-stopped-then-start") {
      this.deps.progress.waiting(`${name} to finish STOPPING before it can be started`);
      await models.waitStopped(version);
      action = "start";
    }
    if (action === "start") {
      onStart();
      const units = this.units();
      this.deps.progress.waiting(`StartProjectVersion of ${name} with ${units.min}${units.max !== undefined ? `-${units.max}` : ""} inference unit(s)`);
      await models.start(version, units);
    }
    this.deps.progress.waiting(`${name} to become RUNNING (billed from now on)`);
    await models.waitRunning(version);
    return action === "start" ? `started ${name}; it is RUNNING` : `${name} finished starting; it is RUNNING`;
  }

  async stopVersion(version: string, onStop: () => void): Promise<string> {
    const models = await this.models();
    const name = versionLabel(version);
    const description = await models.describe(version);
    if (!description) return `${name} no longer exists`;
    const action = stopActionFor(description.status);
    if (action === "none") return `${name} is already ${description.status}`;
    if (action === "stop") {
      onStop();
      this.deps.progress.waiting(`StopProjectVersion of ${name}`);
      await models.stop(version);
    }
    this.deps.progress.waiting(`${name} to become STOPPED`);
    await models.waitStopped(version);
    return `stopped ${name}`;
  }
}

const STEPS: Record<StepId, StepDefinition> = {
  "ensure-running": {
    async run(context, step) {
      const note = await context.ensureRunning(context.journal.version, () => context.intend(step, { startedVersion: true }));
      return { note };
    },
    async undo(context, step) {
      const version = context.journal.version;
      if (!step.effects.startedVersion) return `${versionLabel(version)} was running before; left as it was`;
      const uses = context.usersOf(version);
      if (uses.length > 0) return `${versionLabel(version)} left running: used by ${describeUses(uses)}`;
      return context.stopVersion(version, () => undefined);
    },
  },

  grant: {
    async run(context, step) {
      const { version } = context.journal;
      const env = context.env;
      const consumerStack = context.project().consumers[env].stack;
      await context.withMlStack(async (project) => {
        const ml = project.ml;
        if (!ml.config.model.versions.includes(version)) {
          context.intend(step, { addedToCatalogue: true });
          await addToConfigList(context.deps.workspace, ml.stack, configPath("model", "versions"), ml.config.model.versions, version);
        }
        const granted = ml.config.consumers[env].grantedVersions;
        if (!granted.includes(version)) {
          context.intend(step, { addedGrant: true });
          await addToConfigList(context.deps.workspace, ml.stack, configPath("consumers", env, "grantedVersions"), granted, version);
        }
        // Also after a crash between the edit and the update: the file is ahead of the deployed stack then.
        await context.up(ml.stack);
      });
      await context.up(consumerStack);
      return { note: `${versionLabel(version)} granted to ${env}; shared role and ${consumerStack}'s endpoint policy updated` };
    },
    async undo(context, step) {
      const { version } = context.journal;
      const env = context.env;
      if (!step.effects.addedGrant && !step.effects.addedToCatalogue) return "nothing was granted";
      const consumerStack = context.project().consumers[env].stack;
      await context.withMlStack(async (project) => {
        const ml = project.ml;
        if (step.effects.addedGrant) {
          await removeFromConfigList(context.deps.workspace, ml.stack, configPath("consumers", env, "grantedVersions"), ml.config.consumers[env].grantedVersions, version);
        }
        if (step.effects.addedToCatalogue) {
          const after = context.project().ml;
          const stillGranted = Object.values(after.config.consumers).some((c) => c.grantedVersions.includes(version));
          if (!stillGranted) await removeFromConfigList(context.deps.workspace, after.stack, configPath("model", "versions"), after.config.model.versions, version);
        }
        await context.up(ml.stack);
      });
      await context.up(consumerStack);
      return `grant of ${versionLabel(version)} to ${env} removed`;
    },
  },

  verify: {
    async run(context) {
      const { version } = context.journal;
      const env = context.env;
      const project = context.project();
      const consumer = project.consumers[env];
      const smoke = consumer.config.smokeTest;
      if (!smoke) throw new Error(`${consumer.path} has no ${NAMESPACE}:smokeTest; nothing proves ${env} can call ${versionLabel(version)}`);
      const outputs = await context.deps.workspace.outputs(project.ml.stack);
      const sharedRoleArns = (outputs[ML_OUTPUTS.sharedRoleArns] ?? {}) as Record<string, string>;
      const sharedRoleArn = sharedRoleArns[env];
      if (!sharedRoleArn) throw new Error(`the ML stack ${project.ml.stack} has no ${ML_OUTPUTS.sharedRoleArns} output for ${env}; deploy it first`);
      const parsedImage = parseSmokeImage(smoke.image);
      const image = "path" in parsedImage && !isAbsolute(parsedImage.path) ? { path: resolve(context.deps.projectDir, parsedImage.path) } : parsedImage;
      context.deps.progress.waiting(`DetectCustomLabels as ${smoke.principalRoleArn} through ${sharedRoleArn}`);
      const { label, attempts } = await verifyWithRetry({
        tester: context.deps.smokeTester,
        request: { environment: env, region: project.ml.config.region, modelVersionArn: version, sharedRoleArn, principalRoleArn: smoke.principalRoleArn, image, minConfidence: smoke.minConfidence },
        expectedLabel: smoke.expectedLabel,
        deadlineSeconds: smoke.deadlineSeconds,
        now: context.deps.now,
        sleep: context.deps.sleep,
        progress: context.deps.progress,
      });
      return { note: `${env} called ${versionLabel(version)}: "${label.name}" at ${label.confidence.toFixed(1)}% (attempt ${attempts})` };
    },
    async undo() {
      return "nothing to undo (read-only)";
    },
  },

  switch: {
    async run(context, step) {
      const { version } = context.journal;
      const consumer = context.project().consumers[context.env];
      if (consumer.config.modelVersionArn !== version) {
        context.intend(step, { switchedFrom: consumer.config.modelVersionArn });
        await context.deps.workspace.setConfig(consumer.stack, configPath("modelVersionArn"), version, { path: false });
      }
      await context.up(consumer.stack);
      return { note: `${context.env} now calls ${versionLabel(version)}` };
    },
    async undo(context, step) {
      const switchedFrom = step.effects.switchedFrom;
      if (switchedFrom === undefined) return "the configured version was not changed";
      const consumer = context.project().consumers[context.env];
      if (consumer.config.modelVersionArn !== switchedFrom) {
        await context.deps.workspace.setConfig(consumer.stack, configPath("modelVersionArn"), switchedFrom, { path: false });
      }
      await context.up(consumer.stack);
      return `${context.env} calls ${versionLabel(switchedFrom)} again`;
    },
  },

  revoke: {
    async run(context, step) {
      const { previous } = context.journal;
      const env = context.env;
      const consumerStack = context.project().consumers[env].stack;
      await context.withMlStack(async (project) => {
        const granted = project.ml.config.consumers[env].grantedVersions;
        if (granted.includes(previous)) {
          context.intend(step, { removedGrant: true });
          await removeFromConfigList(context.deps.workspace, project.ml.stack, configPath("consumers", env, "grantedVersions"), granted, previous);
        }
        await context.up(project.ml.stack);
      });
      await context.up(consumerStack);
      return { note: `${versionLabel(previous)} no longer granted to ${env}` };
    },
    async undo(context, step) {
      const { previous } = context.journal;
      const env = context.env;
      if (!step.effects.removedGrant) return "no grant was removed";
      const consumerStack = context.project().consumers[env].stack;
      await context.withMlStack(async (project) => {
        const ml = project.ml;
        // A grant must name a catalogued version (the ML schema checks it): restore the catalogue entry first if it went.
        await addToConfigList(context.deps.workspace, ml.stack, configPath("model", "versions"), ml.config.model.versions, previous);
        const granted = context.project().ml.config.consumers[env].grantedVersions;
        await addToConfigList(context.deps.workspace, ml.stack, configPath("consumers", env, "grantedVersions"), granted, previous);
        await context.up(ml.stack);
      });
      await context.up(consumerStack);
      return `${versionLabel(previous)} granted to ${env} again`;
    },
  },

  stop: {
    async run(context, step) {
      const { previous } = context.journal;
      const uses = context.usersOf(previous);
      if (uses.length > 0) return { skipped: true, note: `${versionLabel(previous)} kept running: still used by ${describeUses(uses)}` };
      const note = await context.stopVersion(previous, () => context.intend(step, { stoppedVersion: true }));
      return { note };
    },
    async undo(context, step) {
      const { previous } = context.journal;
      if (!step.effects.stoppedVersion) return `${versionLabel(previous)} was not stopped by this promotion`;
      return context.ensureRunning(previous, () => undefined);
    },
  },
};
