import { readFile } from "node:fs/promises";
import {
  CustomLabel,
  DetectCustomLabelsCommand,
  Image,
  RekognitionClient,
  RekognitionClientConfig,
} from "@aws-sdk/client-rekognition";
import { SSMClient, SSMClientConfig } from "@aws-sdk/client-ssm";
import { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { sharedRoleCredentials } from "./credentials";
import {
  CallTarget,
  ImageReadError,
  ImageValidationError,
  InvalidArgumentError,
  mapDetectError,
  mayMeanVersionReplaced,
} from "./errors";
import { findS3LocationProblems, S3ImageLocation, validateImageBytes } from "./image";
import {
  assertEnvironmentName,
  ModelSettings,
  ModelTarget,
  normalizeEndpoint,
  ParameterCache,
  ParameterEvent,
  regionalStsEndpoint,
  validateModelTarget,
} from "./settings";

/** An image to label: bytes (a Buffer is a Uint8Array), a local file, or an object Rekognition reads from S3. */
export type ImageInput =
  | Uint8Array
  | { readonly bytes: Uint8Array }
  | { readonly path: string }
  | { readonly s3: S3ImageLocation };

export interface DetectOptions {
  /** Only labels at or above this confidence, 0-100. Default: each label's assumed threshold from training. */
  readonly minConfidence?: number;
  /** At most this many labels, highest confidence first. Default: all. */
  readonly maxResults?: number;
}

/** Position of a label as ratios (0-1) of the image's width and height, from its top-left corner. */
export interface BoundingBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface DetectedLabel {
  readonly name: string;
  /** Percent, 0-100. */
  readonly confidence: number;
  /** Present for object-location (detection) models, absent for classification models. */
  readonly geometry?: {
    readonly boundingBox?: BoundingBox;
    readonly polygon?: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  };
}

/** Labels and which target answered them (after a promotion, not necessarily the one first read). */
export interface Detection {
  readonly labels: DetectedLabel[];
  readonly target: ModelTarget;
}

/** What the client does behind the scenes, for an application's logs and the CLI's progress lines. */
export type ModelClientEvent =
  | ParameterEvent
  | { readonly type: "credentials-assumed"; readonly roleArn: string; readonly expiration: Date | undefined }
  | {
      readonly type: "retrying-with-new-target";
      /** Error name of the refused call, e.g. AccessDeniedException. */
      readonly after: string;
      readonly from: ModelTarget;
      readonly to: ModelTarget;
    };

/** Builds SDK clients; tests and applications can wrap or replace them (e.g. to add middleware). */
export interface ClientFactories {
  readonly ssm?: (config: SSMClientConfig) => SSMClient;
  readonly sts?: (config: STSClientConfig) => STSClient;
  readonly rekognition?: (config: RekognitionClientConfig) => RekognitionClient;
}

export interface ModelClientOptions {
  /**
   * The application's own credentials: they read the SSM parameters and call sts:AssumeRole on the shared role.
   * @default the SDK's default provider chain (environment, SSO, ECS/EKS/EC2 roles, ...)
   */
  readonly baseCredentials?: AwsCredentialIdentityProvider;
  /** Session name of the shared-role session, seen in the ML account's CloudTrail. @default "modelshare-<env>" */
  readonly roleSessionName?: string;
  /** sts:ExternalId, when the shared role's trust policy requires one (it is not a secret). */
  readonly externalId?: string;
  /** Shared-role session length; role chaining caps it at 3600. @default 3600 */
  readonly sessionDurationSeconds?: number;
  /**
   * Shared-role credentials with less than this left are refreshed before use. At most 300000: the SDK client caches
   * credentials itself until 5 minutes before expiry, so a longer window would not take effect.
   * @default 300000 (5 min)
   */
  readonly credentialRefreshWindowMs?: number;
  /** How long the SSM parameters are trusted before being re-read (fromEnvironment only). @default 60000 */
  readonly parameterTtlMs?: number;
  /**
   * VPC endpoint DNS names (or https URLs), for VPCs without private DNS on their interface endpoints. The STS one
   * must be regional; the global sts.amazonaws.com is refused.
   * @default regional public names (https://sts.REGION.amazonaws.com; the SDK's defaults for Rekognition and SSM)
   */
  readonly endpoints?: { readonly sts?: string; readonly rekognition?: string; readonly ssm?: string };
  /** Region of the SSM parameters (the application's account and region). @default the SDK's default region chain */
  readonly region?: string;
  /** Attempts per SDK call, throttling included (retries are the SDK's). @default 5 */
  readonly maxAttempts?: number;
  /** The SDK's retry mode; adaptive also rate-limits the client when throttled. @default "adaptive" */
  readonly retryMode?: "standard" | "adaptive";
  readonly clientFactories?: ClientFactories;
  /** Clock for the parameter TTL and the credential refresh window. @default Date.now */
  readonly now?: () => number;
  readonly onEvent?: (event: ModelClientEvent) => void;
}

interface ResolvedOptions {
  readonly baseCredentials: AwsCredentialIdentityProvider | undefined;
  readonly roleSessionName: string;
  readonly externalId: string | undefined;
  readonly sessionDurationSeconds: number;
  readonly credentialRefreshWindowMs: number;
  readonly parameterTtlMs: number;
  readonly endpoints: { readonly sts?: string; readonly rekognition?: string; readonly ssm?: string };
  readonly region: string | undefined;
  readonly maxAttempts: number;
  readonly retryMode: "standard" | "adaptive";
  readonly factories: Required<ClientFactories>;
  readonly now: () => number;
  readonly onEvent: (event: ModelClientEvent) => void;
}

// The SDK client memoizes a credential provider and calls it again only when less than this is left (@smithy/core
// EXPIRATION_MS); our own window works inside it.
const SDK_CREDENTIAL_REFRESH_MS = 5 * 60_000;

function resolveOptions(options: ModelClientOptions, defaultSessionName: string): ResolvedOptions {
  const resolved: ResolvedOptions = {
    baseCredentials: options.baseCredentials,
    roleSessionName: options.roleSessionName ?? defaultSessionName,
    externalId: options.externalId,
    sessionDurationSeconds: options.sessionDurationSeconds ?? 3600,
    credentialRefreshWindowMs: options.credentialRefreshWindowMs ?? SDK_CREDENTIAL_REFRESH_MS,
    parameterTtlMs: options.parameterTtlMs ?? 60_000,
    endpoints: {
      sts: options.endpoints?.sts === undefined ? undefined : normalizeEndpoint("endpoints.sts", options.endpoints.sts),
      rekognition:
        options.endpoints?.rekognition === undefined ? undefined : normalizeEndpoint("endpoints.rekognition", options.endpoints.rekognition),
      ssm: options.endpoints?.ssm === undefined ? undefined : normalizeEndpoint("endpoints.ssm", options.endpoints.ssm),
    },
    region: options.region,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: options.retryMode ?? "adaptive",
    factories: {
      ssm: options.clientFactories?.ssm ?? ((config) => new SSMClient(config)),
      sts: options.clientFactories?.sts ?? ((config) => new STSClient(config)),
      rekognition: options.clientFactories?.rekognition ?? ((config) => new RekognitionClient(config)),
    },
    now: options.now ?? Date.now,
    onEvent: options.onEvent ?? (() => {}),
  };
  if (!/^[\w+=,.@-]{2,64}$/.test(resolved.roleSessionName)) {
    throw new InvalidArgumentError("roleSessionName", resolved.roleSessionName, "2-64 characters of letters, digits and +=,.@_-");
  }
  if (resolved.externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(resolved.externalId)) {
    throw new InvalidArgumentError("externalId", resolved.externalId, "2-1224 characters of letters, digits and +=,.@:/-_");
  }
  if (!Number.isInteger(resolved.sessionDurationSeconds) || resolved.sessionDurationSeconds < 900 || resolved.sessionDurationSeconds > 43_200) {
    throw new InvalidArgumentError("sessionDurationSeconds", resolved.sessionDurationSeconds, "an integer from 900 to 43200 (3600 at most when role chaining)");
  }
  const refreshWindow = resolved.credentialRefreshWindowMs;
  if (!Number.isFinite(refreshWindow) || refreshWindow < 0 || refreshWindow > SDK_CREDENTIAL_REFRESH_MS) {
    throw new InvalidArgumentError(
      "credentialRefreshWindowMs",
      refreshWindow,
      `milliseconds from 0 to ${SDK_CREDENTIAL_REFRESH_MS} (the SDK client's own refresh window)`,
    );
  }
  if (!Number.isFinite(resolved.parameterTtlMs) || resolved.parameterTtlMs < 0) {
    throw new InvalidArgumentError("parameterTtlMs", resolved.parameterTtlMs, "a number of milliseconds >= 0 (0 re-reads before every call)");
  }
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new InvalidArgumentError("maxAttempts", resolved.maxAttempts, "an integer >= 1");
  }
  return resolved;
}

