import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";
import { awsServiceName, endpointServiceName, ModelshareEndpointKey, subnetCidrs } from "../src/network";

export interface PrivateRekognitionEndpointArgs {
  /** Region of the endpoints (the model's region): names the endpoint services. */
  readonly region: string;
  /** Existing VPC (with enableDnsSupport and enableDnsHostnames on); when omitted a VPC is created. */
  readonly vpcId?: string;
  /** Subnets of the existing VPC for the endpoints' network interfaces (one per AZ). */
  readonly subnetIds?: readonly string[];
  /** CIDR of a created VPC. @default "10.80.0.0/16" */
  readonly vpcCidr?: string;
  /** AZs of a created VPC's subnets, chosen where every endpoint service is offered (chooseAvailabilityZones). */
  readonly availabilityZones?: readonly string[];
  /** Callers admitted on 443. At least one of allowedCidrs / allowedSecurityGroupIds. */
  readonly allowedCidrs: readonly string[];
  /** Security groups admitted on 443 (their members' traffic). May be empty when allowedCidrs is not. */
  readonly allowedSecurityGroupIds: readonly string[];
  /** Use the FIPS Rekognition endpoint. @default false */
  readonly fips?: boolean;
  /** Endpoint policies (built by rekognitionEndpointPolicy / stsEndpointPolicy / ssmEndpointPolicy). */
  readonly rekognitionPolicy: PolicyDocument;
  /**
   * The regional STS endpoint's policy (built by stsEndpointPolicy): only AssumeRole on the shared role. Omit for no
   * STS endpoint (a copy environment calls its own copy with its own credentials: no AssumeRole).
   */
  readonly stsPolicy?: PolicyDocument;
  /** Create an SSM endpoint with this policy; omit for none. */
  readonly ssmPolicy?: PolicyDocument;
  /**
   * Services an existing endpoint of the VPC serves (modelshare:network.adoptEndpoints): none is created for them,
   * and their policy is not modelshare's. @default none
   */
  readonly adoptedEndpoints?: readonly { readonly key: ModelshareEndpointKey; readonly endpointId?: string }[];
  /**
   * A created VPC only: interface endpoints the application's compute needs without a NAT (ECR, CloudWatch Logs,
   * ...; computeEndpointServices) and the S3 gateway endpoint's policy when image layers must be reachable.
   */
  readonly computeEndpoints?: { readonly interfaceServices: readonly string[]; readonly s3GatewayPolicy?: PolicyDocument };
  /** Tags for every resource the component creates. @default none */
  readonly tags?: Record<string, string>;
}

/**
 * Interface endpoints for Rekognition and (regional) STS, optionally SSM, with private DNS, in the consumer's
 * VPC, behind a security group that admits only 443 from the configured callers. Private DNS makes the standard
 * regional SDK endpoints resolve to these interfaces, so applications need no endpoint URL; it answers only inside
 * this VPC (README, "Reaching the endpoints from another VPC").
 */
