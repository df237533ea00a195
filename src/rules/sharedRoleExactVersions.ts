import { parseProjectVersionArn } from "../arn";
import { documentsOf, listOf, statementsOf, TYPES, CheckedResource } from "./documents";
import type { Rule, RuleContext } from "./types";

const REKOGNITION_ENDPOINT_SERVICE = /\.rekognition(-fips)?$/;

/** The versions the config grants to the subject of this document, or undefined when the intent is not known. */
function grantedFor(resource: CheckedResource, context: RuleContext): { granted: readonly string[]; environment: string } | undefined {
  const intent = context.intent;
  if (!intent) return undefined;
  if (resource.type === TYPES.rolePolicy && typeof resource.inputs.role === "string") {
    const role = intent.sharedRoles.get(resource.inputs.role);
    if (role) return { granted: role.grantedVersionArns, environment: role.environment };
  }
  if (resource.type === TYPES.vpcEndpoint && context.environment !== undefined) {
    // A copy environment's endpoint admits its own copies (sharing: copy), not the ML account's versions.
    const copies = intent.copiedVersions?.get(context.environment);
    if (copies !== undefined) return { granted: copies, environment: `${context.environment} (its own copies, modelshare:copy.versions)` };
    const role = [...intent.sharedRoles.values()].find((r) => r.environment === context.environment);
    if (role) return { granted: role.grantedVersionArns, environment: role.environment };
  }
  // The subject is unknown (e.g. the role name is not known yet during preview): every version granted to anyone.
  const everyGrant = [...[...intent.sharedRoles.values()].flatMap((r) => r.grantedVersionArns), ...[...(intent.copiedVersions?.values() ?? [])].flat()];
  return { granted: everyGrant, environment: "any environment" };
}

function appliesTo(resource: CheckedResource, context: RuleContext): boolean {
  if (resource.type === TYPES.rolePolicy) {
    return resource.parentType === TYPES.sharedModelRole || (typeof resource.inputs.role === "string" && context.intent?.sharedRoles.has(resource.inputs.role) === true);
  }
  return resource.type === TYPES.vpcEndpoint && typeof resource.inputs.serviceName === "string" && REKOGNITION_ENDPOINT_SERVICE.test(resource.inputs.serviceName);
}

/**
 * Shared-role permissions (and the consumer's Rekognition endpoint policy, which must admit the same calls) allow
 * Rekognition only on exact model-version ARNs, and only on the versions the config grants to that environment.
 */
export const sharedRoleExactVersions: Rule = {
  id: "shared-role-exact-versions",
  message: "Shared-role and Rekognition endpoint policies allow Rekognition only on exact version ARNs granted to that environment.",
  reason:
    "A pattern such as project/NAME/* also matches every version trained later, so a new model would be callable " +
    "by every environment before anyone promoted it; a version not granted by config is an unreviewed grant.",
  checkResource(resource, context) {
    if (!appliesTo(resource, context)) return [];
    const intent = grantedFor(resource, context);
    const details: string[] = [];
    for (const parsed of documentsOf(resource)) {
      for (const [index, statement] of statementsOf(parsed.document ?? {}).entries()) {
        if (statement.Effect !== "Allow") continue;
        const actions = listOf(statement.Action);
        if (!actions.some((a) => a === "*" || a.toLowerCase().startsWith("rekognition:"))) continue;
        const where = `${parsed.field} statement ${statement.Sid ?? `#${index + 1}`}`;
        if (statement.NotResource !== undefined) details.push(`${where} uses NotResource, which allows every other version`);
        for (const arn of listOf(statement.Resource)) {
          if (/[*?]/.test(arn)) {
            details.push(`${where} allows the pattern ${arn}, which matches every version, including future ones; name exact version ARNs`);
            continue;
          }
          const version = parseProjectVersionArn(arn);
          if (typeof version === "string") {
            details.push(`${where} allows ${arn}, which ${version}`);
          } else if (intent && !intent.granted.includes(arn)) {
            details.push(`${where} allows ${arn}, which the config does not grant to ${intent.environment} (modelshare:consumers.<env>.grantedVersions)`);
          }
        }
      }
    }
    return details;
  },
};
