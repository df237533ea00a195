import {
  AssociateRouteTableCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteTableCommand,
  DeleteRouteTableCommand,
  DescribeRouteTablesCommand,
  DisassociateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DeleteVpcEndpointsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  Tag,
} from "@aws-sdk/client-ec2";
import { AwsClients } from "../aws";
import { orGone, optBool, optNum, optStr, Props, ResourceType, str, strList, tagChanges, tagList, tagsFrom } from "../types";

const tagSpec = (resourceType: "vpc" | "subnet" | "security-group" | "vpc-endpoint" | "security-group-rule" | "route-table", inputs: Props) => {
  const tags = tagList(inputs);
  return tags.length > 0 ? [{ ResourceType: resourceType, Tags: tags }] : undefined;
};

async function updateTags(aws: AwsClients, id: string, olds: Props, news: Props): Promise<void> {
  const { removed, set } = tagChanges(olds, news);
  if (removed.length > 0) await aws.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: removed.map((Key) => ({ Key })) }));
  if (set.length > 0) await aws.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: set }));
}

const arn = (aws: AwsClients, owner: string | undefined, kind: string, id: string) => `arn:${aws.partition()}:ec2:${aws.config.region}:${owner ?? ""}:${kind}/${id}`;

async function readVpc(aws: AwsClients, id: string): Promise<Props | undefined> {
  const vpc = await orGone(async () => (await aws.ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.[0]);
  if (!vpc) return undefined;
  const attribute = async (Attribute: "enableDnsSupport" | "enableDnsHostnames") => {
    const r = await aws.ec2.send(new DescribeVpcAttributeCommand({ VpcId: id, Attribute }));
    return (Attribute === "enableDnsSupport" ? r.EnableDnsSupport?.Value : r.EnableDnsHostnames?.Value) ?? false;
  };
  const tags = tagsFrom(vpc.Tags);
  return {
    id,
    arn: arn(aws, vpc.OwnerId, "vpc", id),
    cidrBlock: vpc.CidrBlock,
    instanceTenancy: vpc.InstanceTenancy,
    isDefault: vpc.IsDefault ?? false,
    ownerId: vpc.OwnerId,
    dhcpOptionsId: vpc.DhcpOptionsId,
    enableDnsSupport: await attribute("enableDnsSupport"),
    enableDnsHostnames: await attribute("enableDnsHostnames"),
    tags,
    tagsAll: tags,
  };
}

async function setVpcDns(aws: AwsClients, id: string, inputs: Props, olds: Props = {}): Promise<void> {
  // One attribute per call, as the API requires.
  const support = optBool(inputs, "enableDnsSupport") ?? true;
  if (support !== (optBool(olds, "enableDnsSupport") ?? true)) await aws.ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsSupport: { Value: support } }));
  const hostnames = optBool(inputs, "enableDnsHostnames") ?? false;
  if (hostnames !== (optBool(olds, "enableDnsHostnames") ?? false)) await aws.ec2.send(new ModifyVpcAttributeCommand({ VpcId: id, EnableDnsHostnames: { Value: hostnames } }));
}

/** Runs the steps after a create; when one fails, deletes what was created so nothing is left behind unrecorded. */
async function completeOrUndo(steps: () => Promise<void>, undo: () => Promise<unknown>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    await undo().catch(() => undefined);
    throw error;
  }
}

