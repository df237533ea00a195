import { ConsumerConfig, environments, MlConfig, quotasSchema, Quotas, StackConfig } from "../config/schema";
import { sharedRoleName } from "../contract";
import type { IamCatalog } from "./catalog";
import type { DeploymentIntent, DetectiveIntent, EndpointSources, RuleContext, SharedRoleIntent } from "./types";
import { planMl } from "../plan";

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
  const copiedVersions = new Map<string, readonly string[]>();
  let organizationId: string | undefined;
  let consumerGuardrail: boolean | undefined;
  let existingPoliciesPerTarget: Record<string, number> = {};
  let detective: DetectiveIntent | undefined;
  for (const config of configs) {
    if (config.stackKind === "ml") {
      detective ??= detectiveIntent(config);
      organizationId ??= config.organizationId;
      consumerGuardrail ??= config.guardrail.enabled;
      existingPoliciesPerTarget = { ...existingPoliciesPerTarget, ...config.guardrail.existingPoliciesPerTarget };
      config.model.versions.forEach((arn) => modelVersionArns.add(arn));
      for (const environment of environments(config)) {
        const consumer = config.consumers[environment];
        consumer.grantedVersions.forEach((arn) => modelVersionArns.add(arn));
        // A copy environment has no shared role (it calls its own copy).
        if (consumer.sharing === "copy") continue;
        const roleName = sharedRoleName(config.rolePrefix, environment);
        sharedRoles.set(roleName, { environment, roleName, grantedVersionArns: consumer.grantedVersions });
      }
    } else {
      endpointSources.set(config.environment, { cidrs: config.network.allowedCidrs, securityGroupIds: config.network.allowedSecurityGroupIds });
      if (config.copy !== undefined) copiedVersions.set(config.environment, config.copy.versions.map((v) => v.copy));
    }
  }
  return {
    organizationId,
    sharedRoles,
    modelVersionArns,
    endpointSources,
    copiedVersions,
    existingPoliciesPerTarget,
    ...(consumerGuardrail !== undefined ? { consumerGuardrail } : {}),
    ...(detective !== undefined ? { detective } : {}),
  };
}

/** What the ML config's detective settings ask for, from its plan (undefined when none is on). */
function detectiveIntent(config: MlConfig): DetectiveIntent | undefined {
  const plan = planMl(config).detective;
  if (!plan.analyzer && !plan.alarms && !plan.configRule && !plan.unusedAccess) return undefined;
  const granted = [...new Set(Object.values(config.consumers).flatMap((c) => c.grantedVersions))].sort();
  return {
    guardrail: config.guardrail.enabled,
    ...(plan.analyzer ? { intendedAccess: plan.analyzer.intendedAccess } : {}),
    ...(plan.alarms ? { alarms: { snsTopicArn: plan.alarms.snsTopicArn, rolePrefix: config.rolePrefix, grantedVersionArns: granted } } : {}),
  };
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
