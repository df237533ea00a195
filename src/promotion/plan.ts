import { parseProjectVersionArn } from "../arn";
import { copyOf } from "../config/copy";
import { NAMESPACE } from "../config/schema";
import { smokeTestFunctionName } from "../contract";
import { Project } from "./project";
import { modelAlarmNames } from "../detective/alarms";
import { HistoryRecord, InferenceUnits, Journal, PlannedStep, PromotionPlan, PromotionRequest } from "./types";

/**
 * The decisions of promotion as pure functions: which steps run, who still uses a version (reference counting
 * across environments), where a rollback goes, and what to do with a journal left by an interrupted run.
 * No I/O here: the executor and `--dry-run` call the same functions, and the tests call them without mocks.
 */

/** How the environments use model versions: the consumer stacks' configured versions and the ML stack's grants. */
export interface UsageState {
  /** environment -> the version its applications call (consumer stack's modelshare:modelVersionArn) */
  readonly configured: Readonly<Record<string, string>>;
  /** environment -> versions its shared role may call (ML stack's modelshare:consumers.<env>.grantedVersions) */
  readonly granted: Readonly<Record<string, readonly string[]>>;
  /** Versions named by promotions in flight in other environments (their journals): not safe to stop either. */
  readonly inFlight: readonly { readonly env: string; readonly versions: readonly string[] }[];
}

export type UseKind = "configured" | "granted" | "in-flight";

export interface VersionUse {
  readonly env: string;
  readonly how: UseKind;
}

/**
 * Who needs ML versions RUNNING. A copy environment (sharing: copy) runs its own copies: its configured version and its
 * grants name what it may copy, not what must run in the ML account, so it is no user of a running ML version.
 */
export function usageState(project: Project, journals: readonly Journal[] = []): UsageState {
  const copying = copyEnvironments(project);
  const configured: Record<string, string> = {};
  for (const [env, consumer] of Object.entries(project.consumers)) if (!copying.has(env)) configured[env] = consumer.config.modelVersionArn;
  const granted: Record<string, readonly string[]> = {};
  for (const [env, consumer] of Object.entries(project.ml.config.consumers)) if (!copying.has(env)) granted[env] = consumer.grantedVersions;
  return {
    configured,
    granted,
    inFlight: journals.filter((j) => j.sharing !== "copy").map((j) => ({ env: j.env, versions: [j.version, j.previous] })),
  };
}

/**
 * Who needs ML versions RUNNING, as deployed (the grants of the deployed ML stack, the versions the deployed consumer
 * stacks configure) plus the promotions in flight: copy environments and their journals left out (see usageState).
 */
export function deployedUsageState(project: Project, deployed: { readonly grants: Readonly<Record<string, readonly string[]>>; readonly configured: Readonly<Record<string, string | undefined>> }, journals: readonly Journal[]): UsageState {
  const copying = copyEnvironments(project);
  const configured = Object.fromEntries(Object.entries(deployed.configured).filter((e): e is [string, string] => e[1] !== undefined && !copying.has(e[0])));
  const granted = Object.fromEntries(Object.entries(deployed.grants).filter(([env]) => !copying.has(env)));
  return { configured, granted, inFlight: journals.filter((j) => j.sharing !== "copy").map((j) => ({ env: j.env, versions: [j.version, j.previous] })) };
}

/** The environments the ML stack's config says copy (consumers.<env>.sharing: copy). */
export function copyEnvironments(project: Project): Set<string> {
  return new Set(Object.entries(project.ml.config.consumers).filter(([, c]) => c.sharing === "copy").map(([env]) => env));
}

/** Every use of a version by any environment. A version with no use can be stopped. */
export function usersOf(version: string, state: UsageState): VersionUse[] {
  const uses: VersionUse[] = [];
  for (const [env, arn] of Object.entries(state.configured)) if (arn === version) uses.push({ env, how: "configured" });
  for (const [env, arns] of Object.entries(state.granted)) if (arns.includes(version)) uses.push({ env, how: "granted" });
  for (const flight of state.inFlight) if (flight.versions.includes(version)) uses.push({ env: flight.env, how: "in-flight" });
  return uses.sort((a, b) => a.env.localeCompare(b.env) || a.how.localeCompare(b.how));
}