export const vpc: ResourceType = {
  replaceOn: ["cidrBlock", "instanceTenancy", "ipv4IpamPoolId"],
  async create(aws, inputs) {
    const created = await aws.ec2.send(
      new CreateVpcCommand({ CidrBlock: optStr(inputs, "cidrBlock"), InstanceTenancy: optStr(inputs, "instanceTenancy") as "default" | undefined, TagSpecifications: tagSpec("vpc", inputs) }),
    );
    const id = created.Vpc?.VpcId as string;
    await completeOrUndo(
      () => setVpcDns(aws, id, inputs),
      () => aws.ec2.send(new DeleteVpcCommand({ VpcId: id })),
    );
    return { id, outputs: (await readVpc(aws, id)) ?? {} };
  },
  read: (aws, id) => readVpc(aws, id),
  async update(aws, id, olds, news) {
    await setVpcDns(aws, id, news, olds);
    await updateTags(aws, id, olds, news);
    return (await readVpc(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.ec2.send(new DeleteVpcCommand({ VpcId: id }));
  },
};

async function readSubnet(aws: AwsClients, id: string): Promise<Props | undefined> {
  const subnet = await orGone(async () => (await aws.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0]);
  if (!subnet) return undefined;
  const tags = tagsFrom(subnet.Tags);
  return {
    id,
    arn: subnet.SubnetArn ?? arn(aws, subnet.OwnerId, "subnet", id),
    vpcId: subnet.VpcId,
    cidrBlock: subnet.CidrBlock,
    availabilityZone: subnet.AvailabilityZone,
    availabilityZoneId: subnet.AvailabilityZoneId,
    mapPublicIpOnLaunch: subnet.MapPublicIpOnLaunch ?? false,
    ownerId: subnet.OwnerId,
    tags,
    tagsAll: tags,
  };
}

export const subnet: ResourceType = {
  replaceOn: ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "ipv6CidrBlock"],
  async create(aws, inputs) {
    const created = await aws.ec2.send(
      new CreateSubnetCommand({
        VpcId: str(inputs, "vpcId"),
        CidrBlock: optStr(inputs, "cidrBlock"),
        AvailabilityZone: optStr(inputs, "availabilityZone"),
        AvailabilityZoneId: optStr(inputs, "availabilityZoneId"),
        TagSpecifications: tagSpec("subnet", inputs),
      }),
    );
    const id = created.Subnet?.SubnetId as string;
    if (optBool(inputs, "mapPublicIpOnLaunch") === true) {
      await completeOrUndo(
        async () => void (await aws.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: true } }))),
        () => aws.ec2.send(new DeleteSubnetCommand({ SubnetId: id })),
      );
    }
    return { id, outputs: (await readSubnet(aws, id)) ?? {} };
  },
  read: (aws, id) => readSubnet(aws, id),
  async update(aws, id, olds, news) {
    const map = optBool(news, "mapPublicIpOnLaunch") ?? false;
    if (map !== (optBool(olds, "mapPublicIpOnLaunch") ?? false)) await aws.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: map } }));
    await updateTags(aws, id, olds, news);
    return (await readSubnet(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.ec2.send(new DeleteSubnetCommand({ SubnetId: id }));
  },
};

