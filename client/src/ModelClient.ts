import { performance } from "node:perf_hooks";
import { DetectCustomLabelsCommand, Image } from "@aws-sdk/client-rekognition";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { CallDeadline } from "./deadline";
import { CallTarget, mapDetectError, mayMeanVersionReplaced, ModelClientError } from "./errors";
import { classifyFailure, isSessionRejected } from "./failures";
import { ModelClientCounters, newCounters } from "./metrics";
import { FORCED_PARAMETER_READ_INTERVAL_MS, ModelClientOptions, resolveOptions, ResolvedOptions } from "./options";
import { ParameterCache } from "./parameters";
import { DetectedLabel, Detection, DetectOptions, ImageInput, toDetectedLabel, toRekognitionImage, validateDetectOptions } from "./request";
import { defined } from "./defined";
import { commonSdkConfig, observeAttempts } from "./sdkClients";
import { Session, Sessions } from "./sessions";
import { assertEnvironmentName, ModelSettings, ModelTarget, targetOf, validateModelTarget } from "./settings";

export type { ModelClientEvent, ModelClientCounters } from "./metrics";
export type { ClientFactories, ModelClientOptions, RetryOptions } from "./options";
export { validateDetectOptions, type BoundingBox, type DetectedLabel, type Detection, type DetectOptions, type ImageInput } from "./request";

function sameTarget(a: ModelSettings, b: ModelSettings): boolean {
  return (
    a.modelVersionArn === b.modelVersionArn &&
    a.sharedRoleArn === b.sharedRoleArn &&
    a.region === b.region &&
    a.useFipsEndpoint === b.useFipsEndpoint
  );
}

/** Where the target comes from: SSM parameters that can change (with refresh), or fixed values (without). */
interface TargetSource {
  current(signal?: AbortSignal): Promise<ModelSettings>;
  readonly refresh: ((signal?: AbortSignal) => Promise<ModelSettings | undefined>) | undefined;
  dispose(): void;
}

type AttemptResult =
  | { readonly ok: true; readonly detection: Detection }
  | { readonly ok: false; readonly error: unknown; readonly session: Session; readonly identity: AwsCredentialIdentity | undefined };

/**
 * Calls an environment's model version through its shared role, the way a consumer application should: the target
 * comes from the environment's SSM parameters, the role is assumed through regional STS, and the image is checked
 * locally before any call. In a copy environment (its parameters have no shared-role-arn) it calls the environment's
 * own copy with the application's own credentials instead, and refuses a target that is not in the parameters'
 * own account (docs/client.md, "How the client chooses"). Built for production load and faults:
 *   - parameters and credentials are served from cache and refreshed in the background ahead of expiry; only a call
 *     with nothing valid waits, and a failed lookup is not repeated before a backoff (failure caching);
 *   - every call has a deadline (timeoutMs, or detect's own) and honours the caller's AbortSignal;
 *   - throttled calls back off on their own (the SDK's standard retry mode) without slowing the others;
 *   - a refused call that fresh values may cure (a promotion's revoke, an expired or revoked session) re-reads the
 *     parameters or re-assumes the role, single-flight and rate-limited, and is retried once;
 *   - every failure is a ModelClientError whose hint names its cause; counters() and onEvent feed metrics.
 *
 * ```ts
 * const client = ModelClient.fromEnvironment("qa");
 * const labels = await client.detectLabels({ path: "part.jpg" }, { minConfidence: 80 });
 * ```
 */
export class ModelClient {
  private readonly sessions: Sessions;
  private readonly stats: ModelClientCounters;

  private constructor(
    private readonly source: TargetSource,
    /** The environment whose parameters name the target; undefined for fromExplicit. */
    readonly environment: string | undefined,
    private readonly options: ResolvedOptions,
    stats: ModelClientCounters,
  ) {
    this.stats = stats;
    this.sessions = new Sessions(options, stats);
  }

