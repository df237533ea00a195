import { ConcurrentUpdateError, EngineEvent, LocalWorkspace, OutputMap, PulumiCommand, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import type { AutomationConfigValue } from "../config/raw";
import { changesFromSteps, StepMetadata } from "./changes";
import { DriftedResource, OperationOptions, PreviewOptions, PulumiNotFoundError, StackBusyError, StackChanges, StackNotDeployedError, StackPreview, StackWorkspace } from "./workspace";

/**
 * The one Automation API adapter: a LocalWorkspace over the project directory, so the stacks run the project's
 * own program with its own Pulumi.<stack>.yaml files, and config edits land in those files. The pulumi CLI is
 * the one on PATH (PulumiCommand.get); it is never installed from here. No decisions are taken in this module.
 */
export class PulumiWorkspace implements StackWorkspace {
  private readonly stacks = new Map<string, Promise<Stack>>();

  private constructor(
    private readonly workDir: string,
    private readonly pulumiCommand: PulumiCommand,
    private readonly createMissingStacks: boolean,
  ) {}

  /**
   * Finds the pulumi CLI on PATH; fails with PulumiNotFoundError naming what is missing. Only `deploy` creates
   * missing stacks: promotion, rollback and status must find the deployed ones, or, logged in to the wrong
   * backend, they would read (and update) a new, empty stack.
   */
  static async create(workDir: string, options: { createMissingStacks?: boolean } = {}): Promise<PulumiWorkspace> {
    let command: PulumiCommand;
    try {
      command = await PulumiCommand.get();
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      throw new PulumiNotFoundError(/ENOENT/.test(text) ? `\`pulumi version\` could not be run; PATH=${process.env.PATH ?? ""}` : text.split("\n").slice(0, 3).join(" "));
    }
    return new PulumiWorkspace(workDir, command, options.createMissingStacks ?? false);
  }

  private stack(stackName: string): Promise<Stack> {
    let stack = this.stacks.get(stackName);
    if (!stack) {
      const args = { stackName, workDir: this.workDir };
      const options = { workDir: this.workDir, pulumiCommand: this.pulumiCommand };
      stack = this.createMissingStacks
        ? LocalWorkspace.createOrSelectStack(args, options)
        : LocalWorkspace.selectStack(args, options).catch((error: unknown) => {
            if (error instanceof StackNotFoundError) throw new StackNotDeployedError(stackName);
            throw error;
          });
      this.stacks.set(stackName, stack);
      // A failed select (backend unreachable, login expired, ...) must not be remembered: the next operation on the
      // stack, e.g. the undo that puts an environment back on its old version, selects it again.
      const selecting = stack;
      selecting.catch(() => {
        if (this.stacks.get(stackName) === selecting) this.stacks.delete(stackName);
      });
    }
    return stack;
  }

  async getAllConfig(stack: string): Promise<Record<string, AutomationConfigValue>> {
    // Pulumi Docs, "pulumi config": --show-secrets also opens the environments the stack imports (--open defaults to true).
    return mapStackErrors(stack, async () => (await this.stack(stack)).getAllConfig());
  }

  async setConfig(stack: string, key: string, value: string, options: { path: boolean }): Promise<void> {
    await mapStackErrors(stack, async () => (await this.stack(stack)).setConfig(key, { value, secret: false }, options.path));
  }

  async setConfigs(stack: string, values: Readonly<Record<string, string>>, options: { path: boolean }): Promise<void> {
    const config = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value, secret: false }]));
    await mapStackErrors(stack, async () => (await this.stack(stack)).setAllConfig(config, options.path));
  }

  async removeConfig(stack: string, key: string, options: { path: boolean }): Promise<void> {
    await mapStackErrors(stack, async () => (await this.stack(stack)).removeConfig(key, options.path));
  }

  async up(stack: string, onOutput?: (chunk: string) => void, options: OperationOptions = {}): Promise<StackChanges> {
    const result = await mapStackErrors(stack, async () => (await this.stack(stack)).up({ onOutput, color: "never", ...(options.signal ? { signal: options.signal } : {}) }));
    return result.summary.resourceChanges ?? {};
  }

  /** Pulumi's counts, and per resource what would change, from the engine's step events (resourcePreEvent). */
  async preview(stack: string, options: PreviewOptions = {}): Promise<StackPreview> {
    const steps: StepMetadata[] = [];
    const onEvent = (event: EngineEvent) => {
      const metadata = event.resourcePreEvent?.metadata;
      if (metadata) steps.push(metadata);
    };
    const result = await mapStackErrors(stack, async () =>
      (await this.stack(stack)).preview({
        color: "never",
        onEvent,
        ...(options.onOutput ? { onOutput: options.onOutput } : {}),
        ...(options.configFile ? { configFile: options.configFile } : {}),
      }),
    );
    return { counts: result.changeSummary, changes: changesFromSteps(steps) };
  }

  /**
   * `preview --refresh` "runs preview against what is in the cloud provider, and does not modify the state"
   * (pulumi/pulumi#12740, which added `refresh` to the Node.js Automation API's PreviewOptions): every step event
   * that is not `same` (or the refresh and read steps themselves) is a resource that differs from the program.
   */
  async refreshPreview(stack: string, onOutput?: (chunk: string) => void): Promise<readonly DriftedResource[]> {
    const drifted: DriftedResource[] = [];
    const onEvent = (event: EngineEvent) => {
      const step = event.resourcePreEvent?.metadata;
      const entry = step ? driftedResource(step) : undefined;
      if (entry) drifted.push(entry);
    };
    await mapStackErrors(stack, async () => (await this.stack(stack)).preview({ refresh: true, onOutput, onEvent, color: "never" }));
    return drifted;
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    const outputs: OutputMap = await mapStackErrors(stack, async () => {
      const selected = await this.stack(stack);
      const read = await selected.outputs();
      // A stack that `deploy` created but never updated has no outputs and no history: to every reader it is not
      // deployed yet (found by the engine lane: the first `modelshare deploy` on a fresh backend refused to run).
      if (Object.keys(read).length === 0 && (await selected.history(1)).length === 0) throw new StackNotDeployedError(stack, "created, never updated");
      return read;
    });
    return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
  }
}

/** Steps that are not changes: the refresh itself, reads of data sources and external resources, and `same`. */
const NO_CHANGE = new Set(["same", "read", "refresh", "read-replacement", "discard"]);

/** A step of a refresh-preview as a drifted resource, or undefined when it changes nothing (or is Pulumi's own stack). */
export function driftedResource(step: { op: string; urn: string; type: string; diffs?: string[]; detailedDiff?: Record<string, unknown>; keys?: string[] }): DriftedResource | undefined {
  if (NO_CHANGE.has(step.op) || step.type === "pulumi:pulumi:Stack") return undefined;
  const properties = [...new Set([...(step.diffs ?? []), ...Object.keys(step.detailedDiff ?? {}), ...(step.keys ?? [])])].sort();
  return { urn: step.urn, type: step.type, name: step.urn.slice(step.urn.lastIndexOf("::") + 2), op: step.op, properties };
}

/** Pulumi's stack-lock conflict becomes StackBusyError, which promotion reports like a refused concurrent promotion. */
export async function mapStackErrors<T>(stack: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ConcurrentUpdateError) throw new StackBusyError(stack, firstLine(error.message));
    throw error;
  }
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => /locked|Conflict/.test(line))?.trim() ?? "";
}
