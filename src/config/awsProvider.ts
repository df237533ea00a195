import { AWS_CREDENTIAL_KEYS, AwsProviderKey, AwsSettings, ParsedAwsSettings } from "./awsSettings";

/**
 * What every explicit `aws.Provider` of modelshare's stacks is given: the stack's `aws:*` settings (which Pulumi
 * hands only to the default provider) composed with what modelshare decides for that provider. Pure; the stacks
 * wrap `secretArgs` with pulumi.secret and construct the provider (stacks/providers.ts).
 *
 * - passed as they are: every setting not named below (profile, shared config and credentials files, retries,
 *   endpoints, proxies, skip* flags, FIPS/dual-stack, ignoreTags, web identity, credentials, ...);
 * - region: the stack's aws:region (one region per stack);
 * - allowedAccountIds: exactly the account the provider deploys to (stricter than any user list, which the config
 *   checks to include the stack's account); forbiddenAccountIds is not passed: the provider refuses both lists
 *   together, and a one-account allow list already forbids every other account;
 * - assumeRoles: the user's chain first (how the default provider would get its credentials), then the role
 *   modelshare assumes into the target account, if any;
 * - defaultTags: the user's tags plus modelshare's managed-by tag (modelshare's own keys are reserved); each
 *   resource's own modelshare tags win for the same key, as the provider merges them.
 */

/** The provider one stack creates for one account. */
export interface ProviderTarget {
  readonly region: string;
  readonly accountId: string;
  /** The role modelshare assumes into `accountId` (management, data-lake, consumer deploy role); none for the stack's own credentials. */
  readonly assumeRole?: { readonly roleArn: string; readonly sessionName: string };
}

export interface MappedProviderArgs {
  /** ProviderArgs as plain values. */
  readonly args: Record<string, unknown>;
  /** Which args must be Pulumi secrets (credentials, and settings Pulumi holds as secrets). */
  readonly secretArgs: readonly string[];
}

/** The tags modelshare adds to the user's default tags. */
export const MODELSHARE_DEFAULT_TAGS: Readonly<Record<string, string>> = { "modelshare:managed-by": "pulumi" };

/** Settings modelshare composes instead of passing them as they are. */
const COMPOSED: readonly AwsProviderKey[] = ["region", "allowedAccountIds", "forbiddenAccountIds", "assumeRoles", "defaultTags"];

export function explicitProviderArgs(aws: ParsedAwsSettings, target: ProviderTarget): MappedProviderArgs {
  const settings: Omit<AwsSettings, "region"> = aws.settings;
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings) as [AwsProviderKey, unknown][]) {
    if (value !== undefined && !COMPOSED.includes(key)) args[key] = value;
  }
  args.region = target.region;
  args.allowedAccountIds = [target.accountId];
  const chain = [...(settings.assumeRoles ?? []), ...(target.assumeRole ? [target.assumeRole] : [])];
  if (chain.length > 0) args.assumeRoles = chain;
  if (settings.defaultTags !== undefined) args.defaultTags = { tags: { ...(settings.defaultTags.tags ?? {}), ...MODELSHARE_DEFAULT_TAGS } };
  const secretArgs = Object.keys(args).filter((key) => AWS_CREDENTIAL_KEYS.includes(key as AwsProviderKey) || aws.secretKeys.includes(key as AwsProviderKey));
  return { args, secretArgs };
}
