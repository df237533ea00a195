/** Pure network arithmetic for the VPC modelshare creates when the consumer names none. */

function ipToNumber(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/**
 * Splits a VPC CIDR into `count` equal private subnets, 4 bits smaller than the VPC (16 possible), so room
 * is left for more subnets later. Throws when the VPC is too small.
 */
export function subnetCidrs(vpcCidr: string, count: number): string[] {
  const [ip, prefixText] = vpcCidr.split("/");
  const prefix = Number(prefixText);
  const subnetPrefix = prefix + 4;
  if (subnetPrefix > 28) throw new Error(`network.vpcCidr = "${vpcCidr}" is too small to split into subnets; use /24 or larger`);
  if (count < 1 || count > 16) throw new Error(`cannot make ${count} subnets; between 1 and 16 are possible`);
  const base = ipToNumber(ip) - (ipToNumber(ip) % 2 ** (32 - prefix));
  const size = 2 ** (32 - subnetPrefix);
  return Array.from({ length: count }, (_, i) => `${numberToIp(base + i * size)}/${subnetPrefix}`);
}

/** Interface endpoint service name in a region, e.g. com.amazonaws.us-east-1.rekognition. */
export function endpointServiceName(region: string, service: "rekognition" | "rekognition-fips" | "sts" | "ssm"): string {
  return `com.amazonaws.${region}.${service}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoints: which ones, where, and what an existing VPC already has

/** The services modelshare's own endpoints serve (the Rekognition one is rekognition-fips on FIPS). */
export type ModelshareEndpointKey = "rekognition" | "sts" | "ssm";
export const MODELSHARE_ENDPOINT_KEYS: readonly ModelshareEndpointKey[] = ["rekognition", "sts", "ssm"];

/** Service name of a service in a region, for any AWS service (`ecr.api` -> com.amazonaws.REGION.ecr.api). */
export function awsServiceName(region: string, service: string): string {
  return `com.amazonaws.${region}.${service}`;
}

/**
 * The endpoints an application's compute needs in a VPC without a NAT, by the service principal that runs it:
 * pulling a container image takes ECR's API and registry endpoints and S3 (image layers live in S3; Amazon ECR
 * User Guide, "Amazon ECR interface VPC endpoints (AWS PrivateLink)"), container logs take CloudWatch Logs, and the
 * EKS Pod Identity agent calls eks-auth (Amazon EKS User Guide, "Learn how EKS Pod Identity grants pods access").
 * Lambda pulls images and ships its own logs outside the function's network interfaces; the Logs endpoint is for
 * code that calls CloudWatch Logs itself.
 */
export function computeEndpointServices(trustedServices: readonly string[]): { readonly interfaceServices: string[]; readonly s3Gateway: boolean } {
  const needs: Record<string, readonly string[]> = {
    "ecs-tasks.amazonaws.com": ["ecr.api", "ecr.dkr", "logs"],
    "ec2.amazonaws.com": ["ecr.api", "ecr.dkr", "logs"],
    "pods.eks.amazonaws.com": ["ecr.api", "ecr.dkr", "logs", "eks-auth"],
    "lambda.amazonaws.com": ["logs"],
  };
  const interfaceServices = [...new Set(trustedServices.flatMap((s) => needs[s] ?? []))].sort();
  return { interfaceServices, s3Gateway: interfaceServices.includes("ecr.dkr") };
}

/** Where each endpoint service is offered (EC2 DescribeVpcEndpointServices' AvailabilityZones). */
export type OfferedZones = ReadonlyMap<string, readonly string[]>;

/** AZs where every service is offered, sorted. */
export function zonesOfferingAll(offered: OfferedZones): string[] {
  const lists = [...offered.values()];
  if (lists.length === 0) return [];
  return lists.reduce((common, zones) => common.filter((z) => zones.includes(z))).slice().sort();
}

/**
 * The AZs of a created VPC: the configured ones, each checked against every endpoint service, or the first two AZs
 * that offer them all (an interface endpoint cannot have a subnet in an AZ its service is not offered in).
 */
export function chooseAvailabilityZones(offered: OfferedZones, configured: readonly string[] | undefined): { zones: string[]; problems: { key: string; value?: unknown; message: string }[] } {
  const common = zonesOfferingAll(offered);
  if (configured !== undefined) {
    const problems = configured.flatMap((zone, i) => {
      const missing = [...offered].filter(([, zones]) => !zones.includes(zone)).map(([service]) => service);
      return missing.length === 0
        ? []
        : [{ key: `network.availabilityZones[${i}]`, value: zone, message: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not offered there; AZs offering every endpoint service: ${common.join(", ") || "none"}` }];
    });
    return { zones: [...configured], problems };
  }
  if (common.length === 0) {
    return { zones: [], problems: [{ key: "network.availabilityZones", message: `no AZ of the region offers every endpoint service (${[...offered.keys()].join(", ")}); name AZs per service is not possible in one VPC: use an existing VPC (network.vpcId)` }] };
  }
  return { zones: common.slice(0, 2), problems: [] };
}