export function describeUses(uses: readonly VersionUse[]): string {
  return uses.map((u) => `${u.env} (${u.how})`).join(", ");
}

/** The usage after the promotion's config changes: the environment calls `version`, which is granted; `previous` is revoked unless kept. */
export function usageAfter(state: UsageState, request: PromotionRequest, previous: string): UsageState {
  const grants = new Set(state.granted[request.environment] ?? []);
  grants.add(request.version);
  if (!request.keepOld && previous !== request.version) grants.delete(previous);
  return {
    configured: { ...state.configured, [request.environment]: request.version },
    granted: { ...state.granted, [request.environment]: [...grants] },
    inFlight: state.inFlight.filter((f) => f.env !== request.environment),
  };
}

/** Short name of a version for messages: its version name, or the ARN when it does not parse. */
export function versionLabel(arn: string): string {
  const parsed = parseProjectVersionArn(arn);
  return typeof parsed === "string" ? arn : parsed.versionName;
}

/**
 * The steps a promotion will run, steps that would do nothing left out. `ensure-running` and `verify` always
 * run: whether the version is RUNNING and reachable can only be known by asking AWS, which a plan never does.
 * `stop` is decided when it runs, from every environment's deployed state: `--dry-run` predicts it from the files
 * ("predict"), the executor always journals it ("at-run-time") and the step skips itself when the version is in use.
 */
export function planPromotion(
  project: Project,
  request: PromotionRequest,
  otherJournals: readonly Journal[] = [],
  options: { readonly stop: "predict" | "at-run-time" } = { stop: "predict" },
): PromotionPlan {
  if (copyEnvironments(project).has(request.environment)) return planCopyPromotion(project, request);
  const env = request.environment;
  const consumer = project.consumers[env];
  const ml = project.ml;
  const previous = consumer.config.modelVersionArn;
  const granted = ml.config.consumers[env]?.grantedVersions ?? [];
  const units = ml.config.promotion;
  const unitsText = units.maxInferenceUnits !== undefined ? `${units.minInferenceUnits}-${units.maxInferenceUnits}` : `${units.minInferenceUnits}`;
  const name = versionLabel(request.version);
  const steps: PlannedStep[] = [];

  steps.push({
    id: "ensure-running",
    detail: `make sure ${name} is trained and RUNNING: start it with ${unitsText} inference unit(s) if it is not, and wait until RUNNING`,
  });
  if (!granted.includes(request.version)) {
    steps.push({
      id: "grant",
      stack: ml.stack,
      detail: `add ${name} to ${NAMESPACE}:consumers.${env}.grantedVersions; up ${ml.stack}, then up ${consumer.stack} (its endpoint policy lists the granted versions)`,
    });
  }
  steps.push({ id: "verify", detail: verifyDetail(consumer, `${name} through the ${env} shared role`) });
  if (previous !== request.version) {
    steps.push({
      id: "switch",
      stack: consumer.stack,
      detail: `set ${NAMESPACE}:modelVersionArn of ${consumer.stack} from ${versionLabel(previous)} to ${name}; up ${consumer.stack}`,
    });
    // The canary bake: promotions only (a rollback returns to a version that ran before; nothing to prove).
    const bakeSeconds = ml.config.promotion.bakeSeconds;
    if (request.kind === "promote" && bakeSeconds > 0) {
      steps.push({
        id: "bake",
        detail: `watch ${name}'s alarms (${modelAlarmNames(ml.config.rolePrefix, request.version).join(", ")}) for ${bakeSeconds} s; if one fires, undo the switch (and the grant and start before it)`,
      });
    }
    if (!request.keepOld && granted.includes(previous)) {
      steps.push({
        id: "revoke",
        stack: ml.stack,
        detail: `remove ${versionLabel(previous)} from ${NAMESPACE}:consumers.${env}.grantedVersions; up ${ml.stack}, then up ${consumer.stack}`,
      });
    }
    const others = otherJournals.filter((j) => j.env !== env);
    const after = usageAfter(usageState(project, others), request, previous);
    const unused = usersOf(previous, after).length === 0;
    if (unused || (options.stop === "at-run-time" && !request.keepOld)) {
      steps.push({
        id: "stop",
        detail: unused
          ? `stop ${versionLabel(previous)} (no environment uses or is granted it); it is STOPPING once StopProjectVersion is accepted`
          : `stop ${versionLabel(previous)} if, when this step runs, no environment uses or is granted it`,
      });
    }
  }
  return { env, version: request.version, previous, steps };
}