async function readSecurityGroup(aws: AwsClients, id: string, state: Props): Promise<Props | undefined> {
  const group = await orGone(async () => (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.[0]);
  if (!group) return undefined;
  const tags = tagsFrom(group.Tags);
  const rules = (permissions: typeof group.IpPermissions) =>
    (permissions ?? []).map((p) => ({
      protocol: p.IpProtocol,
      fromPort: p.FromPort ?? 0,
      toPort: p.ToPort ?? 0,
      cidrBlocks: (p.IpRanges ?? []).map((r) => r.CidrIp),
      securityGroups: (p.UserIdGroupPairs ?? []).map((g) => g.GroupId),
    }));
  return {
    id,
    arn: arn(aws, group.OwnerId, "security-group", id),
    name: group.GroupName,
    description: group.Description,
    vpcId: group.VpcId,
    ownerId: group.OwnerId,
    ingress: rules(group.IpPermissions),
    egress: rules(group.IpPermissionsEgress),
    revokeRulesOnDelete: state.revokeRulesOnDelete ?? false,
    tags,
    tagsAll: tags,
  };
}

export const securityGroup: ResourceType = {
  nameProperty: "name",
  replaceOn: ["name", "namePrefix", "description", "vpcId"],
  async create(aws, inputs) {
    const created = await aws.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: str(inputs, "name"),
        Description: optStr(inputs, "description") ?? "Managed by Pulumi",
        VpcId: optStr(inputs, "vpcId"),
        TagSpecifications: tagSpec("security-group", inputs),
      }),
    );
    const id = created.GroupId as string;
    // Like the real provider (and Terraform), a new group in a VPC loses AWS's default allow-all egress rule:
    // the program lists every rule it wants.
    await completeOrUndo(
      async () => {
        const egress = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.[0]?.IpPermissionsEgress ?? [];
        const allowAll = egress.filter((p) => p.IpProtocol === "-1" && (p.IpRanges ?? []).some((r) => r.CidrIp === "0.0.0.0/0"));
        if (allowAll.length > 0) {
          await aws.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: id, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
        }
      },
      () => aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })),
    );
    return { id, outputs: (await readSecurityGroup(aws, id, inputs)) ?? {} };
  },
  read: readSecurityGroup,
  async update(aws, id, olds, news) {
    await updateTags(aws, id, olds, news);
    return (await readSecurityGroup(aws, id, news)) ?? {};
  },
  async delete(aws, id) {
    await aws.ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }));
  },
};

/** aws.vpc.SecurityGroupIngressRule: one rule with its own id (sgr-...), as the newer rule resources manage them. */
async function readIngressRule(aws: AwsClients, id: string, state: Props): Promise<Props | undefined> {
  const rule = await orGone(async () => (await aws.ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [id] }))).SecurityGroupRules?.[0]);
  if (!rule) return undefined;
  const tags = tagsFrom(rule.Tags as Tag[] | undefined);
  return {
    id,
    securityGroupRuleId: id,
    arn: arn(aws, rule.GroupOwnerId, "security-group-rule", id),
    securityGroupId: rule.GroupId ?? state.securityGroupId,
    ipProtocol: rule.IpProtocol,
    fromPort: rule.FromPort,
    toPort: rule.ToPort,
    cidrIpv4: rule.CidrIpv4 ?? state.cidrIpv4,
    cidrIpv6: rule.CidrIpv6 ?? state.cidrIpv6,
    referencedSecurityGroupId: rule.ReferencedGroupInfo?.GroupId ?? state.referencedSecurityGroupId,
    prefixListId: rule.PrefixListId ?? state.prefixListId,
    description: rule.Description ?? state.description,
    tags,
    tagsAll: tags,
  };
}

function ipPermission(inputs: Props) {
  const description = optStr(inputs, "description");
  const cidrIpv4 = optStr(inputs, "cidrIpv4");
  const cidrIpv6 = optStr(inputs, "cidrIpv6");
  const group = optStr(inputs, "referencedSecurityGroupId");
  const prefixList = optStr(inputs, "prefixListId");
  return {
    IpProtocol: str(inputs, "ipProtocol"),
    FromPort: optNum(inputs, "fromPort"),
    ToPort: optNum(inputs, "toPort"),
    IpRanges: cidrIpv4 ? [{ CidrIp: cidrIpv4, Description: description }] : undefined,
    Ipv6Ranges: cidrIpv6 ? [{ CidrIpv6: cidrIpv6, Description: description }] : undefined,
    UserIdGroupPairs: group ? [{ GroupId: group, Description: description }] : undefined,
    PrefixListIds: prefixList ? [{ PrefixListId: prefixList, Description: description }] : undefined,
  };
}