/** Whether a lookup found one, none or several (AWS provider data sources match exactly one or fail). */
export type Existence<T> = { readonly found: T } | { readonly none: true } | { readonly several: true };

export interface ExistingEndpoint {
  readonly id: string;
  readonly privateDnsEnabled: boolean;
}

/** What an existing VPC already has for one of modelshare's services. */
export interface EndpointFinding {
  readonly key: ModelshareEndpointKey;
  readonly serviceName: string;
  /** The service's private DNS name (the standard regional name private DNS takes over). */
  readonly privateDnsName: string;
  readonly endpoint: Existence<ExistingEndpoint>;
  /** A private hosted zone for the service's name associated with the VPC (how a hub VPC shares its endpoint). */
  readonly hostedZone: Existence<{ readonly zoneId: string }>;
}

export interface EndpointDecision {
  /** Services modelshare creates an endpoint for. */
  readonly create: readonly ModelshareEndpointKey[];
  /** Services an existing endpoint serves, with its id when it is in this VPC. */
  readonly adopted: readonly { readonly key: ModelshareEndpointKey; readonly endpointId?: string }[];
  readonly problems: readonly { key: string; value?: unknown; message: string }[];
}

/** What the endpoint's policy must allow when modelshare does not write it. */
function adoptedPolicyNeeds(key: ModelshareEndpointKey, sharedRoleArn: string): string {
  if (key === "rekognition") return `rekognition:DetectCustomLabels by ${sharedRoleArn} on the versions granted to this environment`;
  if (key === "sts") return `sts:AssumeRole on ${sharedRoleArn}`;
  return "ssm:GetParameter(s) on this environment's /modelshare/<env>/ parameters";
}

/**
 * An interface endpoint with private DNS associates a private hosted zone for the service's default name with the VPC
 * (EC2 API, CreateVpcEndpoint, PrivateDnsEnabled), and a VPC cannot be associated with two hosted zones of the same
 * name (Route 53 API, ConflictingDomainExists): where the VPC already has such an endpoint, or such a zone, a second
 * endpoint with private DNS fails, and the existing one's policy already governs every call to that service from the
 * VPC. So each such service is either adopted on purpose or refused with the choices.
 */
export function decideEndpoints(vpcId: string, findings: readonly EndpointFinding[], adopt: readonly ModelshareEndpointKey[], sharedRoleArn: string): EndpointDecision {
  const create: ModelshareEndpointKey[] = [];
  const adopted: { key: ModelshareEndpointKey; endpointId?: string }[] = [];
  const problems: { key: string; value?: unknown; message: string }[] = [];
  for (const finding of findings) {
    const { key, serviceName } = finding;
    const adopting = adopt.includes(key);
    const endpoint = finding.endpoint;
    const zone = "found" in finding.hostedZone ? finding.hostedZone.found : undefined;
    const conflict =
      "several" in endpoint
        ? `already has several endpoints for ${serviceName}`
        : "found" in endpoint && endpoint.found.privateDnsEnabled
          ? `already has endpoint ${endpoint.found.id} for ${serviceName} with private DNS on`
          : zone !== undefined || "several" in finding.hostedZone
            ? `has private hosted zone ${zone?.zoneId ?? "(several)"} (${finding.privateDnsName}) associated, which answers for ${serviceName}`
            : undefined;
    if (!adopting) {
      if (conflict === undefined) create.push(key);
      else {
        problems.push({
          key: "modelshare:network.vpcId",
          value: vpcId,
          message:
            `${conflict}: a second endpoint with private DNS cannot be created, and the existing one's policy governs every ${key} call from this VPC. ` +
            `Choose: add "${key}" to modelshare:network.adoptEndpoints to use it (its policy must then allow ${adoptedPolicyNeeds(key, sharedRoleArn)}), ` +
            "or give modelshare's endpoints a VPC of their own (omit network.vpcId)",
        });
      }
      continue;
    }
    const index = adopt.indexOf(key);
    if ("found" in endpoint && !endpoint.found.privateDnsEnabled) {
      problems.push({ key: `modelshare:network.adoptEndpoints[${index}]`, value: key, message: `endpoint ${endpoint.found.id} has private DNS off: applications would not reach it through the standard name; turn its private DNS on, or remove "${key}" so modelshare creates one` });
    } else if (conflict === undefined) {
      problems.push({ key: `modelshare:network.adoptEndpoints[${index}]`, value: key, message: `nothing to adopt: ${vpcId} has no endpoint with private DNS and no private hosted zone for ${serviceName}; remove "${key}" so modelshare creates one` });
    } else {
      adopted.push({ key, ...("found" in endpoint ? { endpointId: endpoint.found.id } : {}) });
    }
  }
  return { create, adopted, problems };
}
