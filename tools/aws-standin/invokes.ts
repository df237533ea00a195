import { DescribeSubnetsCommand, DescribeVpcAttributeCommand, DescribeVpcEndpointServicesCommand, DescribeVpcEndpointsCommand, DescribeVpcsCommand, Filter } from "@aws-sdk/client-ec2";
import { GetRoleCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DescribeOrganizationCommand, ListAccountsForParentCommand, ListOrganizationalUnitsForParentCommand } from "@aws-sdk/client-organizations";
import { AwsClients } from "./aws";
import { getBucketPolicy } from "./resources/s3";
import { InvokeFunction, optStr, Props, str, tagsFrom } from "./types";

/** `filters: [{ name, values }]` of an aws.ec2.get* call, as EC2 Filters. */
function filters(args: Props): Filter[] {
  const list = Array.isArray(args.filters) ? (args.filters as Array<{ name?: string; values?: string[] }>) : [];
  return list.map((f) => ({ Name: f.name, Values: f.values }));
}

/** As the provider's data source with returnOrganizationOnly: DescribeOrganization alone. */
async function getOrganization(aws: AwsClients): Promise<Props> {
  const organization = (await aws.organizations.send(new DescribeOrganizationCommand({}))).Organization ?? {};
  return {
    id: organization.Id,
    arn: organization.Arn,
    featureSet: organization.FeatureSet,
    masterAccountArn: organization.MasterAccountArn,
    masterAccountEmail: organization.MasterAccountEmail,
    masterAccountId: organization.MasterAccountId,
    masterAccountName: "",
    returnOrganizationOnly: true,
    accounts: [],
    nonMasterAccounts: [],
    roots: [],
    awsServiceAccessPrincipals: [],
    enabledPolicyTypes: [],
  };
}

/** Every page of a paginated Organizations list (bounded, so a looping token cannot hang the lane). */
async function allPages<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const result = await page(token);
    items.push(...result.items);
    token = result.next;
    if (!token) return items;
  }
  throw new Error("Organizations returned more than 1000 pages");
}

/** As the provider's data source: the accounts under a parent at every depth (ListAccountsForParent, ListOrganizationalUnitsForParent). */
async function getOrganizationalUnitDescendantAccounts(aws: AwsClients, args: Props): Promise<Props> {
  const parentId = str(args, "parentId");
  const accounts: Props[] = [];
  const visit = async (parent: string): Promise<void> => {
    const direct = await allPages(async (token) => {
      const r = await aws.organizations.send(new ListAccountsForParentCommand({ ParentId: parent, NextToken: token }));
      return { items: r.Accounts ?? [], next: r.NextToken };
    });
    accounts.push(...direct.map((a) => ({ id: a.Id, arn: a.Arn, email: a.Email, name: a.Name, status: a.Status, state: a.Status, joinedMethod: a.JoinedMethod, joinedTimestamp: a.JoinedTimestamp?.toISOString() ?? "" })));
    const children = await allPages(async (token) => {
      const r = await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent, NextToken: token }));
      return { items: r.OrganizationalUnits ?? [], next: r.NextToken };
    });
    for (const child of children) if (child.Id) await visit(child.Id);
  };
  await visit(parentId);
  return { id: parentId, parentId, accounts };
}

async function getVpc(aws: AwsClients, args: Props): Promise<Props> {
  const id = optStr(args, "id");
  const vpcs = (await aws.ec2.send(new DescribeVpcsCommand({ ...(id ? { VpcIds: [id] } : {}), Filters: filters(args) }))).Vpcs ?? [];
  if (vpcs.length !== 1) throw new Error(`no matching EC2 VPC found (${vpcs.length} matched)`);
  const vpc = vpcs[0];
  const vpcId = vpc.VpcId as string;
  const dns = await aws.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsSupport" }));
  const hostnames = await aws.ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsHostnames" }));
  return {
    id: vpcId,
    arn: `arn:${aws.partition()}:ec2:${aws.config.region}:${vpc.OwnerId}:vpc/${vpcId}`,
    cidrBlock: vpc.CidrBlock,
    default: vpc.IsDefault ?? false,
    enableDnsSupport: dns.EnableDnsSupport?.Value ?? false,
    enableDnsHostnames: hostnames.EnableDnsHostnames?.Value ?? false,
    instanceTenancy: vpc.InstanceTenancy,
    ownerId: vpc.OwnerId,
    state: vpc.State,
    tags: tagsFrom(vpc.Tags),
  };
}

async function getVpcEndpointService(aws: AwsClients, args: Props): Promise<Props> {
  const service = optStr(args, "service");
  const serviceName = optStr(args, "serviceName") ?? (service ? `com.amazonaws.${aws.config.region}.${service}` : undefined);
  const response = await aws.ec2.send(new DescribeVpcEndpointServicesCommand({ ...(serviceName ? { ServiceNames: [serviceName] } : {}), Filters: filters(args) }));
  const details = (response.ServiceDetails ?? []).filter((d) => !optStr(args, "serviceType") || d.ServiceType?.some((t) => t.ServiceType === args.serviceType));
  if (details.length !== 1) throw new Error(`no matching EC2 VPC Endpoint Service found for ${serviceName ?? "the filters"} (${details.length} matched)`);
  const d = details[0];
  return {
    id: d.ServiceId ?? d.ServiceName,
    serviceName: d.ServiceName,
    serviceId: d.ServiceId,
    serviceType: d.ServiceType?.[0]?.ServiceType,
    owner: d.Owner,
    availabilityZones: d.AvailabilityZones ?? [],
    baseEndpointDnsNames: d.BaseEndpointDnsNames ?? [],
    privateDnsName: d.PrivateDnsName ?? "",
    vpcEndpointPolicySupported: d.VpcEndpointPolicySupported ?? false,
    acceptanceRequired: d.AcceptanceRequired ?? false,
    managesVpcEndpoints: d.ManagesVpcEndpoints ?? false,
    tags: tagsFrom(d.Tags),
  };
}

