import * as path from "node:path";
import type { Policies, PolicyProviderResource, PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import type { Quotas } from "../src/config/schema";
import { catalogFor, EMPTY_CATALOG, IamCatalog } from "../src/rules/catalog";
import type { CheckedResource } from "../src/rules/documents";
import { RULES } from "../src/rules";
import { DEFAULT_QUOTAS, deploymentIntent, mlConfigOf } from "../src/rules/intent";
import type { DeploymentIntent, Rule, RuleContext } from "../src/rules/types";
import { loadStackFiles } from "../src/synth/run";

/**
 * modelshare's rules (src/rules) as CrossGuard policies, for `pulumi preview --policy-pack policy`. Everything
 * here adapts the engine's view of a resource to the rules' view; the checks themselves are the same functions
 * `modelshare synth` runs. Kept apart from index.ts so the tests can call the policies without constructing a
 * PolicyPack (which starts a gRPC server).
 */

/** What the configuration says, read once from the project's Pulumi.<stack>.yaml files. */
export interface PackIntent {
  readonly intent?: DeploymentIntent;
  readonly quotas: Quotas;
  /** Consumer account id -> environment, to tell which environment a resource's provider deploys to. */
  readonly environmentsByAccount: ReadonlyMap<string, string>;
  /** Why the intent is missing, if it is. */
  readonly note?: string;
}

export const CONFIG_DIR_VARIABLE = "MODELSHARE_CONFIG_DIR";

/**
 * Reads the intent from the project's stack files (MODELSHARE_CONFIG_DIR, else the directory above policy/).
 * A pack cannot ask the engine which stack it checks, so it reads every stack file; without valid files the
 * rules still run, without the config-dependent parts.
 */
export function loadPackIntent(configDir = process.env[CONFIG_DIR_VARIABLE] ?? path.resolve(__dirname, "..")): PackIntent {
  try {
    const configs = loadStackFiles(configDir).map((f) => f.config);
    const environmentsByAccount = new Map<string, string>();
    for (const config of configs) {
      if (config.stackKind === "consumer") environmentsByAccount.set(config.accountId, config.environment);
      else Object.entries(config.consumers).forEach(([environment, consumer]) => environmentsByAccount.set(consumer.accountId, environment));
    }
    return { intent: deploymentIntent(configs), quotas: mlConfigOf(configs)?.quotas ?? DEFAULT_QUOTAS, environmentsByAccount };
  } catch (error) {
    return { quotas: DEFAULT_QUOTAS, environmentsByAccount: new Map(), note: `no config intent (${(error as Error).message.split("\n")[0]})` };
  }
}

/** The type of a resource's parent, from the parent's URN (`urn:pulumi:stack::project::parent$...$type::name`). */
export function parentTypeFromUrn(urn: string | undefined): string | undefined {
  if (!urn) return undefined;
  const qualifiedType = urn.split("::")[2];
  return qualifiedType?.split("$").pop();
}

/** The account a provider deploys to, from allowedAccountIds (an array, or the JSON text providers receive). */
export function providerAccount(provider: PolicyProviderResource | undefined): string | undefined {
  let allowed: unknown = provider?.props?.allowedAccountIds;
  if (typeof allowed === "string") {
    try {
      allowed = JSON.parse(allowed);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(allowed) && typeof allowed[0] === "string" ? allowed[0] : undefined;
}

export function checkedResourceFromArgs(args: Pick<ResourceValidationArgs, "type" | "name" | "props" | "opts">): CheckedResource {
  return { type: args.type, name: args.name, parentType: parentTypeFromUrn(args.opts?.parent), inputs: args.props ?? {} };
}

export function checkedResourceFromStack(resource: Pick<PolicyResource, "type" | "name" | "props" | "parent">): CheckedResource {
  return { type: resource.type, name: resource.name, parentType: resource.parent?.type, inputs: resource.props ?? {} };
}

/**
 * The CrossGuard policies: one resource policy per rule with a resource check, and one stack policy per rule with
 * a stack check (named `<id>-stack`). Every policy is mandatory: a violation blocks `pulumi up`.
 */
export function crossGuardPolicies(packIntent: PackIntent = loadPackIntent(), rules: readonly Rule[] = RULES): Policies {
  // iam-data is read asynchronously; one catalog grows as resources name new services.
  let catalog: IamCatalog = EMPTY_CATALOG;
  const contextFor = async (resources: readonly CheckedResource[], account: string | undefined): Promise<RuleContext> => {
    catalog = await catalogFor(resources, catalog);
    const environment = account !== undefined ? packIntent.environmentsByAccount.get(account) : undefined;
    return { quotas: packIntent.quotas, catalog, ...(packIntent.intent ? { intent: packIntent.intent } : {}), ...(environment ? { environment } : {}) };
  };
  const description = (rule: Rule) => `${rule.message} Why: ${rule.reason}${packIntent.note ? ` (${packIntent.note})` : ""}`;

  const policies: Policies = [];
  for (const rule of rules) {
    const checkResource = rule.checkResource;
    if (checkResource) {
      policies.push({
        name: rule.id,
        description: description(rule),
        enforcementLevel: "mandatory",
        validateResource: async (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
          const resource = checkedResourceFromArgs(args);
          const context = await contextFor([resource], providerAccount(args.provider));
          for (const detail of checkResource(resource, context)) reportViolation(`[${rule.id}] ${detail}`);
        },
      });
    }
    const checkStack = rule.checkStack;
    if (checkStack) {
      policies.push({
        name: `${rule.id}-stack`,
        description: description(rule),
        enforcementLevel: "mandatory",
        validateStack: async (args: StackValidationArgs, reportViolation: ReportViolation) => {
          const resources = args.resources.map(checkedResourceFromStack);
          const account = args.resources.map((r) => providerAccount(r.provider)).find((a) => a !== undefined);
          const context = await contextFor(resources, account);
          for (const violation of checkStack({ stack: "this stack", resources, context })) {
            const name = violation.resource.split("::").pop();
            const urn = args.resources.find((r) => r.name === name)?.urn;
            reportViolation(`[${rule.id}] ${violation.resource}: ${violation.detail}`, urn);
          }
        },
      });
    }
  }
  return policies;
}