/** Checks DetectCustomLabels' MinConfidence and MaxResults before any call. */
export function validateDetectOptions(options: DetectOptions): void {
  const { minConfidence, maxResults } = options;
  if (minConfidence !== undefined && !(Number.isFinite(minConfidence) && minConfidence >= 0 && minConfidence <= 100)) {
    throw new InvalidArgumentError("minConfidence", minConfidence, "a number from 0 to 100 (percent)");
  }
  if (maxResults !== undefined && !(Number.isInteger(maxResults) && maxResults >= 1)) {
    throw new InvalidArgumentError("maxResults", maxResults, "a positive integer");
  }
}

/** Turns any ImageInput into Rekognition's Image after the local checks; reads the file for a path. */
async function toRekognitionImage(input: ImageInput): Promise<Image> {
  if (input instanceof Uint8Array) {
    validateImageBytes(input, "image bytes");
    return { Bytes: input };
  }
  if (typeof input === "object" && input !== null) {
    if ("bytes" in input && input.bytes instanceof Uint8Array) {
      validateImageBytes(input.bytes, "image bytes");
      return { Bytes: input.bytes };
    }
    if ("path" in input && typeof input.path === "string") {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(input.path);
      } catch (error) {
        throw new ImageReadError(input.path, error);
      }
      validateImageBytes(bytes, input.path);
      return { Bytes: bytes };
    }
    if ("s3" in input && typeof input.s3 === "object" && input.s3 !== null) {
      const { bucket, key, version } = input.s3;
      const problems = findS3LocationProblems(input.s3);
      if (problems.length > 0) throw new ImageValidationError(problems, `s3://${bucket}/${key}`);
      return { S3Object: { Bucket: bucket, Name: key, Version: version } };
    }
  }
  throw new InvalidArgumentError("image", input, "a Uint8Array, { bytes }, { path } or { s3: { bucket, key, version? } }");
}