/**
 * What verify does, by smokeTest.runner: the function (the default) runs in the consumer's network as the smoke-test
 * role and is invoked by the pipeline; direct mode makes the call from this runner as that role.
 */
function verifyDetail(consumer: Project["consumers"][string], call: string): string {
  const smoke = consumer.config.smokeTest;
  if (!smoke) return `no ${NAMESPACE}:smokeTest in ${consumer.path}`;
  const who =
    smoke.runner === "function"
      ? `invoke ${smokeTestFunctionName(consumer.config.environment)} (in ${consumer.config.environment}'s network, as ${smoke.principalRoleArn}), which calls`
      : `as ${smoke.principalRoleArn}, from this runner (smokeTest.runner direct), call`;
  return `${who} DetectCustomLabels on ${call} with ${smoke.image}, expecting "${smoke.expectedLabel}" >= ${smoke.minConfidence}% (retry until ${smoke.deadlineSeconds}s)`;
}

/**
 * A copy environment's promotion (issue 14): grant (the project policy lets the environment's account copy the
 * version) > copy (into its destination project, waiting for COPYING_COMPLETED) > ensure-running (its copy, in its
 * account) > verify (the copy, called directly) > switch > stop (its previous copy) > delete-copy (with
 * copy.deleteOldCopies) > revoke (the project policy no longer lets it copy the previous version). No bake: the model's
 * alarms watch the ML account's versions, not a copy in another account (docs/copy.md). A copy is used by its own
 * environment only, so stopping the previous one needs no reference counting across environments.
 */
function planCopyPromotion(project: Project, request: PromotionRequest): PromotionPlan {
  const env = request.environment;
  const consumer = project.consumers[env];
  const ml = project.ml;
  const copy = consumer.config.copy;
  const previous = consumer.config.modelVersionArn;
  const granted = ml.config.consumers[env]?.grantedVersions ?? [];
  const name = versionLabel(request.version);
  const policy = `${ml.config.rolePrefix}-copy-${env}`;
  const units = ml.config.promotion;
  const unitsText = units.maxInferenceUnits !== undefined ? `${units.minInferenceUnits}-${units.maxInferenceUnits}` : `${units.minInferenceUnits}`;
  const existing = copyOf(copy, request.version);
  const previousCopy = copyOf(copy, previous);
  const steps: PlannedStep[] = [];
  if (!granted.includes(request.version)) {
    steps.push({ id: "grant", stack: ml.stack, detail: `add ${name} to ${NAMESPACE}:consumers.${env}.grantedVersions; up ${ml.stack}, then put project policy ${policy} (account ${consumer.config.accountId} may copy ${name})` });
  }
  steps.push({
    id: "copy",
    stack: consumer.stack,
    detail: existing
      ? `use ${env}'s copy ${versionLabel(existing)} of ${name} (${NAMESPACE}:copy.versions), or copy it again if it is gone; up ${consumer.stack}`
      : `as ${consumer.config.deployRoleArn}, CopyProjectVersion ${name} into project ${copy?.projectName} (output s3://${copy?.outputBucketName}/${copy?.outputPrefix}); wait for COPYING_COMPLETED (up to ${units.copyTimeoutMinutes} min); add it to ${NAMESPACE}:copy.versions; up ${consumer.stack}`,
  });
  steps.push({ id: "ensure-running", detail: `make sure ${env}'s copy of ${name} is RUNNING in account ${consumer.config.accountId}: start it with ${unitsText} inference unit(s) if it is not, and wait until RUNNING (billed there)` });
  steps.push({ id: "verify", detail: verifyDetail(consumer, `${env}'s copy of ${name} directly (no shared role)`) });
  if (previous !== request.version) {
    steps.push({ id: "switch", stack: consumer.stack, detail: `set ${NAMESPACE}:modelVersionArn of ${consumer.stack} from ${versionLabel(previous)} to ${name} (its parameter then names the copy); up ${consumer.stack}` });
    if (!request.keepOld && previousCopy !== undefined) {
      steps.push({ id: "stop", detail: `after promotion.drainSeconds (${ml.config.promotion.drainSeconds} s from the switch, for applications to re-read the parameter), stop ${env}'s copy ${versionLabel(previousCopy)} of ${versionLabel(previous)} (only ${env} calls it); it is STOPPING once StopProjectVersion is accepted` });
      if (copy?.deleteOldCopies) {
        steps.push({ id: "delete-copy", stack: consumer.stack, detail: `remove ${versionLabel(previousCopy)} from ${NAMESPACE}:copy.versions; up ${consumer.stack}; once it is STOPPED, DeleteProjectVersion (a rollback copies again)` });
      }
    }
    if (!request.keepOld && granted.includes(previous)) {
      steps.push({ id: "revoke", stack: ml.stack, detail: `remove ${versionLabel(previous)} from ${NAMESPACE}:consumers.${env}.grantedVersions; up ${ml.stack}, then put project policy ${policy} (account ${consumer.config.accountId} may no longer copy it)` });
    }
  }
  return { env, version: request.version, previous, steps };
}

