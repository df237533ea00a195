import { UsageError } from "../cli/common";
import { describeOwner, FileLocks } from "./journal";
import { Project } from "./project";
import { Owner } from "./types";
import { StackBusyError, StackChanges, StackWorkspace } from "./workspace";

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
  readonly error?: string;
}

export interface DeployDeps {
  readonly workspace: StackWorkspace;
  readonly now: () => number;
  /** Where the stacks' prefixed output goes (stderr in the CLI: stdout stays for the summary). */
  readonly writeOutput: (text: string) => void;
  /** Serializes the ML stack's update with promotions editing its config in the same checkout. */
  readonly locks?: { readonly locks: FileLocks; readonly owner: Owner; readonly sleep: (ms: number) => Promise<void> };
}

export interface DeployOptions {
  readonly preview: boolean;
  readonly concurrency: number;
}

export async function deployStacks(selection: StackSelection, options: DeployOptions, deps: DeployDeps): Promise<StackDeployResult[]> {
  const operation = options.preview ? "preview" : "up";
  const width = Math.max(0, ...[selection.ml ?? "", ...selection.consumers].map((s) => s.length));
  const once = async (stack: string, kind: "ml" | "consumer"): Promise<StackDeployResult> => {
    const started = deps.now();
    const output = linePrefixer(`[${stack.padEnd(width)}] `, deps.writeOutput);
    try {
      const run = () => (options.preview ? deps.workspace.preview(stack, output.write) : deps.workspace.up(stack, output.write));
      const changes = kind === "ml" && !options.preview && deps.locks ? await withLock(stack, deps, run) : await run();
      output.flush();
      return { stack, kind, operation, status: "ok", seconds: (deps.now() - started) / 1000, changes };
    } catch (error) {
      output.flush();
      const message = error instanceof StackBusyError ? error.message : error instanceof Error ? error.message.split("\n").slice(0, 6).join("\n") : String(error);
      return { stack, kind, operation, status: "failed", seconds: (deps.now() - started) / 1000, error: message };
    }
  };

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

async function withLock<T>(stack: string, deps: DeployDeps, operation: () => Promise<T>): Promise<T> {
  const { locks, owner, sleep } = deps.locks!;
  const lock = await locks.acquireWaiting(`stack-${stack}`, owner, {
    now: deps.now,
    sleep,
    timeoutMs: 30 * 60 * 1000,
    onWait: (holder) => deps.writeOutput(`[${stack}] waiting: its config is being changed by ${describeOwner(holder)}\n`),
  });
  try {
    return await operation();
  } finally {
    lock.release();
  }
}

/** Runs `fn` over `items` with at most `limit` running at once; results keep the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
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
  const width = Math.max(5, ...results.map((r) => r.stack.length));
  const lines = results.map((r) => {
    const head = `${r.stack.padEnd(width)}  ${r.operation.padEnd(9)}  ${r.status.padEnd(7)}  ${`${r.seconds.toFixed(1)}s`.padStart(7)}`;
    if (r.status !== "ok") return `${head}  ${r.error ?? ""}`;
    const changes = Object.entries(r.changes ?? {})
      // "same" counts resources left alone: not a change.
      .filter(([op, n]) => n > 0 && op !== "same")
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([op, n]) => `${op} ${n}`)
      .join(", ");
    return `${head}  ${changes || "no changes"}`;
  });
  return [`${"stack".padEnd(width)}  operation  ${"status".padEnd(7)}  ${"elapsed".padStart(7)}  changes`, ...lines].join("\n");
}
