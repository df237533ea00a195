/**
 * The vocabulary of promotion: step ids, the plan, the journal that lets a crashed run resume, and the history
 * record kept in the consumer account. Plain data only, so the planner, the executor, the CLI and the tests share it.
 */

/**
 * The promotion steps (zero downtime: the new version is RUNNING and granted before the switch). A shared environment
 * runs ensure-running, grant, verify, switch, bake, revoke, stop. `bake` (issue 13) watches the new version's alarms
 * after the switch; the switch counts as verified once it passed. A copy environment (issue 14, sharing: copy) runs
 * grant (the project policy), copy, ensure-running (its copy), verify, switch, stop (its previous copy), delete-copy
 * (with copy.deleteOldCopies), revoke: the order of ./plan's planPromotion. Ids are only ever added (the JSON output,
 * the journal and the history name them).
 */
export const STEP_IDS = ["ensure-running", "grant", "verify", "switch", "bake", "revoke", "stop", "copy", "delete-copy"] as const;
export type StepId = (typeof STEP_IDS)[number];

export type PromotionKind = "promote" | "rollback";

/** Inference units a version runs with (StartProjectVersion's MinInferenceUnits / MaxInferenceUnits). */
export interface InferenceUnits {
  readonly min: number;
  readonly max?: number;
}

/** What the user asked for, after validation. */
export interface PromotionRequest {
  readonly kind: PromotionKind;
  readonly environment: string;
  /** Version the environment should call afterwards. */
  readonly version: string;
  /** Keep the previous version granted to the environment (and so running). */
  readonly keepOld: boolean;
  /** Units to start a version with instead of modelshare:promotion's (a rollback: the units the version last ran with). */
  readonly units?: Readonly<Record<string, InferenceUnits>>;
}

/** One step the plan will run. `stack` names the Pulumi stack the step updates first, when it updates one. */
export interface PlannedStep {
  readonly id: StepId;
  readonly stack?: string;
  readonly detail: string;
}

/** The `--dry-run --json` shape (issue 4): steps that would be skipped are left out. */
export interface PromotionPlan {
  readonly env: string;
  readonly version: string;
  readonly previous: string;
  readonly steps: readonly PlannedStep[];
}

/**
 * What a step changed, written to the journal BEFORE the change is made: a crash between the write and the
 * change leaves an intent that undo treats as done (every undo checks the current state first, so undoing a
 * change that never happened is a no-op).
 */
export interface StepEffects {
  /** ensure-running / stop-undo: this promotion started the version. */
  startedVersion?: boolean;
  /** grant: this promotion added the version to the environment's grants. */
  addedGrant?: boolean;
  /** grant: this promotion added the version to modelshare:model.versions. */
  addedToCatalogue?: boolean;
  /** switch: this promotion changed the environment's configured version. */
  switchedFrom?: string;
  /** bake: when the watch began (ISO time); a resumed run keeps this deadline. */
  bakeStartedAt?: string;
  /** revoke: this promotion removed the previous version from the environment's grants. */
  removedGrant?: boolean;
  /** stop: this promotion stopped the previous version. */
  stoppedVersion?: boolean;
  /** stop: the units the previous version ran with, so an undo restarts it as it was. */
  stoppedUnits?: InferenceUnits;
  /** copy: the VersionName given to CopyProjectVersion, written before the call (a re-run finds the copy by it). */
  copyVersionName?: string;
  /** copy: the copy this promotion made (CopyProjectVersion's ProjectVersionArn): an undo deletes it. */
  copiedVersion?: string;
  /** copy: this promotion added the copy to the consumer stack's modelshare:copy.versions. */
  addedCopyEntry?: boolean;
  /** delete-copy: this promotion removed the previous copy's entry from modelshare:copy.versions. */
  removedCopyEntry?: boolean;
  /** delete-copy: this promotion deleted the previous copy (DeleteProjectVersion): not undoable; a rollback copies again. */
  deletedCopy?: string;
}

/** A version as DescribeProjectVersions showed it during this promotion, under the lease `lease`. */
export interface ObservedVersion {
  readonly status: string;
  readonly units?: InferenceUnits;
  /** Token of the lease held when it was seen: a status seen under another lease may be stale. */
  readonly lease: string;
  readonly at: string;
}

