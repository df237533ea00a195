import type { AutomationConfigValue } from "../config/raw";

/**
 * What promotion and deploy need from Pulumi, as an interface: the Automation API adapter (./pulumiWorkspace)
 * implements it over LocalWorkspace, the tests and the benchmark with a fake. Config keys are full Pulumi keys
 * (`modelshare:consumers.qa.grantedVersions[1]`); `path: true` means Pulumi's `--path` semantics, where an index
 * equal to the list's length appends and removing an index shifts the rest down.
 */

import type { ResourceChange } from "./changes";

/** Resource changes of one update or preview, as Pulumi counts them (create, update, delete, same, ...). */
export type StackChanges = Readonly<Record<string, number>>;

/** What a preview found: Pulumi's counts and one entry per resource that would change. */
export interface StackPreview {
  readonly counts: StackChanges;
  readonly changes: readonly ResourceChange[];
}

export interface PreviewOptions {
  readonly onOutput?: (chunk: string) => void;
  /**
   * Preview with this config file instead of the stack's Pulumi.<stack>.yaml (`pulumi preview --config-file`): what an
   * update WOULD do with edits not yet made, e.g. the grant and switch a promotion is about to write.
   */
  readonly configFile?: string;
}

/**
 * One resource whose actual state differs from what the program declares: the operation an `up` would make to put it
 * back (update, replace, create when it was deleted outside Pulumi, delete when it was added to the state...) and the
 * properties that differ.
 */
export interface DriftedResource {
  readonly urn: string;
  readonly type: string;
  /** The resource's logical name (the last part of its URN). */
  readonly name: string;
  readonly op: string;
  readonly properties: readonly string[];
}

export interface OperationOptions {
  readonly signal?: AbortSignal;
}

export interface StackWorkspace {
  /**
   * The stack's config as `pulumi up` sees it (Automation API Stack.getAllConfig: `pulumi config --show-secrets
   * --json`, which decrypts secrets and opens the stack's ESC environments): full key -> { value, secret }.
   */
  getAllConfig(stack: string): Promise<Record<string, AutomationConfigValue>>;
  setConfig(stack: string, key: string, value: string, options: { path: boolean }): Promise<void>;
  removeConfig(stack: string, key: string, options: { path: boolean }): Promise<void>;
  /**
   * Sets several keys in one write of the stack file (`pulumi config set-all`): an object written key by key (a copy's
   * `{ source, copy }`) would be left half-written, and refused by the schema, by a crash between two `config set`.
   */
  setConfigs(stack: string, values: Readonly<Record<string, string>>, options: { path: boolean }): Promise<void>;
  /** `signal` cancels the update (the Automation API sends the pulumi CLI SIGINT, a graceful cancel). */
  up(stack: string, onOutput?: (chunk: string) => void, options?: OperationOptions): Promise<StackChanges>;
  preview(stack: string, options?: PreviewOptions): Promise<StackPreview>;
  /** The stack's outputs, plain values. */
  outputs(stack: string): Promise<Record<string, unknown>>;
  /**
   * A preview after a refresh (`pulumi preview --refresh`): what differs between the program and what exists now, per
   * resource. Changes nothing: the refresh's results are not written to the state.
   */
  refreshPreview(stack: string, onOutput?: (chunk: string) => void): Promise<readonly DriftedResource[]>;
}

/**
 * Another update holds the stack (Pulumi's stack lock: ConcurrentUpdateError in the Automation API). Reported
 * with the same words as a refused concurrent promotion: to the user both mean "someone else is changing this".
 */
export class StackBusyError extends Error {
  constructor(
    readonly stack: string,
    detail: string,
  ) {
    super(`stack "${stack}" is being updated by another process (Pulumi's stack lock): another promotion or deploy is in progress; wait for it to finish, or run \`pulumi cancel --stack ${stack}\` if it crashed. ${detail}`.trim());
    this.name = "StackBusyError";
  }
}

/** The stack does not exist in the backend: it was never deployed (or pulumi is logged in to another backend). */
export class StackNotDeployedError extends Error {
  constructor(
    readonly stack: string,
    detail = "",
  ) {
    super(
      `stack ${stack} does not exist in the backend pulumi is logged in to: deploy it first (modelshare deploy --stacks ${stack}), or check \`pulumi whoami\` and \`pulumi login\`${detail ? ` (${detail})` : ""}`,
    );
    this.name = "StackNotDeployedError";
  }
}

/** No usable pulumi CLI: modelshare never downloads one. */
export class PulumiNotFoundError extends Error {
  constructor(reason: string) {
    super(
      `the pulumi CLI was not found on PATH (${reason}). Install it (https://www.pulumi.com/docs/iac/download-install/) ` +
        "and put its directory on PATH; modelshare uses the installed CLI and never downloads one.",
    );
    this.name = "PulumiNotFoundError";
  }
}

/** Appends `value` to the list at `listKey` unless it is there: one `config set --path key[n]`, so a crash leaves the list whole. */
export async function addToConfigList(workspace: StackWorkspace, stack: string, listKey: string, current: readonly string[], value: string): Promise<boolean> {
  if (current.includes(value)) return false;
  await workspace.setConfig(stack, `${listKey}[${current.length}]`, value, { path: true });
  return true;
}

/** Removes every occurrence of `value` from the list at `listKey`, from the end so earlier indices stay valid. */
export async function removeFromConfigList(workspace: StackWorkspace, stack: string, listKey: string, current: readonly string[], value: string): Promise<boolean> {
  const indices = current.flatMap((v, i) => (v === value ? [i] : [])).reverse();
  for (const index of indices) await workspace.removeConfig(stack, `${listKey}[${index}]`, { path: true });
  return indices.length > 0;
}
