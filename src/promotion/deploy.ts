import { UsageError } from "../cli/common";
import { DEFAULT_UP_TIMEOUT_MINUTES } from "../config/schema";
import { mapBounded } from "./bounded";
import { boundedUp } from "./boundedUp";
import { DeployedState, grantsFromOutputs, readDeployedConfigured } from "./deployed";
import { deployHazards, StaleCheckoutError } from "./drift";
import { describeLease, HeldLease, LeaseIdentity, LeaseTableMissingError, PromotionLease } from "./lease";
import { environmentNames, Project } from "./project";
import { plainTable, ResourceChange, StackPlan } from "./changes";
import { StackBusyError, StackChanges, StackNotDeployedError, StackWorkspace } from "./workspace";

/**
 * `deploy`: the ML stack first (consumer stacks read its outputs), then the consumer stacks concurrently with a
 * bound, each one's output streamed line by line with its name in front, and a summary of changes per stack.
 */

export interface StackSelection {
  readonly ml?: string;
  readonly consumers: readonly string[];
}

/** Which stacks `--stacks` names, the ML stack apart; every name must be a stack of the project. */
export function selectStacks(project: Project, requested: readonly string[] | undefined): StackSelection {
  const consumerStacks = Object.values(project.consumers).map((c) => c.stack).sort();
  const all = [project.ml.stack, ...consumerStacks];
  const names = requested ?? all;
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`--stacks "${names.join(",")}" names ${unknown.map((n) => `"${n}"`).join(", ")}, not a stack of this project; allowed: ${all.join(", ")} (from the Pulumi.<stack>.yaml files)`);
  }
  if (names.length === 0) throw new UsageError(`--stacks is empty; allowed: ${all.join(", ")}`);
  return { ...(names.includes(project.ml.stack) ? { ml: project.ml.stack } : {}), consumers: consumerStacks.filter((s) => names.includes(s)) };
}

export function parseStackList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return [...new Set(value.split(",").map((s) => s.trim()).filter((s) => s !== ""))];
}

export interface StackDeployResult {
  readonly stack: string;
  readonly kind: "ml" | "consumer";
  readonly operation: "up" | "preview";
  readonly status: "ok" | "failed" | "not-run";
  readonly seconds: number;
  readonly changes?: StackChanges;
  /** A preview's changes per resource (what would be created, updated, replaced, deleted). */
  readonly resources?: readonly ResourceChange[];
  readonly error?: string;
}

export interface DeployDeps {
  readonly workspace: StackWorkspace;
  readonly now: () => number;
  /** Where the stacks' prefixed output goes (stderr in the CLI: stdout stays for the summary). */
  readonly writeOutput: (text: string) => void;
  /**
   * The promotion lease, held around an update (not a preview): a deploy must not interleave with a promotion from
   * another checkout, and its files are checked against what is deployed first (deployHazards).
   */
  readonly lease?: { readonly lease: PromotionLease; readonly identity: () => Promise<LeaseIdentity> };
  /** The project whose files are checked against what is deployed before an update (with `lease`). */
  readonly project?: Project;
  /**
   * Plan before apply: with it, an update first previews every selected stack and applies only once this approves
   * the plan (true), after which the lease is taken; false (nothing to apply) ends the deploy with the previews.
   * It throws to refuse (the user declined). Without it (the benchmark, older callers) the update runs directly.
   */
  readonly approve?: (plans: readonly StackPlan[]) => Promise<boolean>;
  /** Aborted on SIGINT/SIGTERM: the update in flight is cancelled and awaited, the rest are not run. */
  readonly signal?: AbortSignal;
  /**
   * After the ML stack's update (not a preview): what the ML stack plans but Pulumi cannot apply, i.e. the copy
   * environments' project policies (./projectPolicies). Returns a note for the output; a failure fails the ML stack.
   */
  readonly afterMlUpdate?: (stack: string) => Promise<string | undefined>;
}

