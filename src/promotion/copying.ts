import type { DescribeProjectVersionsCommandInput, RekognitionClient } from "@aws-sdk/client-rekognition";
import { checkExceptions, createWaiter, WaiterResult, WaiterState } from "@smithy/util-waiter";
import { parseProjectVersionArn } from "../arn";
import { ModelLifecycle, toDescription, VersionDescription, WaitTiming } from "./model";
import { rekognitionSdk } from "./sdk";

/**
 * Copying a model version into a copy environment's destination project (issue 14), with the consumer account's
 * credentials (its deploy role: the one principal the consumer guardrail lets copy). CopyProjectVersion is called by
 * the destination account and authorized by the source project's project policy; the copy is done when
 * DescribeProjectVersions shows COPYING_COMPLETED (Rekognition API Reference, CopyProjectVersion,
 * https://docs.aws.amazon.com/rekognition/latest/APIReference/API_CopyProjectVersion.html). A copy is a version of
 * the destination project: it is started, stopped and described like any other (./model's ModelLifecycle) and
 * deleted with DeleteProjectVersion, which Rekognition refuses while the version runs.
 */

/** Copying takes a while (the model's artifacts are copied): polls every 30-120 s, up to two hours by default. */
export const DEFAULT_COPY_TIMING: WaitTiming = { minDelaySeconds: 30, maxDelaySeconds: 120, maxWaitSeconds: 7200 };

export interface CopyRequest {
  readonly sourceProjectArn: string;
  readonly sourceVersionArn: string;
  readonly versionName: string;
  readonly outputBucket: string;
  readonly outputPrefix: string;
  readonly kmsKeyId?: string;
}

/** A version of the destination project as DescribeProjectVersions shows it (its source: SourceProjectVersionArn). */
export type FoundCopy = VersionDescription;

/** The statuses of a finished copy: it can be started (COPYING_COMPLETED), or already ran. */
const COPIED = new Set(["COPYING_COMPLETED", "STARTING", "RUNNING", "STOPPING", "STOPPED", "FAILED"]);

export function isCopied(status: string): boolean {
  return COPIED.has(status);
}

/**
 * The name a promotion gives its copy: the source version's name and the promotion's id, so the copy says where it
 * came from and a second copy of the same version (after one was deleted) does not collide with the first.
 */
export function copyVersionName(sourceVersionArn: string, promotionId: string): string {
  const parsed = parseProjectVersionArn(sourceVersionArn);
  const source = typeof parsed === "string" ? "copy" : parsed.versionName;
  const suffix = `-${promotionId.replace(/[^A-Za-z0-9]/g, "").slice(0, 8)}`;
  return `${source.slice(0, 255 - suffix.length)}${suffix}`;
}

/** Copies into one destination project (a version ARN does not carry its project's ARN, which DescribeProjectVersions needs). */
export class ModelCopier {
  constructor(
    private readonly client: RekognitionClient,
    readonly destinationProjectArn: string,
    private readonly timing: WaitTiming = DEFAULT_COPY_TIMING,
  ) {
    this.versions = new ModelLifecycle(client, destinationProjectArn);
  }

  /** Describing versions of the destination project is ./model's (one version per request). */
  private readonly versions: ModelLifecycle;

  /** Starts the copy; returns the copy's ARN (its status is COPYING_IN_PROGRESS). */
  async copy(request: CopyRequest): Promise<string> {
    const response = await this.client.send(
      new (rekognitionSdk().CopyProjectVersionCommand)({
        SourceProjectArn: request.sourceProjectArn,
        SourceProjectVersionArn: request.sourceVersionArn,
        DestinationProjectArn: this.destinationProjectArn,
        VersionName: request.versionName,
        OutputConfig: { S3Bucket: request.outputBucket, S3KeyPrefix: request.outputPrefix },
        ...(request.kmsKeyId !== undefined ? { KmsKeyId: request.kmsKeyId } : {}),
      }),
    );
    if (!response.ProjectVersionArn) throw new Error(`CopyProjectVersion of ${request.sourceVersionArn} into ${this.destinationProjectArn} returned no ProjectVersionArn`);
    return response.ProjectVersionArn;
  }

  /** The destination project's version called `versionName`, if there is one (a copy started by a run that died). */
  async findByName(versionName: string): Promise<FoundCopy | undefined> {
    const response = await this.client.send(new (rekognitionSdk().DescribeProjectVersionsCommand)({ ProjectArn: this.destinationProjectArn, VersionNames: [versionName] }));
    const found = (response.ProjectVersionDescriptions ?? []).find((d) => d.ProjectVersionArn !== undefined && parsedName(d.ProjectVersionArn) === versionName);
    return found ? toDescription(found) : undefined;
  }

  /** One version of the destination project, by ARN (as ./model describes any version). */
  describe(copyArn: string): Promise<FoundCopy | undefined> {
    return this.versions.describe(copyArn);
  }

  /**
   * Waits until the copy is done (COPYING_COMPLETED), showing each status seen, bounded by the timing's maxWaitSeconds
   * and ended by `signal`. COPYING_FAILED fails at once with Rekognition's StatusMessage.
   */
  async waitCopied(copyArn: string, onPoll: (status: string) => void, signal?: AbortSignal): Promise<void> {
    const t = this.timing;
    const acceptor = async (client: RekognitionClient, input: DescribeProjectVersionsCommandInput): Promise<WaiterResult> => {
      try {
        const response = await client.send(new (rekognitionSdk().DescribeProjectVersionsCommand)(input));
        const found = (response.ProjectVersionDescriptions ?? []).find((d) => d.ProjectVersionArn === copyArn);
        const status = found?.Status ?? "NOT_FOUND";
        onPoll(status);
        if (isCopied(status)) return { state: WaiterState.SUCCESS, reason: response };
        if (status === "COPYING_FAILED" || status === "NOT_FOUND") return { state: WaiterState.FAILURE, reason: response };
        return { state: WaiterState.RETRY, reason: response };
      } catch (error) {
        return { state: WaiterState.RETRY, reason: error };
      }
    };
    try {
      const result = await createWaiter(
        { client: this.client, minDelay: t.minDelaySeconds, maxDelay: t.maxDelaySeconds, maxWaitTime: t.maxWaitSeconds, ...(signal ? { abortSignal: signal } : {}) },
        this.versions.scopedRequest(copyArn),
        acceptor,
      );
      checkExceptions(result);
    } catch (error) {
      signal?.throwIfAborted();
      const now = await this.describe(copyArn).catch(() => undefined);
      const state = now ? `it is ${now.status}${now.statusMessage ? ` (${now.statusMessage})` : ""}` : "it can no longer be described";
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      throw new Error(timedOut ? `the copy ${copyArn} was not done within ${t.maxWaitSeconds}s; ${state}` : `the copy ${copyArn} failed: ${state}`, { cause: error });
    }
  }

  /** Deletes a copy (DeleteProjectVersion). Rekognition refuses a running or training version. */
  async delete(copyArn: string): Promise<void> {
    await this.client.send(new (rekognitionSdk().DeleteProjectVersionCommand)({ ProjectVersionArn: copyArn }));
  }
}

function parsedName(arn: string): string | undefined {
  const parsed = parseProjectVersionArn(arn);
  return typeof parsed === "string" ? undefined : parsed.versionName;
}
