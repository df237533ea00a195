import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { AssumeRoleError } from "./errors";

export interface SharedRoleCredentialsOptions {
  /** STS client built for the regional (or VPC endpoint) STS URL, signing with the application's own credentials. */
  readonly sts: STSClient;
  /** Its endpoint, for error messages. */
  readonly stsEndpoint: string;
  readonly roleArn: string;
  /** Shows in the ML account's CloudTrail as the session name: name the environment or application. */
  readonly roleSessionName: string;
  readonly externalId?: string;
  /** Role chaining (a Lambda/ECS/EC2 role assuming the shared role) caps sessions at 3600 s. */
  readonly durationSeconds: number;
  /** Credentials with less than this left are refreshed before use. */
  readonly refreshWindowMs: number;
  readonly now: () => number;
  readonly onAssumed?: (expiration: Date | undefined) => void;
}

/**
 * Credentials of the shared role, cached and refreshed `refreshWindowMs` before they expire, so a call never signs
 * with credentials that run out mid-request. Does what @aws-sdk/credential-providers' fromTemporaryCredentials does,
 * but with an STS client this library builds (regional endpoint enforced, injectable, mockable) and a clock tests
 * can move. Concurrent callers share one AssumeRole. If a refresh fails while the cached credentials are still
 * valid, those are used (STS may blip; the next call tries again).
 */
export function sharedRoleCredentials(options: SharedRoleCredentialsOptions): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  let inFlight: Promise<AwsCredentialIdentity> | undefined;
  const msLeft = (credentials: AwsCredentialIdentity) =>
    credentials.expiration === undefined ? Infinity : credentials.expiration.getTime() - options.now();

  const assumeRole = async (): Promise<AwsCredentialIdentity> => {
    let response;
    try {
      response = await options.sts.send(
        new AssumeRoleCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.roleSessionName,
          ExternalId: options.externalId,
          DurationSeconds: options.durationSeconds,
        }),
      );
    } catch (error) {
      const denied = error instanceof Error && ["AccessDenied", "AccessDeniedException"].includes(error.name);
      throw new AssumeRoleError(options.roleArn, options.stsEndpoint, denied, error);
    }
    const issued = response.Credentials;
    if (!issued?.AccessKeyId || !issued.SecretAccessKey) {
      throw new AssumeRoleError(options.roleArn, options.stsEndpoint, false, new Error("the response has no credentials"));
    }
    options.onAssumed?.(issued.Expiration);
    return {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
      expiration: issued.Expiration,
    };
  };

  return async () => {
    if (cached && msLeft(cached) > options.refreshWindowMs) return cached;
    inFlight ??= assumeRole().finally(() => {
      inFlight = undefined;
    });
    try {
      cached = await inFlight;
    } catch (error) {
      if (cached && msLeft(cached) > 0) return cached;
      throw error;
    }
    return cached;
  };
}
