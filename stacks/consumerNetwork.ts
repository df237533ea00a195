import * as aws from "@pulumi/aws";
import { ConfigError, ConfigProblem } from "../src/config/problems";
import { ConsumerConfig, NAMESPACE } from "../src/config/schema";
import {
  awsServiceName,
  chooseAvailabilityZones,
  computeEndpointServices,
  decideEndpoints,
  endpointServiceName,
  ModelshareEndpointKey,
  OfferedZones,
} from "../src/network";
import { PolicyDocument } from "../src/policies/document";
import { ecrLayerBucketEndpointPolicy } from "../src/policies/network";
import { EndpointService, endpointFinding, endpointService, subnetZones } from "./lookups/endpoints";

/** What the consumer's network needs besides the config: decided from AWS's answers, before anything is created. */
export interface NetworkPlan {
  /** A created VPC's AZs. */
  readonly availabilityZones?: readonly string[];
  readonly adoptedEndpoints: readonly { readonly key: ModelshareEndpointKey; readonly endpointId?: string }[];
  readonly computeEndpoints?: { readonly interfaceServices: readonly string[]; readonly s3GatewayPolicy?: PolicyDocument };
}

function ownServices(config: ConsumerConfig): { key: ModelshareEndpointKey; serviceName: string }[] {
  const region = config.region;
  return [
    { key: "rekognition", serviceName: endpointServiceName(region, config.network.fips ? "rekognition-fips" : "rekognition") },
    // A copy environment calls its own copy with its own credentials: no AssumeRole, no STS endpoint.
    ...(config.copy === undefined ? [{ key: "sts" as const, serviceName: endpointServiceName(region, "sts") }] : []),
    ...(config.network.ssmEndpoint ? [{ key: "ssm" as const, serviceName: endpointServiceName(region, "ssm") }] : []),
  ];
}

/**
 * Looks the network up through the consumer account's provider and decides it: an existing VPC's DNS attributes,
 * endpoints, private hosted zones and subnet AZs; a created VPC's AZs where every endpoint service is offered.
 * Every problem is reported at once, naming the key, before any resource other than the provider is registered.
 */
export async function planNetwork(config: ConsumerConfig, sharedRoleArn: string, provider: aws.Provider): Promise<NetworkPlan> {
  const n = config.network;
  const key = (path: string) => `${NAMESPACE}:${path}`;
  const own = ownServices(config);
  const compute = n.vpcId === undefined && (n.computeEndpoints ?? true) ? computeEndpointServices(config.application.trustedServices) : undefined;
  const interfaceNames = [...own.map((s) => s.serviceName), ...(compute?.interfaceServices ?? []).map((s) => awsServiceName(config.region, s))];
  const services = new Map<string, EndpointService>((await Promise.all(interfaceNames.map((name) => endpointService(name, provider)))).map((s) => [s.serviceName, s]));
  const problems: ConfigProblem[] = [];
  const computeEndpoints = compute && { interfaceServices: compute.interfaceServices, ...(compute.s3Gateway ? { s3GatewayPolicy: ecrLayerBucketEndpointPolicy(config.partition, config.region) } : {}) };

  if (n.vpcId === undefined) {
    const offered: OfferedZones = new Map([...services].map(([name, s]) => [name, s.availabilityZones]));
    const chosen = chooseAvailabilityZones(offered, n.availabilityZones);
    problems.push(...chosen.problems.map((p) => ({ ...p, key: key(p.key) })));
    fail(problems, config);
    return { availabilityZones: chosen.zones, adoptedEndpoints: [], computeEndpoints };
  }

  const vpcId = n.vpcId;
  const [vpc, findings, zones] = await Promise.all([
    aws.ec2.getVpc({ id: vpcId }, { provider }),
    Promise.all(own.map((s) => endpointFinding(s.key, vpcId, services.get(s.serviceName)!, provider))),
    subnetZones(n.subnetIds ?? [], provider),
  ]);
  // Private DNS on the endpoints fails (or silently resolves nothing) without both DNS attributes.
  const missing = [vpc.enableDnsSupport ? undefined : "enableDnsSupport", vpc.enableDnsHostnames ? undefined : "enableDnsHostnames"].filter((a) => a !== undefined);
  if (missing.length > 0) {
    problems.push({ key: key("network.vpcId"), value: vpcId, message: `has ${missing.join(" and ")} off; private DNS on the endpoints needs both on (or omit network.vpcId to let modelshare create a VPC)` });
  }
  const decision = decideEndpoints(vpcId, findings, n.adoptEndpoints, sharedRoleArn);
  problems.push(...decision.problems);
  for (const created of own.filter((s) => decision.create.includes(s.key))) {
    const offered = services.get(created.serviceName)!.availabilityZones;
    zones.forEach((zone, i) => {
      if (!offered.includes(zone)) {
        problems.push({ key: key(`network.subnetIds[${i}]`), value: n.subnetIds![i], message: `is in ${zone}, where ${created.serviceName} is not offered (offered in ${offered.join(", ")})` });
      }
    });
  }
  fail(problems, config);
  return { adoptedEndpoints: decision.adopted };
}

function fail(problems: readonly ConfigProblem[], config: ConsumerConfig): void {
  if (problems.length > 0) throw new ConfigError(problems, `the ${config.environment} stack's config (checked against its AWS account)`);
}