function toDetectedLabel(label: CustomLabel): DetectedLabel {
  const box = label.Geometry?.BoundingBox;
  const polygon = label.Geometry?.Polygon;
  const geometry =
    box || polygon
      ? {
          ...(box && {
            boundingBox: { left: box.Left ?? 0, top: box.Top ?? 0, width: box.Width ?? 0, height: box.Height ?? 0 },
          }),
          ...(polygon && { polygon: polygon.map((point) => ({ x: point.X ?? 0, y: point.Y ?? 0 })) }),
        }
      : undefined;
  return { name: label.Name ?? "", confidence: label.Confidence ?? 0, ...(geometry && { geometry }) };
}

function sameTarget(a: ModelTarget, b: ModelTarget): boolean {
  return a.modelVersionArn === b.modelVersionArn && a.sharedRoleArn === b.sharedRoleArn && a.region === b.region;
}

function targetOf(settings: ModelSettings): ModelTarget {
  return { modelVersionArn: settings.modelVersionArn, sharedRoleArn: settings.sharedRoleArn, region: settings.region };
}

/** Where the target comes from: SSM parameters that can change (with refresh), or fixed values (without). */
interface TargetSource {
  current(): Promise<ModelSettings>;
  readonly refresh: (() => Promise<ModelSettings>) | undefined;
  dispose(): void;
}

/**
 * Calls an environment's model version through its shared role, the way a consumer application should: the target
 * comes from the environment's SSM parameters (re-read after a TTL, and at once when a call is refused in a way a
 * promotion causes), the role is assumed through regional STS with credentials refreshed before they expire, and the
 * image is checked locally before any call.
 *
 * ```ts
 * const client = ModelClient.fromEnvironment("qa");
 * const labels = await client.detectLabels({ path: "part.jpg" }, { minConfidence: 80 });
 * ```
 */
export class ModelClient {
  // One Rekognition client per shared role and region: a promotion usually changes only the version, which
  // keeps the session and its cached credentials.
  private readonly sessions = new Map<string, { rekognition: RekognitionClient; sts: STSClient }>();

  private constructor(
    private readonly source: TargetSource,
    /** The environment whose parameters name the target; undefined for fromExplicit. */
    readonly environment: string | undefined,
    private readonly options: ResolvedOptions,
  ) {}

  /** A client that reads `/modelshare/<env>/model-version-arn`, `/shared-role-arn` and `/region` (lazily, on first use). */
  static fromEnvironment(environment: string, options: ModelClientOptions = {}): ModelClient {
    assertEnvironmentName(environment);
    const resolved = resolveOptions(options, `modelshare-${environment}`);
    const ssm = resolved.factories.ssm({
      region: resolved.region,
      endpoint: resolved.endpoints.ssm,
      credentials: resolved.baseCredentials,
      maxAttempts: resolved.maxAttempts,
      retryMode: resolved.retryMode,
    });
    const cache = new ParameterCache(ssm, environment, resolved.parameterTtlMs, resolved.now, resolved.onEvent);
    const source: TargetSource = {
      current: () => cache.current(),
      refresh: () => cache.refresh(),
      dispose: () => ssm.destroy(),
    };
    return new ModelClient(source, environment, resolved);
  }

