import { RekognitionClient, RekognitionClientConfig } from "@aws-sdk/client-rekognition";
import { SSMClient, SSMClientConfig } from "@aws-sdk/client-ssm";
import { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { normalizeEndpoint } from "./endpoints";
import { InvalidArgumentError } from "./errors";
import { ModelClientEvent } from "./metrics";
import { RetrySettings } from "./sdkClients";

/** Builds SDK clients; tests and applications can wrap or replace them (e.g. to add middleware). */
export interface ClientFactories {
  readonly ssm?: ((config: SSMClientConfig) => SSMClient) | undefined;
  readonly sts?: ((config: STSClientConfig) => STSClient) | undefined;
  readonly rekognition?: ((config: RekognitionClientConfig) => RekognitionClient) | undefined;
}

/** How AWS calls are retried. */
export interface RetryOptions {
  /**
   * "standard": each failed or throttled attempt backs off on its own (exponential backoff with full jitter, as the
   * SDK's standard mode does), so throttling one call never slows the others. "adaptive": the SDK also rate-limits
   * the whole client after a throttle, which slows every call; choose it only to protect a shared quota.
   * @default "standard"
   */
  readonly mode?: "standard" | "adaptive" | undefined;
  /** Attempts per AWS call, the first included (1: no retries). Each call's deadline bounds them too. @default 3 */
  readonly maxAttempts?: number | undefined;
}

export interface ModelClientOptions {
  /**
   * The application's own credentials: they read the SSM parameters and call sts:AssumeRole on the shared role.
   * @default the SDK's default provider chain (environment, SSO, ECS/EKS/EC2 roles, ...)
   */
  readonly baseCredentials?: AwsCredentialIdentityProvider | undefined;
  /** Session name of the shared-role session, seen in the ML account's CloudTrail. @default "modelshare-<env>" */
  readonly roleSessionName?: string | undefined;
  /** sts:ExternalId, when the shared role's trust policy requires one (it is not a secret). */
  readonly externalId?: string | undefined;
  /** Shared-role session length; role chaining caps it at 3600. @default 3600 */
  readonly sessionDurationSeconds?: number | undefined;
  /**
   * Shared-role credentials with less than this left are replaced by a background AssumeRole while still in use;
   * they are never used in their last minute. @default 300000 (5 min)
   */
  readonly credentialRefreshWindowMs?: number | undefined;
  /**
   * After this the parameters are re-read in the background (calls keep the cached values meanwhile), so a promotion
   * is followed within about this long (fromEnvironment only). @default 60000
   */
  readonly parameterTtlMs?: number | undefined;
  /**
   * Deadline of each detect()/detectLabels() call, everything included: waiting for parameters or credentials,
   * DetectCustomLabels and its retries. A call past it rejects with CallTimeoutError and its request is aborted.
   * detect's own timeoutMs overrides it per call. @default 5000
   */
  readonly timeoutMs?: number | undefined;
  /** Bound on each SSM or STS lookup (GetParameters, AssumeRole), retries included. @default 3000 */
  readonly lookupTimeoutMs?: number | undefined;
  /**
   * Failure caching: after a failed lookup, no new one before this long; doubled after each consecutive failure (with
   * jitter) up to failureCacheMaxMs. Meanwhile calls keep valid cached values, and a call with none fails at once
   * with the cached error. @default 1000
   */
  readonly failureCacheMs?: number | undefined;
  /** Upper bound of the failure-caching backoff. @default 30000 */
  readonly failureCacheMaxMs?: number | undefined;
  /** TCP connect timeout of each HTTP attempt (all three services). @default 2000 */
  readonly connectTimeoutMs?: number | undefined;
  /**
   * VPC endpoint DNS names (or https URLs), for VPCs without private DNS on their interface endpoints. The STS one
   * must be regional; the global sts.amazonaws.com is refused.
   * @default the SDK's configuration (AWS_ENDPOINT_URL_STS/_SSM/_REKOGNITION, AWS_ENDPOINT_URL, the shared config
   * file), else the regional public names; STS is always regional
   */
  readonly endpoints?: { readonly sts?: string | undefined; readonly rekognition?: string | undefined; readonly ssm?: string | undefined } | undefined;
  /** Region of the SSM parameters (the application's account and region). @default the SDK's default region chain */
  readonly region?: string | undefined;
  /** Retry mode and attempts of every AWS call. @default { mode: "standard", maxAttempts: 3 } */
  readonly retry?: RetryOptions | undefined;
  /** @deprecated use retry.maxAttempts */
  readonly maxAttempts?: number | undefined;
  /** @deprecated use retry.mode */
  readonly retryMode?: "standard" | "adaptive" | undefined;
  readonly clientFactories?: ClientFactories | undefined;
  /** Clock for the parameter TTL, the credential refresh window and failure caching. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** Events for logs and metrics (see ModelClientEvent); keep it cheap, it runs on the call path. */
  readonly onEvent?: ((event: ModelClientEvent) => void) | undefined;
}

export interface ResolvedOptions {
  readonly baseCredentials: AwsCredentialIdentityProvider | undefined;
  readonly roleSessionName: string;
  readonly externalId: string | undefined;
  readonly sessionDurationSeconds: number;
  readonly credentialRefreshWindowMs: number;
  readonly parameterTtlMs: number;
  readonly timeoutMs: number;
  readonly lookupTimeoutMs: number;
  readonly failureCacheMs: number;
  readonly failureCacheMaxMs: number;
  readonly connectTimeoutMs: number;
  readonly endpoints: { readonly sts: string | undefined; readonly rekognition: string | undefined; readonly ssm: string | undefined };
  readonly region: string | undefined;
  readonly retry: RetrySettings;
  readonly factories: { readonly [K in keyof ClientFactories]-?: Exclude<ClientFactories[K], undefined> };
  readonly now: () => number;
  readonly onEvent: (event: ModelClientEvent) => void;
}

const MAX_REFRESH_WINDOW_MS = 30 * 60_000;

function endpointOption(name: "sts" | "rekognition" | "ssm", value: string | undefined): string | undefined {
  return value === undefined ? undefined : normalizeEndpoint(`endpoints.${name}`, value);
}

function positiveMs(name: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(name, value, allowZero ? "a number of milliseconds >= 0" : "a number of milliseconds > 0");
  }
}