/**
 * Where `rollback` goes without --to: one step back through the history, so two rollbacks go two versions back.
 * Replayed oldest first: a promotion (or a rollback --to elsewhere) that moved the environment pushes the version it
 * left; a rollback to the version on top pops it. Records that did not move the environment are ignored: failed
 * ones, undos of interrupted promotions, and the second record (succeeded) of a promotion whose clean-up was pending.
 * Undefined when the history never brought the environment to `currentVersion`.
 */
export function rollbackTarget(history: readonly HistoryRecord[], currentVersion: string): string | undefined {
  const oldestFirst = [...history].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const counted = new Set<string>();
  const back: string[] = [];
  // After each move: where the environment was, and where a rollback from there goes.
  const states: { readonly at: string; readonly target: string | undefined }[] = [];
  for (const record of oldestFirst) {
    if (record.undid !== undefined || (record.outcome !== "succeeded" && record.outcome !== "cleanup-pending")) continue;
    if (counted.has(record.id)) continue;
    counted.add(record.id);
    if (record.from === record.to) continue;
    const returning = record.kind === "rollback" ? back.lastIndexOf(record.to) : -1;
    if (returning >= 0) back.length = returning;
    else back.push(record.from);
    states.push({ at: record.to, target: back.at(-1) });
  }
  // Normally the last state; when the environment was moved outside modelshare since, the last time it was here.
  return [...states].reverse().find((state) => state.at === currentVersion)?.target;
}

/** The units a version last ran with, as the newest history record that saw it running says. */
export function unitsFromHistory(history: readonly HistoryRecord[], version: string): InferenceUnits | undefined {
  const newestFirst = [...history].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  return newestFirst.find((r) => r.units?.[version] !== undefined)?.units?.[version];
}

export type Resumption =
  | { readonly action: "start" }
  | { readonly action: "resume"; readonly journal: Journal }
  | { readonly action: "undo"; readonly journal: Journal }
  /** A rollback replaces a promotion whose switch is done and whose clean-up is pending: that clean-up is moot. */
  | { readonly action: "supersede"; readonly journal: Journal }
  | { readonly action: "refuse"; readonly message: string };

/** What the user asked for, as far as deciding about an interrupted journal goes. */
export type Intent =
  | { readonly kind: "promote"; readonly env: string; readonly version: string }
  /** `rollback` without --to: resumes an interrupted rollback, or undoes an interrupted promotion. */
  | { readonly kind: "rollback"; readonly env: string; readonly version?: string };