/** The provider's singular data sources: exactly one match, or an error saying none or several. */
function single<T>(items: readonly T[], what: string): T {
  if (items.length === 0) throw new Error(`no matching ${what} found`);
  if (items.length > 1) throw new Error(`multiple ${what}s matched; use additional constraints to reduce matches to a single ${what}`);
  return items[0];
}

async function getSubnet(aws: AwsClients, args: Props): Promise<Props> {
  const id = optStr(args, "id");
  const subnet = single((await aws.ec2.send(new DescribeSubnetsCommand({ ...(id ? { SubnetIds: [id] } : {}), Filters: filters(args) }))).Subnets ?? [], "EC2 Subnet");
  return { id: subnet.SubnetId, arn: subnet.SubnetArn, vpcId: subnet.VpcId, cidrBlock: subnet.CidrBlock, availabilityZone: subnet.AvailabilityZone, availabilityZoneId: subnet.AvailabilityZoneId, ownerId: subnet.OwnerId, tags: tagsFrom(subnet.Tags) };
}

async function getVpcEndpoint(aws: AwsClients, args: Props): Promise<Props> {
  const id = optStr(args, "id");
  const extra: Filter[] = [
    ...(optStr(args, "vpcId") ? [{ Name: "vpc-id", Values: [args.vpcId as string] }] : []),
    ...(optStr(args, "serviceName") ? [{ Name: "service-name", Values: [args.serviceName as string] }] : []),
    ...(optStr(args, "state") ? [{ Name: "vpc-endpoint-state", Values: [args.state as string] }] : []),
  ];
  const found = ((await aws.ec2.send(new DescribeVpcEndpointsCommand({ ...(id ? { VpcEndpointIds: [id] } : {}), Filters: [...extra, ...filters(args)] }))).VpcEndpoints ?? []).filter((e) => e.State?.toLowerCase() !== "deleted");
  const e = single(found, "EC2 VPC Endpoint");
  return {
    id: e.VpcEndpointId,
    vpcId: e.VpcId,
    serviceName: e.ServiceName,
    vpcEndpointType: e.VpcEndpointType,
    privateDnsEnabled: e.PrivateDnsEnabled ?? false,
    policy: e.PolicyDocument,
    ownerId: e.OwnerId,
    state: e.State,
    subnetIds: e.SubnetIds ?? [],
    dnsEntries: (e.DnsEntries ?? []).map((d) => ({ dnsName: d.DnsName, hostedZoneId: d.HostedZoneId })),
    tags: tagsFrom(e.Tags),
  };
}

async function getRoles(aws: AwsClients, args: Props): Promise<Props> {
  const roles = [];
  let marker: string | undefined;
  do {
    const page = await aws.iam.send(new ListRolesCommand({ PathPrefix: optStr(args, "pathPrefix"), Marker: marker }));
    roles.push(...(page.Roles ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const pattern = optStr(args, "nameRegex");
  const matching = pattern ? roles.filter((r) => new RegExp(pattern).test(r.RoleName ?? "")) : roles;
  return { id: aws.config.region, arns: matching.map((r) => r.Arn), names: matching.map((r) => r.RoleName) };
}

async function getRole(aws: AwsClients, args: Props): Promise<Props> {
  const role = (await aws.iam.send(new GetRoleCommand({ RoleName: str(args, "name") }))).Role;
  return {
    id: role?.RoleName,
    name: role?.RoleName,
    arn: role?.Arn,
    path: role?.Path,
    uniqueId: role?.RoleId,
    assumeRolePolicy: role?.AssumeRolePolicyDocument ? decodeURIComponent(role.AssumeRolePolicyDocument) : undefined,
    maxSessionDuration: role?.MaxSessionDuration,
    description: role?.Description ?? "",
    tags: tagsFrom(role?.Tags),
  };
}

/** The data sources the stand-in serves, by Pulumi token. Add one line per new data source. */
export const INVOKES: Record<string, InvokeFunction> = {
  "aws:index/getCallerIdentity:getCallerIdentity": async (aws) => {
    const identity = await aws.sts.send(new GetCallerIdentityCommand({}));
    return { id: identity.Account, accountId: identity.Account, arn: identity.Arn, userId: identity.UserId };
  },
  "aws:index/getRegion:getRegion": async (aws) => ({ id: aws.config.region, name: aws.config.region, region: aws.config.region, endpoint: `ec2.${aws.config.region}.amazonaws.com` }),
  "aws:index/getPartition:getPartition": async (aws) => ({ id: aws.partition(), partition: aws.partition(), dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
  "aws:ec2/getVpc:getVpc": getVpc,
  "aws:ec2/getSubnet:getSubnet": getSubnet,
  "aws:ec2/getVpcEndpoint:getVpcEndpoint": getVpcEndpoint,
  "aws:iam/getRoles:getRoles": getRoles,
  "aws:iam/getRole:getRole": getRole,
  "aws:ec2/getVpcEndpointService:getVpcEndpointService": getVpcEndpointService,
  "aws:s3/getBucketPolicy:getBucketPolicy": getBucketPolicy,
  "aws:organizations/getOrganization:getOrganization": getOrganization,
  "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts": getOrganizationalUnitDescendantAccounts,
};