export interface DeployOptions {
  readonly preview: boolean;
  readonly concurrency: number;
}

export { mapBounded };

export async function deployStacks(selection: StackSelection, options: DeployOptions, deps: DeployDeps): Promise<StackDeployResult[]> {
  const width = Math.max(0, ...[selection.ml ?? "", ...selection.consumers].map((s) => s.length));
  // Each update is bounded like a promotion's (modelshare:promotion.upTimeoutMinutes of the ML stack).
  const timeoutMs = (deps.project?.ml.config.promotion.upTimeoutMinutes ?? DEFAULT_UP_TIMEOUT_MINUTES) * 60_000;
  // The fence before each change: an interrupted deploy, or one whose lease was broken or taken over
  // (LeaseLostError), stops here.
  const fence = async () => {
    deps.signal?.throwIfAborted();
    await lease?.check();
  };
  const once = (preview: boolean) => async (stack: string, kind: "ml" | "consumer"): Promise<StackDeployResult> => {
    const started = deps.now();
    const output = linePrefixer(`[${stack.padEnd(width)}] `, deps.writeOutput);
    const operation = preview ? "preview" : "up";
    try {
      let result: Pick<StackDeployResult, "changes" | "resources">;
      if (preview) {
        const found = await deps.workspace.preview(stack, { onOutput: output.write });
        result = { changes: found.counts, resources: found.changes };
      } else {
        await fence();
        result = { changes: await boundedUp(deps.workspace, stack, { timeoutMs, onOutput: output.write, ...(deps.signal ? { signal: deps.signal } : {}) }) };
        if (kind === "ml" && deps.afterMlUpdate) {
          await fence(); // the project-policy writes are changes too
          const note = await deps.afterMlUpdate(stack);
          if (note) output.write(`${note}\n`);
        }
      }
      output.flush();
      return { stack, kind, operation, status: "ok", seconds: (deps.now() - started) / 1000, ...result };
    } catch (error) {
      output.flush();
      const message = error instanceof StackBusyError ? error.message : error instanceof Error ? error.message.split("\n").slice(0, 6).join("\n") : String(error);
      return { stack, kind, operation, status: "failed", seconds: (deps.now() - started) / 1000, error: message };
    }
  };

  if (!options.preview && deps.approve) {
    // A stale checkout is named as such before the previews (which would fail on it less clearly, e.g. a consumer
    // calling a version the deployed ML stack no longer grants); checked again under the lease, before any update.
    await refuseHazards(selection, deps);
  }
  if (options.preview || deps.approve) {
    const previews = await deployInOrder(selection, { ...options, preview: true }, once(true));
    if (options.preview || previews.some((r) => r.status !== "ok")) return previews;
    const plans = previews.map((r) => ({ stack: r.stack, changes: r.resources ?? [], ...(r.kind === "consumer" && selection.ml !== undefined ? { note: CONSUMER_PREVIEW_NOTE } : {}) }));
    if (!(await deps.approve!(plans))) return previews;
  }

  let lease: HeldLease | undefined;
  if (!options.preview && deps.lease) {
    lease = await takeLease(selection, deps);
    try {
      await refuseHazards(selection, deps);
    } catch (error) {
      await lease?.release();
      throw error;
    }
  }
  try {
    return await deployInOrder(selection, options, once(false));
  } finally {
    await lease?.release().catch(() => undefined);
  }
}

async function deployInOrder(
  selection: StackSelection,
  options: DeployOptions,
  once: (stack: string, kind: "ml" | "consumer") => Promise<StackDeployResult>,
): Promise<StackDeployResult[]> {
  const operation = options.preview ? "preview" : "up";
  const results: StackDeployResult[] = [];
  if (selection.ml !== undefined) {
    const ml = await once(selection.ml, "ml");
    results.push(ml);
    if (ml.status === "failed" && !options.preview) {
      // Consumer stacks read the ML stack's outputs: updating them against a half-updated ML stack helps nobody.
      for (const stack of selection.consumers) {
        results.push({ stack, kind: "consumer", operation, status: "not-run", seconds: 0, error: `not run: the ML stack ${selection.ml} failed` });
      }
      return results;
    }
  }
  results.push(...(await mapBounded(selection.consumers, options.concurrency, (stack) => once(stack, "consumer"))));
  return results;
}

