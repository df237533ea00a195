import { TYPES } from "./documents";
import type { Rule } from "./types";

const INTERFACE_SERVICES = /\.(rekognition|rekognition-fips|sts|ssm)$/;

/** The endpoints answer the standard regional names: private DNS on, in a VPC that resolves it. */
export const endpointPrivateDns: Rule = {
  id: "endpoint-private-dns",
  message: "Rekognition, STS and SSM endpoints are Interface endpoints with private DNS on, in VPCs with DNS support and DNS hostnames on.",
  reason:
    "Without private DNS the SDK's default regional names resolve to public addresses: calls leave the VPC (or time " +
    "out in private subnets) and the shared role's aws:VpceAccount / aws:SourceVpce condition denies them.",
  checkResource(resource) {
    if (resource.type === TYPES.vpcEndpoint) {
      const service = String(resource.inputs.serviceName ?? "");
      if (!INTERFACE_SERVICES.test(service)) return [];
      const details: string[] = [];
      if (resource.inputs.vpcEndpointType !== "Interface") details.push(`${service} endpoint has vpcEndpointType ${JSON.stringify(resource.inputs.vpcEndpointType)}; it must be "Interface"`);
      if (resource.inputs.privateDnsEnabled !== true) details.push(`${service} endpoint has privateDnsEnabled ${JSON.stringify(resource.inputs.privateDnsEnabled)}; it must be true`);
      return details;
    }
    if (resource.type === TYPES.vpc) {
      const details: string[] = [];
      if (resource.inputs.enableDnsSupport === false) details.push("enableDnsSupport is false; private DNS needs it");
      if (resource.inputs.enableDnsHostnames !== true) details.push(`enableDnsHostnames is ${JSON.stringify(resource.inputs.enableDnsHostnames)}; private DNS needs it true`);
      return details;
    }
    return [];
  },
};