function resolveRetry(options: ModelClientOptions): RetrySettings {
  const { retry } = options;
  if (retry?.mode !== undefined && options.retryMode !== undefined && retry.mode !== options.retryMode) {
    throw new InvalidArgumentError("retryMode", options.retryMode, `left out, or equal to retry.mode (${retry.mode}); it is the deprecated name of retry.mode`);
  }
  if (retry?.maxAttempts !== undefined && options.maxAttempts !== undefined && retry.maxAttempts !== options.maxAttempts) {
    throw new InvalidArgumentError("maxAttempts", options.maxAttempts, `left out, or equal to retry.maxAttempts (${retry.maxAttempts}); it is the deprecated name of retry.maxAttempts`);
  }
  const mode = retry?.mode ?? options.retryMode ?? "standard";
  const maxAttempts = retry?.maxAttempts ?? options.maxAttempts ?? 3;
  if (mode !== "standard" && mode !== "adaptive") throw new InvalidArgumentError("retry.mode", mode, '"standard" or "adaptive"');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
    throw new InvalidArgumentError("retry.maxAttempts", maxAttempts, "an integer from 1 to 10");
  }
  return { mode, maxAttempts };
}

export function resolveOptions(options: ModelClientOptions, defaultSessionName: string): ResolvedOptions {
  const resolved: ResolvedOptions = {
    baseCredentials: options.baseCredentials,
    roleSessionName: options.roleSessionName ?? defaultSessionName,
    externalId: options.externalId,
    sessionDurationSeconds: options.sessionDurationSeconds ?? 3600,
    credentialRefreshWindowMs: options.credentialRefreshWindowMs ?? 5 * 60_000,
    parameterTtlMs: options.parameterTtlMs ?? 60_000,
    timeoutMs: options.timeoutMs ?? 5000,
    lookupTimeoutMs: options.lookupTimeoutMs ?? 3000,
    failureCacheMs: options.failureCacheMs ?? 1000,
    failureCacheMaxMs: options.failureCacheMaxMs ?? 30_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    endpoints: {
      sts: endpointOption("sts", options.endpoints?.sts),
      rekognition: endpointOption("rekognition", options.endpoints?.rekognition),
      ssm: endpointOption("ssm", options.endpoints?.ssm),
    },
    region: options.region,
    retry: resolveRetry(options),
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
  if (!Number.isFinite(refreshWindow) || refreshWindow < 0 || refreshWindow > MAX_REFRESH_WINDOW_MS) {
    throw new InvalidArgumentError("credentialRefreshWindowMs", refreshWindow, `milliseconds from 0 to ${MAX_REFRESH_WINDOW_MS} (30 minutes)`);
  }
  if (!Number.isFinite(resolved.parameterTtlMs) || resolved.parameterTtlMs < 0) {
    throw new InvalidArgumentError("parameterTtlMs", resolved.parameterTtlMs, "a number of milliseconds >= 0 (0 re-reads in the background on every call)");
  }
  positiveMs("timeoutMs", resolved.timeoutMs);
  positiveMs("lookupTimeoutMs", resolved.lookupTimeoutMs);
  positiveMs("connectTimeoutMs", resolved.connectTimeoutMs);
  positiveMs("failureCacheMs", resolved.failureCacheMs, true);
  positiveMs("failureCacheMaxMs", resolved.failureCacheMaxMs, true);
  if (resolved.failureCacheMaxMs < resolved.failureCacheMs) {
    throw new InvalidArgumentError("failureCacheMaxMs", resolved.failureCacheMaxMs, `at least failureCacheMs (${resolved.failureCacheMs})`);
  }
  return resolved;
}

// Forced lookups (a call refused in a way fresh values may cure) are rate-limited per client: at most one parameter
// re-read a second and one AssumeRole per 5 seconds, however many calls were refused.
export const FORCED_PARAMETER_READ_INTERVAL_MS = 1000;
export const FORCED_ASSUME_ROLE_INTERVAL_MS = 5000;
