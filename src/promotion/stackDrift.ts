import type { Progress } from "../cli/common";
import { mapBounded } from "./bounded";
import { linePrefixer, StackSelection } from "./deploy";
import { DriftedResource, StackWorkspace } from "./workspace";

/**
 * `modelshare drift`: for each selected stack a refresh-preview (what exists now against what the program declares,
 * changing nothing), then per resource what differs: someone edited a shared role's inline policy, an endpoint policy
 * or an SCP by hand. Stacks are previewed concurrently with a bound; each one's output goes to `writeOutput` with its
 * name in front. Note: a checkout ahead of what is deployed shows its own undeployed changes as differences too; run
 * it on the commit that was deployed.
 */

export interface StackDriftReport {
  readonly stack: string;
  readonly kind: "ml" | "consumer";
  /** clean: nothing differs; drifted: resources differ; failed: the preview could not run (error says why). */
  readonly status: "clean" | "drifted" | "failed";
  readonly resources: readonly DriftedResource[];
  readonly seconds: number;
  readonly error?: string;
}

export interface DriftReport {
  readonly stacks: readonly StackDriftReport[];
  readonly drifted: boolean;
  readonly failed: boolean;
}

export interface DriftDeps {
  readonly workspace: StackWorkspace;
  readonly now: () => number;
  readonly writeOutput: (text: string) => void;
  readonly progress: Progress;
}

export async function detectDrift(selection: StackSelection, concurrency: number, deps: DriftDeps): Promise<DriftReport> {
  const stacks = [...(selection.ml !== undefined ? [{ stack: selection.ml, kind: "ml" as const }] : []), ...selection.consumers.map((stack) => ({ stack, kind: "consumer" as const }))];
  const width = Math.max(0, ...stacks.map((s) => s.stack.length));
  const reports = await mapBounded(stacks, concurrency, async ({ stack, kind }): Promise<StackDriftReport> => {
    const started = deps.now();
    const output = linePrefixer(`[${stack.padEnd(width)}] `, deps.writeOutput);
    deps.progress.waiting(`pulumi preview --refresh of ${stack}`);
    try {
      const resources = await deps.workspace.refreshPreview(stack, output.write);
      output.flush();
      return { stack, kind, status: resources.length > 0 ? "drifted" : "clean", resources, seconds: (deps.now() - started) / 1000 };
    } catch (error) {
      output.flush();
      const message = error instanceof Error ? error.message.split("\n").slice(0, 6).join("\n") : String(error);
      return { stack, kind, status: "failed", resources: [], seconds: (deps.now() - started) / 1000, error: message };
    }
  });
  return { stacks: reports, drifted: reports.some((r) => r.status === "drifted"), failed: reports.some((r) => r.status === "failed") };
}

/** Per stack a line, then per drifted resource what an `up` would do and which properties differ. */
export function formatDrift(report: DriftReport): string {
  const lines: string[] = [];
  for (const stack of report.stacks) {
    if (stack.status === "clean") lines.push(`${stack.stack}: no drift (${stack.seconds.toFixed(1)}s)`);
    else if (stack.status === "failed") lines.push(`${stack.stack}: could not be checked: ${stack.error}`);
    else {
      lines.push(`${stack.stack}: DRIFTED, ${stack.resources.length} resource${stack.resources.length === 1 ? "" : "s"} differ from the program:`);
      for (const r of stack.resources) lines.push(`  ${r.op.padEnd(8)} ${r.type} ${r.name}${r.properties.length > 0 ? `: ${r.properties.join(", ")}` : ""}`);
    }
  }
  if (report.drifted) lines.push("", "`modelshare deploy --stacks STACK` puts a drifted stack back as the program declares it (after checking who changed it and why).");
  return lines.join("\n");
}
