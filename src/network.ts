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
