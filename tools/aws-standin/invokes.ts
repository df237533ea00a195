import { DescribeVpcAttributeCommand, DescribeVpcEndpointServicesCommand, DescribeVpcsCommand, Filter } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { AwsClients } from "./aws";
import { getBucketPolicy } from "./resources/s3";
import { InvokeFunction, optStr, Props, tagsFrom } from "./types";

/** `filters: [{ name, values }]` of an aws.ec2.get* call, as EC2 Filters. */
function filters(args: Props): Filter[] {
  const list = Array.isArray(args.filters) ? (args.filters as Array<{ name?: string; values?: string[] }>) : [];
  return list.map((f) => ({ Name: f.name, Values: f.values }));
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

/** The data sources the stand-in serves, by Pulumi token. Add one line per new data source. */
export const INVOKES: Record<string, InvokeFunction> = {
  "aws:index/getCallerIdentity:getCallerIdentity": async (aws) => {
    const identity = await aws.sts.send(new GetCallerIdentityCommand({}));
    return { id: identity.Account, accountId: identity.Account, arn: identity.Arn, userId: identity.UserId };
  },
  "aws:index/getRegion:getRegion": async (aws) => ({ id: aws.config.region, name: aws.config.region, region: aws.config.region, endpoint: `ec2.${aws.config.region}.amazonaws.com` }),
  "aws:index/getPartition:getPartition": async (aws) => ({ id: aws.partition(), partition: aws.partition(), dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
  "aws:ec2/getVpc:getVpc": getVpc,
  "aws:ec2/getVpcEndpointService:getVpcEndpointService": getVpcEndpointService,
  "aws:s3/getBucketPolicy:getBucketPolicy": getBucketPolicy,
};
