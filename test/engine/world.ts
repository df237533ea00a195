import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateOrganizationalUnitCommand, ListRootsCommand, MoveAccountCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";

/**
 * What exists in the accounts before modelshare is deployed, created in the emulator: one OU per consumer
 * environment holding its account (the organization and its member accounts are registered by
 * tools/emulator/moto_lane.py), the data lake's bucket (in the data-lake account). Every account is reached the way
 * a real one is, by assuming a role in it; the emulator maps the session's keys to that account.
 */

export interface LaneAccounts {
  readonly region: string;
  /** The role the promotion pipeline runs as, in the ML account: the lane's own credentials. */
  readonly pipelineRoleArn: string;
  readonly managementRoleArn: string;
  readonly dataLakeRoleArn: string;
  readonly dataLakeBucket: string;
  /** Roles modelshare does not create but reads the trust of at deploy time (security review L3), by ARN. */
  readonly checkedRoles: readonly { readonly roleArn: string; readonly trustedRoleArn: string }[];
}

export interface World {
  /** Credentials of the pipeline role (ML account), used by everything the lane starts. */
  readonly pipeline: AwsCredentialIdentity;
  /** Ids the emulator gave the consumer OUs (AWS generates OU ids; config must name real ones). */
  readonly consumerOuIds: readonly string[];
  /** The OU of each consumer environment's account (modelshare:consumers.<env>.organizationalUnitIds). */
  readonly consumerOuByEnvironment: Readonly<Record<string, string>>;
}

export async function assumeRole(region: string, roleArn: string, credentials?: AwsCredentialIdentity): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ region, ...(credentials ? { credentials } : {}) });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "modelshare-engine-lane" }))).Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** consumers: environment name -> its account id (each gets an OU of that name, with the account in it). */
export async function createWorld(accounts: LaneAccounts, consumers: Readonly<Record<string, string>>): Promise<World> {
  const { region } = accounts;
  const pipeline = await assumeRole(region, accounts.pipelineRoleArn);

  const management = new OrganizationsClient({ region, credentials: await assumeRole(region, accounts.managementRoleArn) });
  const rootId = (await management.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const consumerOuIds: string[] = [];
  const consumerOuByEnvironment: Record<string, string> = {};
  for (const [name, accountId] of Object.entries(consumers)) {
    const ou = (await management.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: name }))).OrganizationalUnit?.Id as string;
    await management.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ou }));
    consumerOuIds.push(ou);
    consumerOuByEnvironment[name] = ou;
  }

  // The exempt and deploy roles exist before modelshare is deployed, each trusting one exact role (what the
  // stacks' deploy-time trust check accepts); each is created from a session in its own account.
  for (const role of accounts.checkedRoles) {
    const name = role.roleArn.slice(role.roleArn.lastIndexOf("/") + 1);
    const iam = new IAMClient({ region, credentials: await assumeRole(region, role.roleArn) });
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: role.trustedRoleArn }, Action: "sts:AssumeRole" }] };
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  }

  const dataLake = new S3Client({ region, forcePathStyle: true, credentials: await assumeRole(region, accounts.dataLakeRoleArn) });
  await dataLake.send(new CreateBucketCommand({ Bucket: accounts.dataLakeBucket }));
  return { pipeline, consumerOuIds, consumerOuByEnvironment };
}
