import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../src/policies/document";
import { endpointServiceName, subnetCidrs } from "../src/network";

export interface PrivateRekognitionEndpointArgs {
  readonly region: string;
  /** Existing VPC (with enableDnsSupport and enableDnsHostnames on); when omitted a VPC is created. */
  readonly vpcId?: string;
  /** Subnets of the existing VPC for the endpoints' network interfaces (one per AZ). */
  readonly subnetIds?: readonly string[];
  /** CIDR of a created VPC. @default "10.80.0.0/16" */
  readonly vpcCidr?: string;
  /** AZs of a created VPC's subnets. @default the region's first two AZs */
  readonly availabilityZones?: readonly string[];
  /** Callers admitted on 443. At least one of allowedCidrs / allowedSecurityGroupIds. */
  readonly allowedCidrs: readonly string[];
  readonly allowedSecurityGroupIds: readonly string[];
  /** Use the FIPS Rekognition endpoint. @default false */
  readonly fips?: boolean;
  /** Endpoint policies (built by rekognitionEndpointPolicy / stsEndpointPolicy / ssmEndpointPolicy). */
  readonly rekognitionPolicy: PolicyDocument;
  readonly stsPolicy: PolicyDocument;
  /** Create an SSM endpoint with this policy; omit for none. */
  readonly ssmPolicy?: PolicyDocument;
  readonly tags?: Record<string, string>;
}

/**
 * Interface endpoints for Rekognition and (regional) STS, optionally SSM, with private DNS, in the consumer's
 * VPC, behind a security group that admits only 443 from the configured callers. Private DNS makes the standard
 * regional SDK endpoints resolve to these interfaces, so applications need no endpoint URL.
 */
export class PrivateRekognitionEndpoint extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly rekognitionEndpointId: pulumi.Output<string>;
  readonly stsEndpointId: pulumi.Output<string>;
  readonly ssmEndpointId: pulumi.Output<string> | undefined;
  /** First DNS name of each endpoint, for clients that set endpoint URLs explicitly. */
  readonly dnsNames: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: PrivateRekognitionEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("modelshare:index:PrivateRekognitionEndpoint", name, {}, opts);
    const childOpts = { parent: this };

    let vpcId: pulumi.Input<string>;
    let subnetIds: pulumi.Input<string>[];
    if (args.vpcId !== undefined && args.subnetIds !== undefined) {
      vpcId = args.vpcId;
      subnetIds = [...args.subnetIds];
    } else {
      const vpcCidr = args.vpcCidr ?? "10.80.0.0/16";
      // Private DNS on the endpoints needs both DNS attributes.
      const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock: vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: { ...args.tags, Name: `${name}-vpc` } },
        childOpts,
      );
      const zones = args.availabilityZones ?? [`${args.region}a`, `${args.region}b`];
      const cidrs = subnetCidrs(vpcCidr, zones.length);
      subnetIds = zones.map(
        (zone, i) =>
          new aws.ec2.Subnet(
            `${name}-private-${zone}`,
            { vpcId: vpc.id, cidrBlock: cidrs[i], availabilityZone: zone, mapPublicIpOnLaunch: false, tags: { ...args.tags, Name: `${name}-private-${zone}` } },
            childOpts,
          ).id,
      );
      vpcId = vpc.id;
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

    const endpoint = (service: "rekognition" | "rekognition-fips" | "sts" | "ssm", policy: PolicyDocument) =>
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId,
          serviceName: endpointServiceName(args.region, service),
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds,
          securityGroupIds: [securityGroup.id],
          policy: toJson(policy),
          tags: { ...args.tags, Name: `${name}-${service}` },
        },
        childOpts,
      );
    const rekognition = endpoint(args.fips ? "rekognition-fips" : "rekognition", args.rekognitionPolicy);
    const sts = endpoint("sts", args.stsPolicy);
    const ssm = args.ssmPolicy !== undefined ? endpoint("ssm", args.ssmPolicy) : undefined;

    const firstDnsName = (e: aws.ec2.VpcEndpoint) => e.dnsEntries.apply((entries) => entries[0]?.dnsName ?? "");
    this.vpcId = pulumi.output(vpcId);
    this.securityGroupId = securityGroup.id;
    this.rekognitionEndpointId = rekognition.id;
    this.stsEndpointId = sts.id;
    this.ssmEndpointId = ssm?.id;
    this.dnsNames = pulumi
      .all({ rekognition: firstDnsName(rekognition), sts: firstDnsName(sts), ...(ssm ? { ssm: firstDnsName(ssm) } : {}) })
      .apply((names) => names as Record<string, string>);
    this.registerOutputs({
      vpcId: this.vpcId,
      securityGroupId: this.securityGroupId,
      rekognitionEndpointId: this.rekognitionEndpointId,
      stsEndpointId: this.stsEndpointId,
      ssmEndpointId: this.ssmEndpointId,
      dnsNames: this.dnsNames,
    });
  }
}
