import { existsSync } from "node:fs";
import * as path from "node:path";
import type {
  Policies,
  PolicyConfigSchema as CrossGuardConfigSchema,
  PolicyProviderResource,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  StackValidationArgs,
} from "@pulumi/policy";
import type { Quotas } from "../src/config/schema";
import { loadStackFiles } from "../src/config/stackFiles";
import { catalogFor, EMPTY_CATALOG, IamCatalog } from "../src/rules/catalog";
import { resourceLabel } from "../src/rules/documents";
import type { CheckedResource } from "../src/rules/documents";
import { packPolicies, stackPolicyName, WAIVERS_LISTED_POLICY, WAIVERS_VALID_POLICY, WAIVERS_VALID_SCHEMA } from "../src/rules/enforcement";
import { RULES } from "../src/rules";
import { DEFAULT_QUOTAS, deploymentIntent, mlConfigOf } from "../src/rules/intent";
import type { DeploymentIntent, Finding, Rule, RuleContext } from "../src/rules/types";
import { applyWaivers, isExpired, ResourceRef, StackWaivers, waiverKey, waiverProblems } from "../src/rules/waivers";

/**
 * modelshare's rules (src/rules) as CrossGuard policies, for `pulumi preview --policy-pack policy`. Everything here
 * adapts the engine's view of a resource to the rules' view; the checks, the waivers and the enforcement defaults are
 * the same functions `modelshare synth` runs. Kept apart from index.ts so the tests can call the policies without
 * constructing a PolicyPack (which starts a gRPC server). `npm run build` in policy/ compiles this file and what it
 * imports into policy/dist, which is all the pack needs at run time besides its package.json's dependencies.
 */

/** What the configuration says, read once from the project's Pulumi.<stack>.yaml files. */
export interface PackIntent {
  readonly intent?: DeploymentIntent;
  readonly quotas: Quotas;
  /** Consumer account id -> environment, to tell which environment a resource's provider deploys to. */
  readonly environmentsByAccount: ReadonlyMap<string, string>;
  /** Each stack's waivers (modelshare:waivers), by stack name. */
  readonly waiversByStack: ReadonlyMap<string, StackWaivers>;
  /** Why the intent is missing, if it is. */
  readonly note?: string;
}

export const CONFIG_DIR_VARIABLE = "MODELSHARE_CONFIG_DIR";

/**
 * The pack's own directory (the one holding PulumiPolicy.yaml), from this file's: policy/ when run from source,
 * policy/dist/policy/ when built.
 */
export function packDirectory(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "PulumiPolicy.yaml"))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/**
 * Reads the intent and the waivers from the project's stack files (MODELSHARE_CONFIG_DIR, else the directory above
 * the pack). A pack cannot ask the engine for the other stacks' config, so it reads every stack file; without valid
 * files the rules still run, without the config-dependent parts and without waivers (nothing is waived).
 */
export function loadPackIntent(configDir = process.env[CONFIG_DIR_VARIABLE] ?? path.dirname(packDirectory())): PackIntent {
  try {
    const files = loadStackFiles(configDir);
    const configs = files.map((f) => f.config);
    const environmentsByAccount = new Map<string, string>();
    for (const config of configs) {
      if (config.stackKind === "consumer") environmentsByAccount.set(config.accountId, config.environment);
      else Object.entries(config.consumers).forEach(([environment, consumer]) => environmentsByAccount.set(consumer.accountId, environment));
    }
    const waiversByStack = new Map(files.map((f) => [f.stack, { stack: f.stack, source: path.basename(f.file), waivers: f.config.waivers }]));
    return { intent: deploymentIntent(configs), quotas: mlConfigOf(configs)?.quotas ?? DEFAULT_QUOTAS, environmentsByAccount, waiversByStack };
  } catch (error) {
    return {
      quotas: DEFAULT_QUOTAS,
      environmentsByAccount: new Map(),
      waiversByStack: new Map(),
      note: `no config intent and no waivers (${(error as Error).message.split("\n")[0]}; set ${CONFIG_DIR_VARIABLE} to the directory of the Pulumi.<stack>.yaml files)`,
    };
  }
}

/** The type of a resource's parent, from the parent's URN (`urn:pulumi:stack::project::parent$...$type::name`). */
export function parentTypeFromUrn(urn: string | undefined): string | undefined {
  if (!urn) return undefined;
  const qualifiedType = urn.split("::")[2];
  return qualifiedType?.split("$").pop();
}

