import { ConsumerConfig, environments, MlConfig, quotasSchema, Quotas, StackConfig } from "../config/schema";
import { sharedRoleName } from "../contract";
import type { IamCatalog } from "./catalog";
import type { DeploymentIntent, EndpointSources, RuleContext, SharedRoleIntent } from "./types";

/** Quotas when no config says otherwise (the schema's defaults). */
export const DEFAULT_QUOTAS: Quotas = quotasSchema.parse(undefined);

/**
 * The intent of a set of stack configs: which environment is granted which versions, which callers each
 * environment admits. Several ML stacks in one directory are merged (their role names differ by prefix).
 */
export function deploymentIntent(configs: readonly StackConfig[]): DeploymentIntent {
  const sharedRoles = new Map<string, SharedRoleIntent>();
  const modelVersionArns = new Set<string>();
  const endpointSources = new Map<string, EndpointSources>();
  let organizationId: string | undefined;
  let consumerGuardrail: boolean | undefined;
  let existingPoliciesPerTarget: Record<string, number> = {};
  for (const config of configs) {
    if (config.stackKind === "ml") {
      organizationId ??= config.organizationId;
      consumerGuardrail ??= config.guardrail.enabled;
      existingPoliciesPerTarget = { ...existingPoliciesPerTarget, ...config.guardrail.existingPoliciesPerTarget };
      config.model.versions.forEach((arn) => modelVersionArns.add(arn));
      for (const environment of environments(config)) {
        const consumer = config.consumers[environment];
        const roleName = sharedRoleName(config.rolePrefix, environment);
        sharedRoles.set(roleName, { environment, roleName, grantedVersionArns: consumer.grantedVersions });
        consumer.grantedVersions.forEach((arn) => modelVersionArns.add(arn));
      }
    } else {
      endpointSources.set(config.environment, { cidrs: config.network.allowedCidrs, securityGroupIds: config.network.allowedSecurityGroupIds });
    }
  }
  return { organizationId, sharedRoles, modelVersionArns, endpointSources, existingPoliciesPerTarget, ...(consumerGuardrail !== undefined ? { consumerGuardrail } : {}) };
}

/** The context the rules check one stack in. */
export function ruleContextFor(config: StackConfig, intent: DeploymentIntent, catalog: IamCatalog): RuleContext {
  return {
    quotas: config.quotas,
    catalog,
    intent,
    ...(config.stackKind === "consumer" ? { environment: (config as ConsumerConfig).environment } : {}),
  };
}

/** The ML config among a set of stack configs (the first, when a directory holds several). */
export function mlConfigOf(configs: readonly StackConfig[]): MlConfig | undefined {
  return configs.find((c): c is MlConfig => c.stackKind === "ml");
}
