import type { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { stsSdk } from "./sdk";

/**
 * Credentials of a role in another account, from the given STS client. The client is created with the model's
 * region, so it calls the regional STS endpoint (the global one leaves a VPC). Cached until five minutes before
 * expiry, so a long promotion renews them instead of failing halfway.
 */
export function assumedRoleCredentials(sts: STSClient, roleArn: string, sessionName: string, now: () => number = Date.now): AwsCredentialIdentityProvider {
  let cached: AwsCredentialIdentity | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - now() > 5 * 60 * 1000) return cached;
    const response = await sts.send(new (stsSdk().AssumeRoleCommand)({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }));
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole on ${roleArn} returned no credentials`);
    cached = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    return cached;
  };
}

/** Session names show up in CloudTrail: say who and why. */
export function sessionName(purpose: string, env: string): string {
  return `modelshare-${purpose}-${env}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 64);
}