  /** A client for fixed values (no SSM, so no promotion following). Throws ConfigError if a value is invalid. */
  static fromExplicit(target: ModelTarget, options: ModelClientOptions = {}): ModelClient {
    const settings = validateModelTarget(target, (key) => key, "ModelClient.fromExplicit");
    const resolved = resolveOptions(options, "modelshare-client");
    return new ModelClient({ current: async () => settings, refresh: undefined, dispose: () => {} }, undefined, resolved);
  }

  /** The target calls go to now (reads the parameters if they are due). */
  async currentTarget(): Promise<ModelTarget> {
    return targetOf(await this.source.current());
  }

  /** Labels of one image, highest confidence first. */
  async detectLabels(image: ImageInput, options: DetectOptions = {}): Promise<DetectedLabel[]> {
    return (await this.detect(image, options)).labels;
  }

  /** Like detectLabels, and says which target answered. */
  async detect(image: ImageInput, options: DetectOptions = {}): Promise<Detection> {
    validateDetectOptions(options);
    const rekognitionImage = await toRekognitionImage(image);
    const settings = await this.source.current();
    try {
      return await this.call(settings, rekognitionImage, options);
    } catch (error) {
      if (!this.source.refresh || !mayMeanVersionReplaced(error)) throw mapDetectError(error, this.callTarget(settings));
      let fresh: ModelSettings;
      try {
        fresh = await this.source.refresh();
      } catch {
        // The refused call is the news; a failed re-read only means we could not look for a replacement.
        throw mapDetectError(error, this.callTarget(settings));
      }
      if (sameTarget(fresh, settings)) throw mapDetectError(error, this.callTarget(settings));
      this.options.onEvent({
        type: "retrying-with-new-target",
        after: error instanceof Error ? error.name : String(error),
        from: targetOf(settings),
        to: targetOf(fresh),
      });
      try {
        return await this.call(fresh, rekognitionImage, options);
      } catch (retryError) {
        throw mapDetectError(retryError, this.callTarget(fresh));
      }
    }
  }

  /** Closes the SDK clients' connections. */
  destroy(): void {
    for (const { rekognition, sts } of this.sessions.values()) {
      rekognition.destroy();
      sts.destroy();
    }
    this.sessions.clear();
    this.source.dispose();
  }

  private callTarget(settings: ModelSettings): CallTarget {
    return { environment: this.environment, ...targetOf(settings) };
  }

  private async call(settings: ModelSettings, image: Image, options: DetectOptions): Promise<Detection> {
    const response = await this.rekognitionFor(settings).send(
      new DetectCustomLabelsCommand({
        ProjectVersionArn: settings.modelVersionArn,
        Image: image,
        MinConfidence: options.minConfidence,
        MaxResults: options.maxResults,
      }),
    );
    return { labels: (response.CustomLabels ?? []).map(toDetectedLabel), target: targetOf(settings) };
  }

  private rekognitionFor(settings: ModelSettings): RekognitionClient {
    const key = `${settings.sharedRoleArn} ${settings.region}`;
    const existing = this.sessions.get(key);
    if (existing) return existing.rekognition;
    const { options } = this;
    const stsEndpoint = options.endpoints.sts ?? regionalStsEndpoint(settings.region, settings.modelVersion.partition);
    const sts = options.factories.sts({
      region: settings.region,
      endpoint: stsEndpoint,
      credentials: options.baseCredentials,
      maxAttempts: options.maxAttempts,
      retryMode: options.retryMode,
    });
    const credentials = sharedRoleCredentials({
      sts,
      stsEndpoint,
      roleArn: settings.sharedRoleArn,
      roleSessionName: options.roleSessionName,
      externalId: options.externalId,
      durationSeconds: options.sessionDurationSeconds,
      refreshWindowMs: options.credentialRefreshWindowMs,
      now: options.now,
      onAssumed: (expiration) => options.onEvent({ type: "credentials-assumed", roleArn: settings.sharedRoleArn, expiration }),
    });
    const rekognition = options.factories.rekognition({
      region: settings.region,
      endpoint: options.endpoints.rekognition,
      credentials,
      maxAttempts: options.maxAttempts,
      retryMode: options.retryMode,
    });
    this.sessions.set(key, { rekognition, sts });
    return rekognition;
  }
}