/** The stack a URN belongs to (`urn:pulumi:<stack>::...`): the name of its Pulumi.<stack>.yaml. */
export function stackFromUrn(urn: string | undefined): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn ?? "");
  return match?.[1];
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

export function checkedResourceFromArgs(args: Pick<ResourceValidationArgs, "type" | "name" | "props" | "opts" | "urn">): CheckedResource {
  const stack = stackFromUrn(args.urn);
  return { ...(stack ? { stack } : {}), type: args.type, name: args.name, parentType: parentTypeFromUrn(args.opts?.parent), inputs: args.props ?? {} };
}

export function checkedResourceFromStack(resource: Pick<PolicyResource, "type" | "name" | "props" | "parent" | "urn">): CheckedResource {
  const stack = stackFromUrn(resource.urn);
  return { ...(stack ? { stack } : {}), type: resource.type, name: resource.name, parentType: resource.parent?.type, inputs: resource.props ?? {} };
}

/** CrossGuard's config schema for a policy (JSON Schema per property). */
function crossGuardSchema(schema: typeof WAIVERS_VALID_SCHEMA): CrossGuardConfigSchema {
  return { properties: Object.fromEntries(Object.entries(schema.properties).map(([name, p]) => [name, { type: p.type, default: p.default, description: p.description }])) };
}

/**
 * The CrossGuard policies: one resource policy per rule with a resource check (named by the rule id), one stack policy
 * per rule with a stack check (`<id>-stack`), `waivers-valid` (mandatory: a waiver naming an unknown rule or resource,
 * listed twice, without a required expiry, or expired) and `waivers-listed` (advisory: every waiver of the stack and
 * what it waives, so the preview shows them). Rule policies are mandatory by default; the pack config
 * (`--policy-pack-config`) changes any level. A finding is waived only by a valid, unexpired waiver of its own stack.
 */
