import { TYPES, CheckedResource } from "./documents";
import type { EndpointSources, Rule, RuleContext } from "./types";

interface IngressView {
  readonly label: string;
  readonly protocol: unknown;
  readonly fromPort: unknown;
  readonly toPort: unknown;
  readonly cidrs: readonly string[];
  readonly securityGroups: readonly string[];
  /** Sources modelshare never configures (IPv6, prefix lists, self). */
  readonly otherSources: readonly string[];
}

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Every ingress permission a resource opens, whichever of the three AWS shapes it uses. */
function ingressOf(resource: CheckedResource): IngressView[] {
  const i = resource.inputs;
  if (resource.type === TYPES.ingressRule) {
    return [{
      label: "ingress rule",
      protocol: i.ipProtocol,
      fromPort: i.fromPort,
      toPort: i.toPort,
      cidrs: strings(i.cidrIpv4),
      securityGroups: strings(i.referencedSecurityGroupId),
      otherSources: [...strings(i.cidrIpv6), ...strings(i.prefixListId)],
    }];
  }
  if (resource.type === TYPES.legacySecurityGroupRule && i.type === "ingress") {
    return [{
      label: "ingress rule",
      protocol: i.protocol,
      fromPort: i.fromPort,
      toPort: i.toPort,
      cidrs: strings(i.cidrBlocks),
      securityGroups: strings(i.sourceSecurityGroupId),
      otherSources: [...strings(i.ipv6CidrBlocks), ...strings(i.prefixListIds), ...(i.self === true ? ["self"] : [])],
    }];
  }
  if (resource.type === TYPES.securityGroup && Array.isArray(i.ingress)) {
    return (i.ingress as Record<string, unknown>[]).map((rule, index) => ({
      label: `inline ingress #${index + 1}`,
      protocol: rule.protocol,
      fromPort: rule.fromPort,
      toPort: rule.toPort,
      cidrs: strings(rule.cidrBlocks),
      securityGroups: strings(rule.securityGroups),
      otherSources: [...strings(rule.ipv6CidrBlocks), ...strings(rule.prefixListIds), ...(rule.self === true ? ["self"] : [])],
    }));
  }
  return [];
}

/** The configured callers of this stack's endpoints; every consumer's when the stack is not known. */
function allowedSources(context: RuleContext): EndpointSources | undefined {
  const intent = context.intent;
  if (!intent) return undefined;
  if (context.environment !== undefined) return intent.endpointSources.get(context.environment) ?? { cidrs: [], securityGroupIds: [] };
  const all = [...intent.endpointSources.values()];
  return all.length === 0 ? undefined : { cidrs: all.flatMap((s) => s.cidrs), securityGroupIds: all.flatMap((s) => s.securityGroupIds) };
}

const SMOKE_TEST_FUNCTION_TYPE = "modelshare:index:SmokeTestFunction";

/** The endpoints' security group admits HTTPS only, and only from the callers the config names. */
export const endpointHttpsOnly: Rule = {
  id: "endpoint-https-from-configured-sources",
  message: "Endpoint security groups admit only TCP 443, only from modelshare:network.allowedCidrs and allowedSecurityGroupIds.",
  reason:
    "The interface endpoints serve only HTTPS; any other port or source widens who can reach the shared model's " +
    "path inside the VPC beyond the callers the consumer declared.",
  checkResource(resource, context) {
    const allowed = allowedSources(context);
    const details: string[] = [];
    for (const rule of ingressOf(resource)) {
      const protocol = String(rule.protocol).toLowerCase();
      if (protocol !== "tcp" && protocol !== "6") details.push(`${rule.label} opens protocol ${JSON.stringify(rule.protocol)}; only tcp is allowed`);
      if (Number(rule.fromPort) !== 443 || Number(rule.toPort) !== 443) details.push(`${rule.label} opens ports ${String(rule.fromPort)}-${String(rule.toPort)}; only 443 is allowed`);
      for (const other of rule.otherSources) details.push(`${rule.label} admits ${other}, which modelshare never configures`);
      for (const cidr of rule.cidrs) {
        if (cidr === "0.0.0.0/0") details.push(`${rule.label} admits 0.0.0.0/0 (the whole internet)`);
        else if (allowed && !allowed.cidrs.includes(cidr)) details.push(`${rule.label} admits ${cidr}, which is not in modelshare:network.allowedCidrs (${allowed.cidrs.join(", ") || "none"})`);
      }
      for (const group of rule.securityGroups) {
        // The smoke-test function's own rule admits the function's group, created next to it in the same component.
        if (resource.parentType === SMOKE_TEST_FUNCTION_TYPE && resource.type === TYPES.ingressRule) continue;
        if (allowed && !allowed.securityGroupIds.includes(group)) details.push(`${rule.label} admits ${group}, which is not in modelshare:network.allowedSecurityGroupIds (${allowed.securityGroupIds.join(", ") || "none"})`);
      }
      if (rule.cidrs.length + rule.securityGroups.length + rule.otherSources.length === 0) details.push(`${rule.label} names no source`);
    }
    return details;
  },
};
