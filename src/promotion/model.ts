import type { DescribeProjectVersionsCommandInput, RekognitionClient } from "@aws-sdk/client-rekognition";
import { checkExceptions, createWaiter, WaiterResult, WaiterState } from "@smithy/util-waiter";
import { parseProjectVersionArn } from "../arn";
import { rekognitionSdk } from "./sdk";
import { InferenceUnits } from "./types";

/**
 * A model version's lifecycle in the ML account: describe, start, stop and wait, through
 * @aws-sdk/client-rekognition. Every DescribeProjectVersions names the one version it is about: the SDK's running
 * waiter succeeds only when EVERY version it gets back is RUNNING, so an unscoped call would wait for all of them.
 */

export interface VersionDescription {
  readonly arn: string;
  readonly status: string;
  readonly statusMessage?: string;
  readonly minInferenceUnits?: number;
  readonly maxInferenceUnits?: number;
  /** A copy: the version it was copied from (DescribeProjectVersions' SourceProjectVersionArn). */
  readonly sourceVersionArn?: string;
}

export type { InferenceUnits };

/** Polling of a waiter, in seconds (the SDK's defaults for Rekognition are 30 s to 120 s between polls). */
export interface WaitTiming {
  readonly minDelaySeconds: number;
  readonly maxDelaySeconds: number;
  readonly maxWaitSeconds: number;
}

/** Starting a model takes minutes; an hour is a generous ceiling before the step gives up. */
export const DEFAULT_START_TIMING: WaitTiming = { minDelaySeconds: 30, maxDelaySeconds: 120, maxWaitSeconds: 3600 };
export const DEFAULT_STOP_TIMING: WaitTiming = { minDelaySeconds: 30, maxDelaySeconds: 120, maxWaitSeconds: 1800 };

/** What to do to get a version RUNNING, from its current status. */
export type StartAction = "none" | "wait" | "start" | "wait-stopped-then-start" | { readonly refuse: string };

export function startActionFor(status: string): StartAction {
  switch (status) {
    case "RUNNING":
      return "none";
    case "STARTING":
      return "wait";
    case "STOPPING":
      return "wait-stopped-then-start";
    case "TRAINING_COMPLETED":
    case "STOPPED":
    case "COPYING_COMPLETED":
    // A start that failed can be retried; Rekognition reports the cause in StatusMessage.
    case "FAILED":
      return "start";
    case "TRAINING_IN_PROGRESS":
    case "COPYING_IN_PROGRESS":
      return { refuse: `is ${status}; promote it once it is trained` };
    default:
      return { refuse: `is ${status}; only a trained version (TRAINING_COMPLETED, STOPPED) can be started` };
  }
}

/**
 * What to do to get a version STOPPED, from its current status. A STARTING version is someone's start in
 * progress: stopping it is refused unless forced (`model stop --force`); promotion leaves it alone.
 */
export function stopActionFor(status: string): "none" | "stop" | "wait" | "starting" {
  if (status === "RUNNING") return "stop";
  if (status === "STARTING") return "starting";
  if (status === "STOPPING") return "wait";
  return "none";
}

/** The units a description shows, when it shows them (only for a version that runs). */
export function unitsOf(description: VersionDescription | undefined): InferenceUnits | undefined {
  if (description?.minInferenceUnits === undefined) return undefined;
  return { min: description.minInferenceUnits, ...(description.maxInferenceUnits !== undefined ? { max: description.maxInferenceUnits } : {}) };
}

export class VersionNotFoundError extends Error {
  constructor(versionArn: string, projectArn: string) {
    super(`model version ${versionArn} was not found in project ${projectArn}`);
    this.name = "VersionNotFoundError";
  }
}

export class ModelLifecycle {
  constructor(
    private readonly client: RekognitionClient,
    readonly projectArn: string,
    private readonly timing: { readonly start: WaitTiming; readonly stop: WaitTiming } = { start: DEFAULT_START_TIMING, stop: DEFAULT_STOP_TIMING },
    /** SIGINT/SIGTERM (../cli/interrupt): a wait for RUNNING or STOPPED ends at once, at its next poll at the latest. */
    private readonly signal?: AbortSignal,
  ) {}

  /** The request that names exactly one version of the project. */
  scopedRequest(versionArn: string): DescribeProjectVersionsCommandInput {
    const parsed = parseProjectVersionArn(versionArn);
    if (typeof parsed === "string") throw new Error(`model version ARN ${versionArn} ${parsed}`);
    return { ProjectArn: this.projectArn, VersionNames: [parsed.versionName] };
  }

  async describe(versionArn: string): Promise<VersionDescription | undefined> {
    const response = await this.client.send(new (rekognitionSdk().DescribeProjectVersionsCommand)(this.scopedRequest(versionArn)));
    const found = (response.ProjectVersionDescriptions ?? []).find((d) => d.ProjectVersionArn === versionArn);
    return found ? toDescription(found) : undefined;
  }

  async require(versionArn: string): Promise<VersionDescription> {
    const description = await this.describe(versionArn);
    if (!description) throw new VersionNotFoundError(versionArn, this.projectArn);
    return description;
  }

