/** IPv4 CIDR blocks as numbers: what the schema needs to refuse impossible or dangerous networks. */

export interface Ipv4Cidr {
  /** The network address as an unsigned 32-bit number. */
  readonly network: number;
  readonly prefix: number;
}

const FORM = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`, or returns why it is not a network CIDR. */
export function parseCidr(value: string): Ipv4Cidr | string {
  const match = FORM.exec(value);
  if (!match) return "must be an IPv4 CIDR such as 10.0.0.0/16";
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  const bad = octets.find((o) => o > 255);
  if (bad !== undefined) return `has the octet ${bad}; each of the four octets is 0-255`;
  if (octets.some((o, i) => match[i + 1].length > 1 && match[i + 1].startsWith("0"))) return "has an octet with a leading zero (read as octal by some tools); write it without";
  if (prefix > 32) return `has the prefix /${prefix}; an IPv4 prefix is /0 to /32`;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) {
    const network = address - (address % size);
    return `has host bits set; the network is ${formatAddress(network)}/${prefix} (AWS accepts only the network address)`;
  }
  return { network: address, prefix };
}

export function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** Why a single CIDR is not acceptable, or undefined. /0 in any form is the whole internet. */
export function cidrProblem(value: string): string | undefined {
  if (/^\s*\d{1,3}(\.\d{1,3}){3}\/0+\s*$/.test(value)) return "is the whole internet (a /0 prefix in any form); name the callers' CIDRs";
  const parsed = parseCidr(value);
  return typeof parsed === "string" ? parsed : undefined;
}

/** True when the blocks together cover every IPv4 address (e.g. 0.0.0.0/1 and 128.0.0.0/1). */
export function coversWholeInternet(blocks: readonly Ipv4Cidr[]): boolean {
  const ranges = blocks.map((b) => [b.network, b.network + 2 ** (32 - b.prefix)] as const).sort((a, b) => a[0] - b[0]);
  let reached = 0;
  for (const [start, end] of ranges) {
    if (start > reached) return false;
    reached = Math.max(reached, end);
  }
  return reached >= 2 ** 32;
}