export type StepState = "pending" | "running" | "done" | "skipped" | "failed" | "undone";

export interface JournalStep {
  readonly id: StepId;
  readonly stack?: string;
  readonly detail: string;
  state: StepState;
  effects: StepEffects;
  /** Why the step skipped itself at run time, or why it failed. */
  note?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface Owner {
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  /** Where the process ran, precisely enough to tell it is gone (./processIdentity). Absent in older lock files. */
  readonly bootId?: string;
  readonly pidNamespace?: string;
  readonly startTime?: string;
  /** ISO time the owner took the lock. */
  readonly since: string;
  /** The command line, for the refusal message. */
  readonly command: string;
}

/** A promotion in flight. Exists from the first step until the outcome is recorded in the history. */
export interface Journal {
  readonly id: string;
  readonly kind: PromotionKind;
  readonly env: string;
  readonly version: string;
  readonly previous: string;
  readonly keepOld: boolean;
  readonly startedAt: string;
  readonly who: string;
  owner: Owner;
  /**
   * forward: running the steps; undoing: a step before the switch failed and the steps taken are being undone in
   * reverse; cleanup-pending: the switch was verified and done, a clean-up step after it (revoke, stop) failed; the
   * environment stays on the new version and a re-run finishes the clean-up.
   */
  phase: "forward" | "undoing" | "cleanup-pending";
  failure?: { readonly step: StepId; readonly reason: string };
  steps: JournalStep[];
  /** Units to start versions with (from the request). */
  readonly units?: Readonly<Record<string, InferenceUnits>>;
  /** What DescribeProjectVersions showed during the run, per version. */
  models?: Record<string, ObservedVersion>;
  /** A copy environment's promotion (ML stack's consumers.<env>.sharing: copy when it started). */
  readonly sharing?: "copy";
  /** Copy mode: the environment's copy of each ML version the run deals with (ML version ARN -> copy ARN). */
  copies?: Record<string, string>;
  /** `rollback --env` is undoing this interrupted promotion: the outcome is recorded as that rollback's. */
  undoneByRollback?: { readonly who: string; readonly at: string };
  /** Outcomes already written to the history (each outcome is written once, also across crashes and re-runs). */
  recorded?: Outcome[];
  /** An outcome whose PutParameter was sent but not yet noted in `recorded`: a re-run checks the history first. */
  recording?: Outcome;
  /** A SIGINT/SIGTERM stopped the run at a safe point in this step; the same command resumes it. */
  interrupted?: { readonly signal: string; readonly at: string; readonly step?: StepId };
  /**
   * The run ended with this outcome but could not write it to the history: kept (with the journal) until a later run
   * of this environment writes it, before it does anything else.
   */
  pendingRecord?: { readonly outcome: Outcome; readonly reason?: string };
}

/** cleanup-pending: the environment calls the new version; revoking or stopping the previous one failed (see reason). */
export type Outcome = "succeeded" | "failed" | "undo-failed" | "cleanup-pending";

/** What a run reports: an outcome, or "interrupted" (SIGINT/SIGTERM: the journal is kept and the same command resumes). */
export type RunOutcome = Outcome | "interrupted";

/** One promotion or rollback, as kept in the consumer account's SSM history parameter. */
export interface HistoryRecord {
  readonly id: string;
  readonly kind: PromotionKind;
  readonly env: string;
  readonly from: string;
  readonly to: string;
  readonly who: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /**
   * succeeded; failed (every step taken was undone: the environment still calls `from`); undo-failed (see reason);
   * cleanup-pending (the environment calls `to`; revoking or stopping `from` is still to do).
   */
  readonly outcome: Outcome;
  readonly failedStep?: StepId;
  readonly reason?: string;
  /** Inference units each version ran with when this run saw it RUNNING: a rollback restarts `from` with them. */
  readonly units?: Readonly<Record<string, InferenceUnits>>;
  /** This rollback undid the interrupted promotion with this id (it restored `to`; it moved the environment nowhere new). */
  readonly undid?: string;
}