  /**
   * Starts a version, or joins a start already under way: when another run started it between our describe and our
   * StartProjectVersion, Rekognition refuses the second start (ResourceInUseException) and we wait for RUNNING instead
   * of failing. Returns what happened.
   */
  async startOrJoin(versionArn: string, units: InferenceUnits): Promise<"started" | "joined"> {
    try {
      await this.start(versionArn, units);
      return "started";
    } catch (error) {
      if ((error as Error).name !== "ResourceInUseException") throw error;
      const now = await this.describe(versionArn);
      if (now && (now.status === "STARTING" || now.status === "RUNNING")) return "joined";
      throw error;
    }
  }

  /** Every version of the project (for `status`, which looks for running versions nobody uses). */
  async describeAll(): Promise<VersionDescription[]> {
    const all: VersionDescription[] = [];
    let nextToken: string | undefined;
    do {
      const response = await this.client.send(new (rekognitionSdk().DescribeProjectVersionsCommand)({ ProjectArn: this.projectArn, NextToken: nextToken }));
      for (const d of response.ProjectVersionDescriptions ?? []) all.push(toDescription(d));
      nextToken = response.NextToken;
    } while (nextToken);
    return all;
  }

  async start(versionArn: string, units: InferenceUnits): Promise<void> {
    await this.client.send(
      new (rekognitionSdk().StartProjectVersionCommand)({
        ProjectVersionArn: versionArn,
        MinInferenceUnits: units.min,
        ...(units.max !== undefined ? { MaxInferenceUnits: units.max } : {}),
      }),
    );
  }

  async stop(versionArn: string): Promise<void> {
    await this.client.send(new (rekognitionSdk().StopProjectVersionCommand)({ ProjectVersionArn: versionArn }));
  }

  async waitRunning(versionArn: string): Promise<void> {
    const t = this.timing.start;
    try {
      await rekognitionSdk().waitUntilProjectVersionRunning(
        { client: this.client, minDelay: t.minDelaySeconds, maxDelay: t.maxDelaySeconds, maxWaitTime: t.maxWaitSeconds, ...(this.signal ? { abortSignal: this.signal } : {}) },
        this.scopedRequest(versionArn),
      );
    } catch (error) {
      throw await this.waitFailure(versionArn, "RUNNING", t, error);
    }
  }

  /** There is no "stopped" waiter in the SDK: this one follows the same pattern, scoped to one version. */
  async waitStopped(versionArn: string): Promise<void> {
    const t = this.timing.stop;
    try {
      const result = await createWaiter(
        { client: this.client, minDelay: t.minDelaySeconds, maxDelay: t.maxDelaySeconds, maxWaitTime: t.maxWaitSeconds, ...(this.signal ? { abortSignal: this.signal } : {}) },
        this.scopedRequest(versionArn),
        checkStopped,
      );
      checkExceptions(result);
    } catch (error) {
      throw await this.waitFailure(versionArn, "STOPPED", t, error);
    }
  }

  private async waitFailure(versionArn: string, wanted: string, timing: WaitTiming, cause: unknown): Promise<Error> {
    // Interrupted: the run's own InterruptedError, so the engine stops at this safe point (nothing was changed by a wait).
    if (this.signal?.aborted) return this.signal.reason instanceof Error ? this.signal.reason : new Error(String(this.signal.reason));
    const now = await this.describe(versionArn).catch(() => undefined);
    const timedOut = cause instanceof Error && cause.name === "TimeoutError";
    const state = now ? `it is ${now.status}${now.statusMessage ? ` (${now.statusMessage})` : ""}` : "it can no longer be described";
    return new Error(
      timedOut
        ? `model version ${versionArn} did not become ${wanted} within ${timing.maxWaitSeconds}s; ${state}`
        : `model version ${versionArn} cannot become ${wanted}: ${state}`,
      { cause },
    );
  }
}

async function checkStopped(client: RekognitionClient, input: DescribeProjectVersionsCommandInput): Promise<WaiterResult> {
  let reason: unknown;
  try {
    const result = await client.send(new (rekognitionSdk().DescribeProjectVersionsCommand)(input));
    reason = result;
    const statuses = (result.ProjectVersionDescriptions ?? []).map((d) => d.Status);
    if (statuses.length > 0 && statuses.every((s) => s === "STOPPED")) return { state: WaiterState.SUCCESS, reason };
    if (statuses.some((s) => s === "FAILED")) return { state: WaiterState.FAILURE, reason };
  } catch (error) {
    reason = error;
  }
  return { state: WaiterState.RETRY, reason };
}

export function toDescription(d: { ProjectVersionArn?: string; Status?: string; StatusMessage?: string; MinInferenceUnits?: number; MaxInferenceUnits?: number; SourceProjectVersionArn?: string }): VersionDescription {
  return {
    arn: d.ProjectVersionArn ?? "",
    status: d.Status ?? "UNKNOWN",
    ...(d.StatusMessage ? { statusMessage: d.StatusMessage } : {}),
    ...(d.MinInferenceUnits !== undefined ? { minInferenceUnits: d.MinInferenceUnits } : {}),
    ...(d.MaxInferenceUnits !== undefined ? { maxInferenceUnits: d.MaxInferenceUnits } : {}),
    ...(d.SourceProjectVersionArn ? { sourceVersionArn: d.SourceProjectVersionArn } : {}),
  };
}