  /**
   * A client that reads `/modelshare/<env>/model-version-arn`, `/shared-role-arn` (absent in a copy environment),
   * `/region` and, when present, `/use-fips-endpoint` (lazily, on first use).
   */
  static fromEnvironment(environment: string, options: ModelClientOptions = {}): ModelClient {
    assertEnvironmentName(environment);
    const resolved = resolveOptions(options, `modelshare-${environment}`);
    const stats = newCounters();
    const ssm = resolved.factories.ssm({
      ...commonSdkConfig(resolved.retry, resolved.connectTimeoutMs),
      ...defined({ region: resolved.region, endpoint: resolved.endpoints.ssm, credentials: resolved.baseCredentials }),
    });
    observeAttempts(ssm, "ssm", stats.ssm, resolved.onEvent);
    const policy = {
      fetchTimeoutMs: resolved.lookupTimeoutMs,
      failureBackoffMs: resolved.failureCacheMs,
      failureBackoffMaxMs: resolved.failureCacheMaxMs,
      minForcedIntervalMs: FORCED_PARAMETER_READ_INTERVAL_MS,
      now: resolved.now,
    };
    const cache = new ParameterCache(ssm, environment, resolved.parameterTtlMs, policy, stats.parameters, resolved.onEvent);
    const source: TargetSource = {
      current: (signal) => cache.current(signal),
      refresh: (signal) => cache.refresh(signal),
      dispose: () => {
        cache.dispose();
        ssm.destroy();
      },
    };
    return new ModelClient(source, environment, resolved, stats);
  }

  /**
   * A client for fixed values (no SSM, so no promotion following). Without sharedRoleArn it calls the version with
   * the application's own credentials (copy mode). Throws ConfigError if a value is invalid, NotCopiedYetError for
   * the NOT_COPIED_YET placeholder.
   */
  static fromExplicit(target: ModelTarget, options: ModelClientOptions = {}): ModelClient {
    const fips = target.useFipsEndpoint;
    const settings = validateModelTarget(
      defined({ ...target, useFipsEndpoint: fips === undefined ? undefined : typeof fips === "boolean" ? String(fips) : (fips as unknown as string) }),
      (key) => key,
      "ModelClient.fromExplicit",
    );
    const resolved = resolveOptions(options, "modelshare-client");
    return new ModelClient({ current: async () => settings, refresh: undefined, dispose: () => {} }, undefined, resolved, newCounters());
  }

  /** The target calls go to now (reads the parameters on first use). */
  async currentTarget(): Promise<ModelTarget> {
    return targetOf(await this.source.current());
  }

  /** A snapshot of the client's counters (calls, cache hits, lookups, retries, throttles, timeouts): for metrics. */
  counters(): ModelClientCounters {
    return structuredClone(this.stats);
  }

  /** Labels of one image, highest confidence first. */
  async detectLabels(image: ImageInput, options: DetectOptions = {}): Promise<DetectedLabel[]> {
    return (await this.detect(image, options)).labels;
  }

  /** Like detectLabels, and says which target answered. */
  async detect(image: ImageInput, options: DetectOptions = {}): Promise<Detection> {
    validateDetectOptions(options);
    const rekognitionImage = await toRekognitionImage(image);
    const { calls } = this.stats;
    const started = performance.now();
    calls.started++;
    const deadline = new CallDeadline(options.timeoutMs ?? this.options.timeoutMs, options.signal);
    try {
      const detection = await this.detectWithin(deadline, rekognitionImage, options);
      calls.succeeded++;
      this.options.onEvent({ type: "call-finished", ok: true, durationMs: performance.now() - started });
      return detection;
    } catch (error) {
      const failure = deadline.abortError(error) ?? error;
      calls.failed++;
      const kind = failure instanceof ModelClientError ? failure.kind : undefined;
      if (kind === "timeout") calls.timedOut++;
      if (kind === "aborted") calls.aborted++;
      const errorName = failure instanceof Error ? failure.name : typeof failure;
      this.options.onEvent({ type: "call-finished", ok: false, durationMs: performance.now() - started, error: errorName, ...defined({ kind }) });
      throw failure;
    } finally {
      deadline.dispose();
    }
  }