export function crossGuardPolicies(packIntent: PackIntent = loadPackIntent(), rules: readonly Rule[] = RULES, now: () => Date = () => new Date()): Policies {
  // iam-data is read asynchronously; one catalog grows as resources name new services.
  let catalog: IamCatalog = EMPTY_CATALOG;
  const contextFor = async (resources: readonly CheckedResource[], account: string | undefined): Promise<RuleContext> => {
    catalog = await catalogFor(resources, catalog);
    const environment = account !== undefined ? packIntent.environmentsByAccount.get(account) : undefined;
    return { quotas: packIntent.quotas, catalog, ...(packIntent.intent ? { intent: packIntent.intent } : {}), ...(environment ? { environment } : {}) };
  };
  const note = packIntent.note ? ` (${packIntent.note})` : "";
  const description = (rule: Rule) => `${rule.message} Why: ${rule.reason}${note}`;
  const defaults = new Map(packPolicies(rules).map((p) => [p.name, p.defaultLevel]));
  const ruleIds = rules.map((r) => r.id);

  /** The findings no valid, unexpired waiver of the stack accepts. `resources` are what the waivers may name. */
  const unwaived = (stack: string | undefined, findings: readonly Finding[], resources: readonly ResourceRef[]): readonly Finding[] => {
    const waivers = stack !== undefined ? packIntent.waiversByStack.get(stack) : undefined;
    if (!waivers || findings.length === 0) return findings;
    return applyWaivers(findings, [{ ...waivers, resources }], ruleIds, now()).remaining;
  };
  /** Every rule finding of a whole stack, as synth would report it (for waivers-listed). */
  const stackFindings = async (stack: string, resources: readonly CheckedResource[], account: string | undefined): Promise<Finding[]> => {
    const context = await contextFor(resources, account);
    return rules.flatMap((rule) => [
      ...(rule.checkResource ? resources.flatMap((r) => rule.checkResource!(r, context).map((detail) => ({ ruleId: rule.id, resource: resourceLabel({ ...r, stack }), detail }))) : []),
      ...(rule.checkStack?.({ stack, resources, context }) ?? []).map((v) => ({ ruleId: rule.id, ...v })),
    ]);
  };
  const urnOf = (args: StackValidationArgs, label: string): string | undefined => {
    const name = label.slice(label.indexOf("::") + 2);
    return args.resources.find((r) => r.name === name)?.urn;
  };

  const policies: Policies = [];
  for (const rule of rules) {
    const checkResource = rule.checkResource;
    if (checkResource) {
      policies.push({
        name: rule.id,
        description: description(rule),
        enforcementLevel: defaults.get(rule.id) ?? "mandatory",
        validateResource: async (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
          const resource = checkedResourceFromArgs(args);
          const context = await contextFor([resource], providerAccount(args.provider));
          const findings = checkResource(resource, context).map((detail) => ({ ruleId: rule.id, resource: resourceLabel(resource), detail }));
          for (const finding of unwaived(resource.stack, findings, [resource])) reportViolation(`[${rule.id}] ${finding.detail}`);
        },
      });
    }
    const checkStack = rule.checkStack;
    if (checkStack) {
      const name = stackPolicyName(rule.id);
      policies.push({
        name,
        description: description(rule),
        enforcementLevel: defaults.get(name) ?? "mandatory",
        validateStack: async (args: StackValidationArgs, reportViolation: ReportViolation) => {
          const resources = args.resources.map(checkedResourceFromStack);
          const stack = resources.find((r) => r.stack)?.stack;
          const account = args.resources.map((r) => providerAccount(r.provider)).find((a) => a !== undefined);
          const context = await contextFor(resources, account);
          const findings = checkStack({ stack: stack ?? "this stack", resources, context }).map((v) => ({ ruleId: rule.id, ...v }));
          for (const finding of unwaived(stack, findings, resources)) {
            reportViolation(`[${rule.id}] ${finding.resource}: ${finding.detail}`, urnOf(args, finding.resource));
          }
        },
      });
    }
  }

  policies.push({
    name: WAIVERS_VALID_POLICY,
    description: `Every waiver (modelshare:waivers) names a rule and exactly one resource of its stack, once, with a reason, and has not expired.${note}`,
    enforcementLevel: defaults.get(WAIVERS_VALID_POLICY) ?? "mandatory",
    configSchema: crossGuardSchema(WAIVERS_VALID_SCHEMA),
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const resources = args.resources.map(checkedResourceFromStack);
      const stack = resources.find((r) => r.stack)?.stack;
      const waivers = stack !== undefined ? packIntent.waiversByStack.get(stack) : undefined;
      if (!waivers) return;
      const requireExpiry = args.getConfig<{ requireExpiry?: boolean }>().requireExpiry ?? false;
      for (const problem of waiverProblems(waivers, resources, { ruleIds, requireExpiry })) {
        reportViolation(`[${WAIVERS_VALID_POLICY}] ${waivers.source} ${problem.key}${problem.value !== undefined ? ` = ${JSON.stringify(problem.value)}` : ""}: ${problem.message}`);
      }
      waivers.waivers.forEach((waiver, index) => {
        if (isExpired(waiver, now())) {
          reportViolation(`[${WAIVERS_VALID_POLICY}] ${waivers.source} ${waiverKey(index)}: waiver of ${waiver.rule} on ${waiver.resource} expired after ${waiver.expires}; its findings count again`);
        }
      });
    },
  });

  policies.push({
    name: WAIVERS_LISTED_POLICY,
    description: `Lists every waiver of the stack with its reason and what it waives (advisory: a record in the preview, not a failure).${note}`,
    enforcementLevel: defaults.get(WAIVERS_LISTED_POLICY) ?? "advisory",
    validateStack: async (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const resources = args.resources.map(checkedResourceFromStack);
      const stack = resources.find((r) => r.stack)?.stack;
      const waivers = stack !== undefined ? packIntent.waiversByStack.get(stack) : undefined;
      if (!waivers || stack === undefined || waivers.waivers.length === 0) return;
      const account = args.resources.map((r) => providerAccount(r.provider)).find((a) => a !== undefined);
      const { waived, outcomes } = applyWaivers(await stackFindings(stack, resources, account), [{ ...waivers, resources }], ruleIds, now());
      for (const outcome of outcomes) {
        const accepted = waived.filter((w) => w.waiver.key === outcome.key);
        const what = accepted.length > 0 ? `: ${accepted.map((w) => w.detail).join("; ")}` : "";
        reportViolation(
          `[${WAIVERS_LISTED_POLICY}] ${outcome.source} ${outcome.key} (${outcome.status}): ${outcome.rule} on ${outcome.resource}${outcome.expires ? ` until ${outcome.expires}` : ""}, ` +
            `${outcome.findings} finding${outcome.findings === 1 ? "" : "s"} waived${what}. Reason: ${outcome.reason}`,
          accepted[0] ? urnOf(args, accepted[0].resource) : undefined,
        );
      }
    },
  });
  return policies;
}