export class PrivateRekognitionEndpoint extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** The private subnets the endpoints are in (the configured ones, or those of the created VPC). */
  readonly subnetIds: pulumi.Output<string[]>;
  /** The endpoint serving each service: modelshare's, or the adopted one's id when known. */
  readonly rekognitionEndpointId: pulumi.Output<string> | undefined;
  readonly stsEndpointId: pulumi.Output<string> | undefined;
  readonly ssmEndpointId: pulumi.Output<string> | undefined;
  /** Endpoints created for the application's compute, by service (ecr.api, logs, s3, ...). */
  readonly computeEndpointIds: pulumi.Output<Record<string, string>>;
  /** First DNS name of each endpoint modelshare created, for clients that set endpoint URLs explicitly. */
  readonly dnsNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PrivateRekognitionEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:PrivateRekognitionEndpoint", name, {}, opts);
    const childOpts = { parent: this };

    let vpcId: pulumi.Input<string>;
    let subnetIds: pulumi.Input<string>[];
    let routeTableId: pulumi.Input<string> | undefined;
    if (args.vpcId !== undefined && args.subnetIds !== undefined) {
      vpcId = args.vpcId;
      subnetIds = [...args.subnetIds];
    } else {
      const created = this.createVpc(name, args);
      ({ vpcId, subnetIds } = created);
      routeTableId = created.routeTableId;
    }

    // No egress rule: an interface endpoint only answers connections, and security groups are stateful.
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId, description: "modelshare endpoints: HTTPS from the configured callers only", tags: args.tags },
      childOpts,
    );
    for (const cidr of args.allowedCidrs) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-https-from-${cidr.replace(/[./]/g, "-")}`,
        { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: cidr, description: "HTTPS to the model endpoints" },
        childOpts,
      );
    }
    for (const sourceGroupId of args.allowedSecurityGroupIds) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-https-from-${sourceGroupId}`,
        { securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, referencedSecurityGroupId: sourceGroupId, description: "HTTPS to the model endpoints" },
        childOpts,
      );
    }

    const interfaceEndpoint = (logicalSuffix: string, serviceName: string, policy: PolicyDocument | undefined) =>
      new aws.ec2.VpcEndpoint(
        `${name}-${logicalSuffix}`,
        {
          vpcId,
          serviceName,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds,
          securityGroupIds: [securityGroup.id],
          ...(policy !== undefined ? { policy: toJson(policy) } : {}),
          tags: { ...args.tags, Name: `${name}-${logicalSuffix}` },
        },
        childOpts,
      );

    const adopted = new Map((args.adoptedEndpoints ?? []).map((a) => [a.key, a]));
    const own = (key: ModelshareEndpointKey, service: "rekognition" | "rekognition-fips" | "sts" | "ssm", policy: PolicyDocument): aws.ec2.VpcEndpoint | undefined =>
      adopted.has(key) ? undefined : interfaceEndpoint(service, endpointServiceName(args.region, service), policy);
    const rekognition = own("rekognition", args.fips ? "rekognition-fips" : "rekognition", args.rekognitionPolicy);
    const sts = args.stsPolicy !== undefined ? own("sts", "sts", args.stsPolicy) : undefined;
    const ssm = args.ssmPolicy !== undefined ? own("ssm", "ssm", args.ssmPolicy) : undefined;
    const endpointId = (key: ModelshareEndpointKey, created: aws.ec2.VpcEndpoint | undefined) => {
      const id = created?.id ?? adopted.get(key)?.endpointId;
      return id === undefined ? undefined : pulumi.output(id);
    };

    // The compute's endpoints keep AWS's default policy: they carry the application's own calls (image pulls, log
    // writes) under its own role, and ECR's GetAuthorizationToken takes no resource to narrow to.
    const computeEndpoints: [string, aws.ec2.VpcEndpoint][] = (args.computeEndpoints?.interfaceServices ?? []).map((service) => [
      service,
      interfaceEndpoint(service.replace(/\./g, "-"), awsServiceName(args.region, service), undefined),
    ]);
    const s3GatewayPolicy = args.computeEndpoints?.s3GatewayPolicy;
    if (s3GatewayPolicy !== undefined && routeTableId !== undefined) {
      const s3 = new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        { vpcId, serviceName: awsServiceName(args.region, "s3"), vpcEndpointType: "Gateway", routeTableIds: [routeTableId], policy: toJson(s3GatewayPolicy), tags: { ...args.tags, Name: `${name}-s3` } },
        childOpts,
      );
      computeEndpoints.push(["s3", s3]);
    }

    const firstDnsName = (e: aws.ec2.VpcEndpoint) => e.dnsEntries.apply((entries) => entries[0]?.dnsName ?? "");
    this.vpcId = pulumi.output(vpcId);
    this.securityGroupId = securityGroup.id;
    this.subnetIds = pulumi.output(subnetIds);
    this.rekognitionEndpointId = endpointId("rekognition", rekognition);
    this.stsEndpointId = endpointId("sts", sts);
    this.ssmEndpointId = endpointId("ssm", ssm);
    this.computeEndpointIds = pulumi.all(Object.fromEntries(computeEndpoints.map(([service, e]) => [service, e.id]))).apply((ids) => ids as Record<string, string>);
    const named = { rekognition, sts, ssm };
    this.dnsNames = pulumi
      .all(Object.fromEntries(Object.entries(named).flatMap(([key, e]) => (e ? [[key, firstDnsName(e)]] : []))))
      .apply((names) => names as Record<string, string>);
    this.registerOutputs({
      vpcId: this.vpcId,
      securityGroupId: this.securityGroupId,
      rekognitionEndpointId: this.rekognitionEndpointId,
      stsEndpointId: this.stsEndpointId,
      ssmEndpointId: this.ssmEndpointId,
      computeEndpointIds: this.computeEndpointIds,
      dnsNames: this.dnsNames,
    });
  }

  /** A VPC with one private subnet per AZ and, for the S3 gateway endpoint, a route table of their own. */
  private createVpc(name: string, args: PrivateRekognitionEndpointArgs): { vpcId: pulumi.Input<string>; subnetIds: pulumi.Input<string>[]; routeTableId?: pulumi.Input<string> } {
    const childOpts = { parent: this };
    const vpcCidr = args.vpcCidr ?? "10.80.0.0/16";
    // Private DNS on the endpoints needs both DNS attributes.
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { ...args.tags, Name: `${name}-vpc` } },
      childOpts,
    );
    const zones = args.availabilityZones ?? [`${args.region}a`, `${args.region}b`];
    const cidrs = subnetCidrs(vpcCidr, zones.length);
    const subnets = zones.map(
      (zone, i) =>
        new aws.ec2.Subnet(
          `${name}-private-${zone}`,
          { vpcId: vpc.id, cidrBlock: cidrs[i], availabilityZone: zone, mapPublicIpOnLaunch: false, tags: { ...args.tags, Name: `${name}-private-${zone}` } },
          childOpts,
        ),
    );
    if (args.computeEndpoints?.s3GatewayPolicy === undefined) return { vpcId: vpc.id, subnetIds: subnets.map((s) => s.id) };
    const routeTable = new aws.ec2.RouteTable(`${name}-private`, { vpcId: vpc.id, tags: { ...args.tags, Name: `${name}-private` } }, childOpts);
    subnets.forEach((subnet, i) => new aws.ec2.RouteTableAssociation(`${name}-private-${zones[i]}`, { subnetId: subnet.id, routeTableId: routeTable.id }, childOpts));
    return { vpcId: vpc.id, subnetIds: subnets.map((s) => s.id), routeTableId: routeTable.id };
  }
}