/** A consumer stack's preview runs against the ML stack as deployed now (its StackReference), not as it is about to be. */
export const CONSUMER_PREVIEW_NOTE = "previewed against the ML stack's outputs as deployed now; changes the ML update makes to them show only in the update";

/**
 * The lease for the whole deploy. On the very first deploy the table does not exist yet (the ML stack creates it):
 * a deploy that includes the ML stack then goes ahead without it, saying so.
 */
async function takeLease(selection: StackSelection, deps: DeployDeps): Promise<HeldLease | undefined> {
  const { lease, identity } = deps.lease!;
  try {
    return await lease.acquire(await identity(), (holder) => deps.writeOutput(`waiting for the promotion lease, held by ${describeLease(holder, deps.now())}\n`));
  } catch (error) {
    if (error instanceof LeaseTableMissingError && selection.ml !== undefined) {
      deps.writeOutput(`the promotion lease table does not exist yet: deploying ${selection.ml} (which creates it) without the lease\n`);
      return undefined;
    }
    throw error;
  }
}

/** Refuses, before any update, a deploy whose files would take a called version away or switch an environment. */
async function refuseHazards(selection: StackSelection, deps: DeployDeps): Promise<void> {
  const project = deps.project;
  if (!project) return;
  const grants: Record<string, string[]> = {};
  if (selection.ml !== undefined) {
    try {
      Object.assign(grants, grantsFromOutputs(await deps.workspace.outputs(project.ml.stack), project.ml.stack));
    } catch (error) {
      if (!(error instanceof StackNotDeployedError)) throw error; // never deployed: nothing to take away
    }
  }
  const envs = environmentNames(project).filter((env) => selection.ml !== undefined || selection.consumers.includes(project.consumers[env].stack));
  const configured = await mapBounded(envs, 4, (env) => readDeployedConfigured(deps.workspace, project.consumers[env].stack));
  const deployed: DeployedState = { grants, configured: Object.fromEntries(envs.map((env, i) => [env, configured[i]])) };
  const problems = deployHazards(project, deployed, selection);
  if (problems.length > 0) throw new StaleCheckoutError(problems);
}

/**
 * Prefixes every line of a stream that arrives in arbitrary chunks: a line is written only once it is complete,
 * so concurrent stacks' lines never interleave mid-line.
 */
export function linePrefixer(prefix: string, write: (text: string) => void): { write: (chunk: string) => void; flush: () => void } {
  let pending = "";
  return {
    write(chunk: string) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      if (lines.length > 0) write(lines.map((l) => `${prefix}${l}\n`).join(""));
    },
    flush() {
      if (pending !== "") write(`${prefix}${pending}\n`);
      pending = "";
    },
  };
}

/** One line per stack: what changed (Pulumi's counts), how long it took, or why it failed. */
export function formatDeploySummary(results: readonly StackDeployResult[]): string {
  const rows = results.map((r) => {
    const changes =
      r.status !== "ok"
        ? (r.error ?? "")
        : Object.entries(r.changes ?? {})
            // "same" counts resources left alone: not a change.
            .filter(([op, n]) => n > 0 && op !== "same")
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([op, n]) => `${op} ${n}`)
            .join(", ") || "no changes";
    return [r.stack, r.operation, r.status, `${r.seconds.toFixed(1)}s`, changes];
  });
  return plainTable(["stack", "operation", "status", "elapsed", "changes"], rows, ["left", "left", "left", "right", "left"]);
}
