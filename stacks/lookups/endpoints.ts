import * as aws from "@pulumi/aws";
import { EndpointFinding, ModelshareEndpointKey } from "../../src/network";
import { singular } from "./notFound";

/** Endpoint states that hold the service's private DNS name (pending ones will); deleted or rejected ones do not. */
const LIVE_STATES = ["pendingAcceptance", "pending", "available"];

export interface EndpointService {
  readonly serviceName: string;
  readonly availabilityZones: readonly string[];
  readonly privateDnsName: string;
}

/**
 * Where an endpoint service is offered and the DNS name it takes over (EC2 DescribeVpcEndpointServices, through
 * aws.ec2.getVpcEndpointService): a service the region does not have fails here, before anything is created.
 */
export async function endpointService(serviceName: string, provider: aws.Provider): Promise<EndpointService> {
  const service = await aws.ec2.getVpcEndpointService({ serviceName }, { provider });
  return { serviceName, availabilityZones: service.availabilityZones, privateDnsName: service.privateDnsName };
}

/**
 * What an existing VPC already has for a service: a live endpoint (DescribeVpcEndpoints filtered by VPC, service
 * and state) and a private hosted zone of this account for the service's name associated with the VPC. A zone
 * owned by another account (a hub's, associated across accounts) is not listed by Route 53 to this account: the
 * endpoint creation then fails with AWS's own conflict error, which the README explains.
 */
export async function endpointFinding(key: ModelshareEndpointKey, vpcId: string, service: EndpointService, provider: aws.Provider): Promise<EndpointFinding> {
  const [endpoint, hostedZone] = await Promise.all([
    singular(async () => {
      const e = await aws.ec2.getVpcEndpoint({ vpcId, serviceName: service.serviceName, filters: [{ name: "vpc-endpoint-state", values: LIVE_STATES }] }, { provider });
      return { id: e.id, privateDnsEnabled: e.privateDnsEnabled };
    }),
    service.privateDnsName === ""
      ? Promise.resolve({ none: true } as const)
      : singular(async () => ({ zoneId: (await aws.route53.getZone({ name: service.privateDnsName, privateZone: true, vpcId }, { provider })).zoneId })),
  ]);
  return { key, serviceName: service.serviceName, privateDnsName: service.privateDnsName, endpoint, hostedZone };
}

/** The AZ of each existing subnet (an endpoint's subnets must be in AZs its service is offered in). */
export async function subnetZones(subnetIds: readonly string[], provider: aws.Provider): Promise<string[]> {
  return Promise.all(subnetIds.map(async (id) => (await aws.ec2.getSubnet({ id }, { provider })).availabilityZone));
}