export const securityGroupIngressRule: ResourceType = {
  // Every property of the rule itself replaces it; the real provider updates some in place (ModifySecurityGroupRules).
  replaceOn: ["securityGroupId", "ipProtocol", "fromPort", "toPort", "cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId", "description"],
  check(inputs) {
    const sources = ["cidrIpv4", "cidrIpv6", "referencedSecurityGroupId", "prefixListId"].filter((k) => optStr(inputs, k) !== undefined);
    return sources.length === 1 ? [] : [["cidrIpv4", `exactly one of cidrIpv4, cidrIpv6, referencedSecurityGroupId, prefixListId must be set (got ${sources.join(", ") || "none"})`]];
  },
  async create(aws, inputs) {
    const response = await aws.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: str(inputs, "securityGroupId"),
        IpPermissions: [ipPermission(inputs)],
        TagSpecifications: tagSpec("security-group-rule", inputs),
      }),
    );
    const id = response.SecurityGroupRules?.[0]?.SecurityGroupRuleId;
    if (!id) throw new Error(`AuthorizeSecurityGroupIngress on ${str(inputs, "securityGroupId")} returned no rule id`);
    return { id, outputs: (await readIngressRule(aws, id, inputs)) ?? {} };
  },
  read: readIngressRule,
  async update(aws, id, olds, news) {
    await updateTags(aws, id, olds, news);
    return (await readIngressRule(aws, id, news)) ?? {};
  },
  async delete(aws, id, state) {
    await aws.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: str(state, "securityGroupId"), SecurityGroupRuleIds: [id] }));
  },
};

async function readVpcEndpoint(aws: AwsClients, id: string): Promise<Props | undefined> {
  const endpoint = await orGone(async () => (await aws.ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints?.[0]);
  if (!endpoint || endpoint.State?.toLowerCase() === "deleted") return undefined;
  const tags = tagsFrom(endpoint.Tags);
  return {
    id,
    arn: arn(aws, endpoint.OwnerId, "vpc-endpoint", id),
    vpcId: endpoint.VpcId,
    serviceName: endpoint.ServiceName,
    vpcEndpointType: endpoint.VpcEndpointType,
    privateDnsEnabled: endpoint.PrivateDnsEnabled ?? false,
    subnetIds: endpoint.SubnetIds ?? [],
    securityGroupIds: (endpoint.Groups ?? []).map((g) => g.GroupId),
    routeTableIds: endpoint.RouteTableIds ?? [],
    networkInterfaceIds: endpoint.NetworkInterfaceIds ?? [],
    dnsEntries: (endpoint.DnsEntries ?? []).map((d) => ({ dnsName: d.DnsName, hostedZoneId: d.HostedZoneId })),
    policy: endpoint.PolicyDocument,
    ownerId: endpoint.OwnerId,
    state: endpoint.State,
    requesterManaged: endpoint.RequesterManaged ?? false,
    tags,
    tagsAll: tags,
  };
}

const difference = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));

export const vpcEndpoint: ResourceType = {
  replaceOn: ["vpcId", "serviceName", "vpcEndpointType", "serviceRegion", "resourceConfigurationArn", "serviceNetworkArn"],
  async create(aws, inputs) {
    const created = await aws.ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: str(inputs, "vpcId"),
        ServiceName: str(inputs, "serviceName"),
        VpcEndpointType: (optStr(inputs, "vpcEndpointType") ?? "Gateway") as "Interface" | "Gateway",
        PrivateDnsEnabled: optBool(inputs, "privateDnsEnabled"),
        SubnetIds: strList(inputs, "subnetIds"),
        SecurityGroupIds: strList(inputs, "securityGroupIds"),
        RouteTableIds: strList(inputs, "routeTableIds"),
        PolicyDocument: optStr(inputs, "policy"),
        TagSpecifications: tagSpec("vpc-endpoint", inputs),
      }),
    );
    const id = created.VpcEndpoint?.VpcEndpointId as string;
    return { id, outputs: (await readVpcEndpoint(aws, id)) ?? {} };
  },
  read: (aws, id) => readVpcEndpoint(aws, id),
  async update(aws, id, olds, news) {
    const list = (p: Props, k: string) => strList(p, k);
    const policy = optStr(news, "policy");
    await aws.ec2.send(
      new ModifyVpcEndpointCommand({
        VpcEndpointId: id,
        ...(news.policy !== olds.policy ? (policy !== undefined ? { PolicyDocument: policy } : { ResetPolicy: true }) : {}),
        AddSubnetIds: difference(list(news, "subnetIds"), list(olds, "subnetIds")),
        RemoveSubnetIds: difference(list(olds, "subnetIds"), list(news, "subnetIds")),
        AddSecurityGroupIds: difference(list(news, "securityGroupIds"), list(olds, "securityGroupIds")),
        RemoveSecurityGroupIds: difference(list(olds, "securityGroupIds"), list(news, "securityGroupIds")),
        AddRouteTableIds: difference(list(news, "routeTableIds"), list(olds, "routeTableIds")),
        RemoveRouteTableIds: difference(list(olds, "routeTableIds"), list(news, "routeTableIds")),
        ...(news.privateDnsEnabled !== olds.privateDnsEnabled ? { PrivateDnsEnabled: optBool(news, "privateDnsEnabled") ?? false } : {}),
      }),
    );
    await updateTags(aws, id, olds, news);
    return (await readVpcEndpoint(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }));
  },
};

