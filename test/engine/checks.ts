import { DescribeVpcEndpointsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

/**
 * The lane's checks of what the emulator holds after each step: every function returns the problems it found
 * (empty when the state is as expected), so a failing check says what is wrong, not only that something is.
 * Expectations come from the lane (what the step should have done), never from the state being checked.
 */

interface Statement {
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  [key: string]: unknown;
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The resources a policy document's Allow statements grant `action` on (a wildcard action counts as granting it). */
export function allowedResources(document: string, action: string): string[] {
  const parsed = JSON.parse(document) as { Statement?: Statement | Statement[] };
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
  const matches = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i").test(action);
  return [...new Set(statements.filter((s) => s.Effect === "Allow" && list(s.Action).some(matches)).flatMap((s) => list(s.Resource)))].sort();
}

function compareSets(what: string, actual: readonly string[], expected: readonly string[]): string[] {
  const missing = expected.filter((e) => !actual.includes(e));
  const extra = actual.filter((a) => !expected.includes(a));
  return [
    ...(missing.length > 0 ? [`${what} is missing ${missing.join(", ")}`] : []),
    ...(extra.length > 0 ? [`${what} also allows ${extra.join(", ")}`] : []),
  ];
}

const roleNameOf = (roleArn: string) => roleArn.split("/").pop() as string;

export interface SharedRoleExpectation {
  readonly env: string;
  readonly sharedRoleArn: string;
  readonly grantedVersions: readonly string[];
  readonly trustedPrincipalArns: readonly string[];
}

/** ML account: the environment's shared role exists where the ML stack says, trusts its principals, and may call DetectCustomLabels on exactly the granted versions. */
export async function sharedRoleProblems(iam: IAMClient, expected: SharedRoleExpectation): Promise<string[]> {
  const name = roleNameOf(expected.sharedRoleArn);
  const what = `${expected.env}: shared role ${expected.sharedRoleArn}`;
  let role;
  try {
    role = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role;
  } catch (error) {
    return [`${what} does not exist (${(error as Error).name})`];
  }
  const problems: string[] = [];
  if (role?.Arn !== expected.sharedRoleArn) problems.push(`${what} has ARN ${role?.Arn}`);
  const trust = decodeURIComponent(role?.AssumeRolePolicyDocument ?? "{}");
  for (const principal of expected.trustedPrincipalArns) if (!trust.includes(principal)) problems.push(`${what}'s trust policy does not name ${principal}`);
  const policyNames = (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
  const documents = await Promise.all(policyNames.map(async (p) => decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: p }))).PolicyDocument ?? "{}")));
  problems.push(...compareSets(`${what}'s rekognition:DetectCustomLabels grant`, [...new Set(documents.flatMap((d) => allowedResources(d, "rekognition:DetectCustomLabels")))].sort(), [...expected.grantedVersions].sort()));
  return problems;
}

export interface ConsumerExpectation {
  readonly env: string;
  readonly region: string;
  readonly sharedRoleArn: string;
  readonly grantedVersions: readonly string[];
  readonly modelVersionArn: string;
  readonly applicationRoleName: string;
}

/** Consumer account: the Rekognition endpoint's policy, the application role's policy and the SSM parameters. */
export async function consumerProblems(clients: { ec2: EC2Client; iam: IAMClient; ssm: SSMClient }, expected: ConsumerExpectation): Promise<string[]> {
  const problems: string[] = [];
  const env = expected.env;
  const endpoints = ((await clients.ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints ?? []).filter((e) => e.State?.toLowerCase() !== "deleted");
  const rekognition = endpoints.filter((e) => e.ServiceName === `com.amazonaws.${expected.region}.rekognition`);
  if (rekognition.length !== 1) {
    problems.push(`${env}: expected one Rekognition VPC endpoint, found ${rekognition.length}`);
  } else {
    const policy = rekognition[0].PolicyDocument ?? "{}";
    problems.push(...compareSets(`${env}: the Rekognition endpoint policy's DetectCustomLabels`, allowedResources(policy, "rekognition:DetectCustomLabels"), [...expected.grantedVersions].sort()));
    if (!policy.includes(expected.sharedRoleArn)) problems.push(`${env}: the Rekognition endpoint policy does not name the shared role ${expected.sharedRoleArn}`);
  }
  const sts = endpoints.filter((e) => e.ServiceName === `com.amazonaws.${expected.region}.sts`);
  if (sts.length !== 1) problems.push(`${env}: expected one STS VPC endpoint, found ${sts.length}`);
  else problems.push(...compareSets(`${env}: the STS endpoint policy's sts:AssumeRole`, allowedResources(sts[0].PolicyDocument ?? "{}", "sts:AssumeRole"), [expected.sharedRoleArn]));

  try {
    const app = expected.applicationRoleName;
    const names = (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: app }))).PolicyNames ?? [];
    const documents = await Promise.all(names.map(async (p) => decodeURIComponent((await clients.iam.send(new GetRolePolicyCommand({ RoleName: app, PolicyName: p }))).PolicyDocument ?? "{}")));
    problems.push(...compareSets(`${env}: application role ${app}'s sts:AssumeRole`, [...new Set(documents.flatMap((d) => allowedResources(d, "sts:AssumeRole")))], [expected.sharedRoleArn]));
  } catch (error) {
    problems.push(`${env}: application role ${expected.applicationRoleName} could not be read (${(error as Error).name})`);
  }

  const parameter = async (key: string) => {
    try {
      return (await clients.ssm.send(new GetParameterCommand({ Name: `/modelshare/${env}/${key}` }))).Parameter?.Value;
    } catch (error) {
      return `<${(error as Error).name}>`;
    }
  };
  const version = await parameter("model-version-arn");
  if (version !== expected.modelVersionArn) problems.push(`${env}: /modelshare/${env}/model-version-arn is ${version}, expected ${expected.modelVersionArn}`);
  const role = await parameter("shared-role-arn");
  if (role !== expected.sharedRoleArn) problems.push(`${env}: /modelshare/${env}/shared-role-arn is ${role}, expected ${expected.sharedRoleArn}`);
  return problems;
}