/**
 * Decides what to do with a journal an interrupted run left behind (its owner is gone: the lock was free).
 * The same request resumes it; `rollback` undoes an interrupted promotion; anything else is refused, because
 * starting a different promotion on top of a half-done one would lose track of what to undo.
 */
export function resolveInterrupted(journal: Journal | undefined, intent: Intent): Resumption {
  if (journal === undefined) return { action: "start" };
  if (journal.phase === "undoing") return { action: "resume", journal };
  if (journal.phase === "cleanup-pending") return resolveCleanupPending(journal, intent);
  if (journal.kind === intent.kind && (intent.version === undefined || intent.version === journal.version)) {
    return { action: "resume", journal };
  }
  if (intent.kind === "rollback" && intent.version === undefined && journal.kind === "promote") {
    return { action: "undo", journal };
  }
  const current = journal.steps.find((s) => s.state === "running" || s.state === "failed")?.id ?? "before its first step";
  return {
    action: "refuse",
    message:
      `${journal.env} has an interrupted ${journal.kind} to ${journal.version} (started by ${journal.who} at ${journal.startedAt}, stopped at ${current}). ` +
      `Re-run \`modelshare ${journal.kind === "promote" ? `promote --env ${journal.env} --version ${journal.version}` : `rollback --env ${journal.env} --to ${journal.version}`}\` to finish it` +
      (journal.kind === "promote" ? `, or \`modelshare rollback --env ${journal.env}\` to undo it.` : "."),
  };
}

/** A promotion whose switch is done and verified and whose clean-up (revoke, stop) failed. */
function resolveCleanupPending(journal: Journal, intent: Intent): Resumption {
  if (journal.kind === intent.kind && (intent.version === undefined || intent.version === journal.version)) return { action: "resume", journal };
  if (intent.kind === "rollback" && (intent.version === undefined || intent.version === journal.previous)) return { action: "supersede", journal };
  const failed = journal.failure ? ` (${journal.failure.step} failed: ${journal.failure.reason.split("\n")[0]})` : "";
  return {
    action: "refuse",
    message:
      `${journal.env} calls ${journal.version} since a ${journal.kind} by ${journal.who} at ${journal.startedAt}, whose clean-up of ${journal.previous} is pending${failed}. ` +
      `Finish it first: \`modelshare ${journal.kind === "promote" ? `promote --env ${journal.env} --version ${journal.version}` : `rollback --env ${journal.env} --to ${journal.version}`}\`, ` +
      `or roll back: \`modelshare rollback --env ${journal.env}\`.`,
  };
}

/** Steps before the switch whose result a crash may have invalidated (the version stopped, a grant taken away). */
export const RECHECKED_BEFORE_SWITCH = ["ensure-running", "grant", "copy", "verify"] as const;

/** Whether a resumed run re-checks the steps before the switch: only while the switch has not happened. */
export function recheckOnResume(journal: Journal): boolean {
  return journal.phase === "forward" && journal.steps.find((s) => s.id === "switch")?.state !== "done";
}

/**
 * What the real run would do with this journal, for `--dry-run`: the steps it would still run (re-checked ones
 * included), or the steps it would undo, in order.
 */
export function planFromJournal(journal: Journal, action: "resume" | "undo"): PlannedStep[] {
  if (action === "undo" || journal.phase === "undoing") {
    return [...journal.steps]
      .reverse()
      .filter((s) => s.state === "done" || s.state === "failed" || s.state === "running")
      .map((s) => ({ id: s.id, ...(s.stack !== undefined ? { stack: s.stack } : {}), detail: `undo: ${s.detail}` }));
  }
  const recheck = recheckOnResume(journal);
  return journal.steps
    .filter((s) => (s.state !== "done" && s.state !== "skipped") || (recheck && (RECHECKED_BEFORE_SWITCH as readonly string[]).includes(s.id)))
    .map((s) => ({
      id: s.id,
      ...(s.stack !== undefined ? { stack: s.stack } : {}),
      detail: s.state === "done" ? `re-check (done before the interruption): ${s.detail}` : s.detail,
    }));
}