  /** Stops background lookups and closes the SDK clients' connections. */
  destroy(): void {
    this.sessions.destroy();
    this.source.dispose();
  }

  private callTarget(settings: ModelSettings): CallTarget {
    return { environment: this.environment, ...targetOf(settings) };
  }

  private async detectWithin(deadline: CallDeadline, image: Image, options: DetectOptions): Promise<Detection> {
    deadline.phase = "parameters";
    const settings = await this.source.current(deadline.signal);
    const first = await this.attempt(deadline, settings, image, options);
    if (first.ok) return first.detection;
    const retryWith = await this.recover(deadline, settings, first);
    if (!retryWith) throw mapDetectError(first.error, this.callTarget(settings));
    const second = await this.attempt(deadline, retryWith, image, options);
    if (second.ok) return second.detection;
    throw mapDetectError(second.error, this.callTarget(retryWith));
  }

  /** One DetectCustomLabels (the SDK retries it within); a refusal is returned for recover() to judge. */
  private async attempt(deadline: CallDeadline, settings: ModelSettings, image: Image, options: DetectOptions): Promise<AttemptResult> {
    deadline.phase = "credentials";
    const session = await this.sessions.get(settings);
    // Copy mode has no shared-role session to wait for: the SDK resolves the application's own credentials.
    const identity = session.credentials ? await session.credentials.get(deadline.signal) : undefined;
    deadline.phase = "rekognition";
    try {
      const sent = session.rekognition.send(
        new DetectCustomLabelsCommand({
          ProjectVersionArn: settings.modelVersionArn,
          Image: image,
          MinConfidence: options.minConfidence,
          MaxResults: options.maxResults,
        }),
        { abortSignal: deadline.signal },
      );
      const response = await deadline.race(sent);
      return { ok: true, detection: { labels: (response.CustomLabels ?? []).map(toDetectedLabel), target: targetOf(settings) } };
    } catch (error) {
      if (deadline.signal.aborted) throw error;
      return { ok: false, error, session, identity };
    }
  }

  /**
   * After a refused call: the target to retry once with, or undefined when nothing fresh may cure the refusal.
   *   - An expired or unknown session (and AccessDenied, which a revoke of the role's sessions causes): the session
   *     is dropped and the role assumed again (single-flight, at most once per 5 s per client). Share mode only: in
   *     copy mode the application's own credentials belong to the SDK's provider chain, which renews them itself.
   *   - AccessDenied, ResourceNotReady, ResourceNotFound (what a promotion's revoke, stop or delete cause): the
   *     parameters are re-read at once (single-flight, at most once a second per client).
   */
  private async recover(deadline: CallDeadline, settings: ModelSettings, refused: Extract<AttemptResult, { ok: false }>): Promise<ModelSettings | undefined> {
    const { error, session, identity } = refused;
    const failure = classifyFailure(error);
    const errorName = error instanceof Error ? error.name : String(error);
    let newSession = false;
    if (session.credentials && identity && (isSessionRejected(failure.kind) || failure.kind === "denied")) {
      const outcome = session.credentials.invalidate(identity);
      if (outcome === "dropped") {
        this.stats.credentials.dropped++;
        this.options.onEvent({ type: "credentials-dropped", roleArn: settings.sharedRoleArn ?? "", after: errorName });
      }
      newSession = outcome !== "kept";
    }
    let fresh = settings;
    if (this.source.refresh && mayMeanVersionReplaced(error)) {
      deadline.phase = "parameters";
      try {
        fresh = (await this.source.refresh(deadline.signal)) ?? settings;
      } catch (refreshError) {
        // The refused call is the news; a failed re-read only means no replacement could be looked for.
        if (deadline.signal.aborted) throw refreshError;
      }
    }
    if (!sameTarget(fresh, settings)) {
      this.stats.calls.retriedWithNewTarget++;
      this.options.onEvent({ type: "retrying-with-new-target", after: errorName, from: targetOf(settings), to: targetOf(fresh) });
      return fresh;
    }
    if (newSession) {
      this.stats.calls.retriedWithNewSession++;
      return settings;
    }
    return undefined;
  }
}
