import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { defined } from "./defined";
import { AssumeRoleError } from "./errors";
import { RefreshingValue, RefreshObserver, RefreshPolicy } from "./refreshingValue";

/** Credentials are never used in their last minute: a signed request must still be valid when AWS receives it. */
export const CREDENTIAL_EXPIRY_MARGIN_MS = 60_000;

/** Defaults of the STS lookup: bounded, backing off after failures, at most one forced AssumeRole per 5 s. */
export const DEFAULT_CREDENTIAL_POLICY: Omit<RefreshPolicy, "now"> = {
  fetchTimeoutMs: 3000,
  failureBackoffMs: 1000,
  failureBackoffMaxMs: 30_000,
  minForcedIntervalMs: 5000,
};

export interface SharedRoleCredentialsOptions {
  /** STS client built for the regional (or VPC endpoint) STS URL, signing with the application's own credentials. */
  readonly sts: STSClient;
  /** Its endpoint, for error messages. */
  readonly stsEndpoint: string;
  readonly roleArn: string;
  /** Shows in the ML account's CloudTrail as the session name: name the environment or application. */
  readonly roleSessionName: string;
  readonly externalId?: string | undefined;
  /** Role chaining (a Lambda/ECS/EC2 role assuming the shared role) caps sessions at 3600 s. */
  readonly durationSeconds: number;
  /** Credentials with less than this left are replaced in the background while still in use. */
  readonly refreshWindowMs: number;
  readonly now: () => number;
  /** Timeout, failure backoff and forced-refresh rate of the AssumeRole lookup. @default DEFAULT_CREDENTIAL_POLICY */
  readonly policy?: Partial<Omit<RefreshPolicy, "now">> | undefined;
  readonly observer?: RefreshObserver<AwsCredentialIdentity> | undefined;
  readonly onAssumed?: ((expiration: Date | undefined) => void) | undefined;
}

/** A credential provider the SDK must call before every signature rather than cache (see SharedRoleCredentials). */
export type UnmemoizedProvider = AwsCredentialIdentityProvider & { readonly memoized: true };

/**
 * The shared role's credentials, assumed through the STS client given (regional endpoint enforced by the caller),
 * served from cache and replaced in the background `refreshWindowMs` before they expire (stale-while-revalidate);
 * only a call with nothing valid waits for AssumeRole. A failed AssumeRole is not repeated before a backoff. A
 * session Rekognition refuses (expired, revoked) is dropped with invalidate() and assumed again, at most once per
 * few seconds however many calls were refused.
 */
export class SharedRoleCredentials {
  private readonly value: RefreshingValue<AwsCredentialIdentity>;

  /**
   * For the SDK client's `credentials`. Marked memoized so that the SDK calls it for every signature instead of
   * keeping its own copy until 5 minutes before expiry (@aws-sdk/core's normalizeCredentialProvider): a dropped
   * session then stops being used at once. The call costs a cache read.
   */
  readonly provider: UnmemoizedProvider;

  constructor(private readonly options: SharedRoleCredentialsOptions) {
    const policy = { ...DEFAULT_CREDENTIAL_POLICY, ...options.policy, now: options.now };
    this.value = new RefreshingValue((signal) => this.assumeRole(signal), policy, options.observer);
    // The SDK asks before each signature: not counted as a cache hit (get() is, once per call).
    this.provider = Object.assign(() => this.value.get(undefined, false), { memoized: true as const });
  }

  /** Credentials to sign with now; waits (bounded by `signal`) only when none are valid. */
  get(signal?: AbortSignal): Promise<AwsCredentialIdentity> {
    return this.value.get(signal);
  }

  /** Stops any AssumeRole in flight (the client is being destroyed). */
  dispose(): void {
    this.value.dispose();
  }

  /** A service refused `identity`: drop it and assume the role again, unless rate-limited (see RefreshingValue). */
  invalidate(identity: AwsCredentialIdentity): "dropped" | "replaced" | "kept" {
    return this.value.invalidate(identity);
  }

  private async assumeRole(signal: AbortSignal) {
    const { options } = this;
    let response;
    try {
      response = await options.sts.send(
        new AssumeRoleCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.roleSessionName,
          ExternalId: options.externalId,
          DurationSeconds: options.durationSeconds,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw new AssumeRoleError(options.roleArn, options.stsEndpoint, signal.aborted ? signal.reason : error);
    }
    const issued = response.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
      throw new AssumeRoleError(options.roleArn, options.stsEndpoint, new Error("the response has no credentials"));
    }
    options.onAssumed?.(issued.Expiration);
    const identity: AwsCredentialIdentity = {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      ...defined({ sessionToken: issued.SessionToken, expiration: issued.Expiration }),
    };
    const expiresAt = issued.Expiration?.getTime() ?? Infinity;
    const validUntil = expiresAt - CREDENTIAL_EXPIRY_MARGIN_MS;
    return { value: identity, freshUntil: Math.min(validUntil, expiresAt - options.refreshWindowMs), validUntil };
  }
}

/** The provider alone, for an SDK client's `credentials` option (kept for callers of earlier versions). */
export function sharedRoleCredentials(options: SharedRoleCredentialsOptions): UnmemoizedProvider {
  return new SharedRoleCredentials(options).provider;
}