/** A route table without routes of its own (routes added by gateway endpoints are AWS's, not the program's). */
async function readRouteTable(aws: AwsClients, id: string): Promise<Props | undefined> {
  const table = await orGone(async () => (await aws.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.[0]);
  if (!table) return undefined;
  const tags = tagsFrom(table.Tags);
  return { id, arn: arn(aws, table.OwnerId, "route-table", id), vpcId: table.VpcId, ownerId: table.OwnerId, tags, tagsAll: tags };
}

export const routeTable: ResourceType = {
  replaceOn: ["vpcId"],
  check(inputs) {
    const routes = inputs.routes;
    return Array.isArray(routes) && routes.length > 0 ? [["routes", "inline routes are not implemented by the stand-in provider (tools/aws-standin/resources/ec2.ts)"]] : [];
  },
  async create(aws, inputs) {
    const created = await aws.ec2.send(new CreateRouteTableCommand({ VpcId: str(inputs, "vpcId"), TagSpecifications: tagSpec("route-table", inputs) }));
    const id = created.RouteTable?.RouteTableId as string;
    return { id, outputs: (await readRouteTable(aws, id)) ?? {} };
  },
  read: (aws, id) => readRouteTable(aws, id),
  async update(aws, id, olds, news) {
    await updateTags(aws, id, olds, news);
    return (await readRouteTable(aws, id)) ?? {};
  },
  async delete(aws, id) {
    await aws.ec2.send(new DeleteRouteTableCommand({ RouteTableId: id }));
  },
};

/** The association's id (rtbassoc-...) is the resource id, as the real provider's. */
export const routeTableAssociation: ResourceType = {
  replaceOn: ["subnetId", "gatewayId", "routeTableId"],
  async create(aws, inputs) {
    const response = await aws.ec2.send(new AssociateRouteTableCommand({ RouteTableId: str(inputs, "routeTableId"), SubnetId: optStr(inputs, "subnetId"), GatewayId: optStr(inputs, "gatewayId") }));
    const id = response.AssociationId as string;
    return { id, outputs: (await this.read(aws, id, inputs)) ?? {} };
  },
  async read(aws, id, state) {
    const tables = await orGone(async () => (await aws.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.route-table-association-id", Values: [id] }] }))).RouteTables);
    const association = tables?.flatMap((t) => t.Associations ?? []).find((a) => a.RouteTableAssociationId === id);
    return association ? { id, routeTableId: association.RouteTableId, subnetId: association.SubnetId ?? state.subnetId, gatewayId: association.GatewayId ?? state.gatewayId } : undefined;
  },
  async delete(aws, id) {
    await aws.ec2.send(new DisassociateRouteTableCommand({ AssociationId: id }));
  },
};
