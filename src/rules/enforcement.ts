import { ConfigError, ConfigProblem } from "../config/problems";
import type { Rule } from "./types";

/**
 * Enforcement levels as CrossGuard has them, and its policy pack config (`pulumi preview --policy-pack policy
 * --policy-pack-config file.json`), read the same way for `modelshare synth --policy-pack-config file.json`, so one
 * file sets what blocks in both. Format (Pulumi CLI, pkg/resource/analyzer/config.go): an object whose keys are
 * policy names or "all"; each value an enforcement level, or an object with `enforcementLevel` and the policy's
 * properties. "all" applies first, then each policy's own entry. Pure.
 */

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];

/** The pack's policy that fails on waivers naming an unknown rule or resource, listed twice, or expired. */
export const WAIVERS_VALID_POLICY = "waivers-valid";
/** The pack's advisory policy that lists every waiver of the stack and what it waives. */
export const WAIVERS_LISTED_POLICY = "waivers-listed";

/** The policy reporting a rule's stack-level findings (CrossGuard needs distinct names; resource checks use the id). */
export const stackPolicyName = (ruleId: string): string => `${ruleId}-stack`;

/** A policy's configurable properties, as a CrossGuard config schema (JSON Schema per property). */
export interface PolicyConfigSchema {
  readonly properties: Readonly<Record<string, { readonly type: "boolean"; readonly default: boolean; readonly description: string }>>;
}

export const WAIVERS_VALID_SCHEMA: PolicyConfigSchema = {
  properties: {
    requireExpiry: { type: "boolean", default: false, description: "Every waiver must name the last day it applies (expires)." },
  },
};

/** Every policy the pack serves, with its default level and config schema: rule policies are mandatory. */
export function packPolicies(rules: readonly Rule[]): { readonly name: string; readonly defaultLevel: EnforcementLevel; readonly schema?: PolicyConfigSchema }[] {
  return [
    ...rules.flatMap((rule) => [
      ...(rule.checkResource ? [{ name: rule.id, defaultLevel: "mandatory" as const }] : []),
      ...(rule.checkStack ? [{ name: stackPolicyName(rule.id), defaultLevel: "mandatory" as const }] : []),
    ]),
    { name: WAIVERS_VALID_POLICY, defaultLevel: "mandatory", schema: WAIVERS_VALID_SCHEMA },
    { name: WAIVERS_LISTED_POLICY, defaultLevel: "advisory" },
  ];
}

export interface PolicyPackConfig {
  /** Enforcement levels set for "all" and for single policies. */
  readonly levels: ReadonlyMap<string, EnforcementLevel>;
  /** Policy properties by policy name. */
  readonly properties: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

export const NO_PACK_CONFIG: PolicyPackConfig = { levels: new Map(), properties: new Map() };

const isLevel = (value: unknown): value is EnforcementLevel => typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);

/**
 * Reads a policy pack config as the Pulumi CLI does, and also refuses what the CLI lets through silently: a policy
 * name the pack does not have (a typo would otherwise leave that policy at its default) and properties outside the
 * policy's schema. Throws a ConfigError with every problem, each naming the policy.
 */
export function parsePolicyPackConfig(value: unknown, rules: readonly Rule[], source: string): PolicyPackConfig {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError([{ key: "(file)", value, message: 'must be a JSON object: {"<policy name>" or "all": "<level>" or {"enforcementLevel": "<level>", ...}}' }], source);
  }
  const policies = new Map(packPolicies(rules).map((p) => [p.name, p]));
  const allowedLevels = ENFORCEMENT_LEVELS.join(", ");
  const problems: ConfigProblem[] = [];
  const levels = new Map<string, EnforcementLevel>();
  const properties = new Map<string, Record<string, unknown>>();
  for (const [name, entry] of Object.entries(value)) {
    if (name !== "all" && !policies.has(name)) {
      problems.push({ key: name, message: `is not a policy of the pack; the policies are: all, ${[...policies.keys()].join(", ")}` });
      continue;
    }
    if (typeof entry === "string") {
      if (isLevel(entry)) levels.set(name, entry);
      else problems.push({ key: name, value: entry, message: `is not an enforcement level; use one of ${allowedLevels}` });
      continue;
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      problems.push({ key: name, value: entry, message: "must be an enforcement level or an object with enforcementLevel and the policy's properties" });
      continue;
    }
    const { enforcementLevel, ...rest } = entry as Record<string, unknown>;
    if (enforcementLevel !== undefined) {
      if (isLevel(enforcementLevel)) levels.set(name, enforcementLevel);
      else problems.push({ key: `${name}.enforcementLevel`, value: enforcementLevel, message: `is not an enforcement level; use one of ${allowedLevels}` });
    }
    const schema = policies.get(name)?.schema?.properties ?? {};
    for (const [property, setting] of Object.entries(rest)) {
      const expected = schema[property];
      if (expected === undefined) {
        const known = Object.keys(schema);
        problems.push({ key: `${name}.${property}`, message: `is not a property of ${name}${known.length > 0 ? `; it has: ${known.join(", ")}` : " (it has none besides enforcementLevel)"}` });
      } else if (typeof setting !== expected.type) {
        problems.push({ key: `${name}.${property}`, value: setting, message: `must be a ${expected.type}` });
      }
    }
    if (Object.keys(rest).length > 0) properties.set(name, rest);
  }
  if (problems.length > 0) throw new ConfigError(problems, source);
  return { levels, properties };
}

/** A policy's level: its own entry, else "all", else its default. Remediate means mandatory for a check. */
export function levelOf(policyName: string, config: PolicyPackConfig, defaultLevel: EnforcementLevel = "mandatory"): EnforcementLevel {
  const level = config.levels.get(policyName) ?? config.levels.get("all") ?? defaultLevel;
  return level === "remediate" ? "mandatory" : level;
}

/** A boolean property of a policy: the config's value, else the schema's default. */
export function booleanProperty(policyName: string, property: string, config: PolicyPackConfig, schema: PolicyConfigSchema): boolean {
  const value = config.properties.get(policyName)?.[property];
  return typeof value === "boolean" ? value : (schema.properties[property]?.default ?? false);
}
