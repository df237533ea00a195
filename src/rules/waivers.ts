import type { ConfigProblem } from "../config/problems";
import type { Waiver } from "../config/waivers";
import { parseResourceLabel } from "./documents";
import type { Finding } from "./types";

/**
 * Waivers (modelshare:waivers, src/config/waivers.ts) applied to rule findings, for synth and the CrossGuard pack
 * alike. Pure. A waiver applies only when its rule exists, its resource is exactly one resource of its own stack and
 * it has not expired; anything else applies to nothing (fail closed) and is reported. Only rule findings are ever
 * waived: the access matrix never reaches this code.
 */

/** A stack's waivers and the file they come from. */
export interface StackWaivers {
  readonly stack: string;
  /** The stack file, e.g. Pulumi.qa.yaml, named in every problem. */
  readonly source: string;
  readonly waivers: readonly Waiver[];
}

export interface ResourceRef {
  readonly type: string;
  readonly name: string;
}

export type WaiverStatus = "applied" | "unused" | "expired" | "invalid";

/** Every waiver as the reports list it. */
export interface WaiverOutcome {
  readonly stack: string;
  readonly source: string;
  /** `modelshare:waivers[i]`. */
  readonly key: string;
  readonly rule: string;
  readonly resource: string;
  readonly reason: string;
  readonly expires?: string;
  /** applied: waived a finding; unused: valid but matched none; expired: past its day; invalid: see the problems. */
  readonly status: WaiverStatus;
  /** How many findings it waived. */
  readonly findings: number;
}

/** A finding a waiver accepted, with the waiver's key and reason next to it. */
export interface WaivedFinding extends Finding {
  readonly waiver: { readonly stack: string; readonly source: string; readonly key: string; readonly reason: string; readonly expires?: string };
}

export const waiverKey = (index: number): string => `modelshare:waivers[${index}]`;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A waiver applies through its expiry day (UTC): it is expired from 00:00 UTC of the next day. */
export function isExpired(waiver: Pick<Waiver, "expires">, now: Date): boolean {
  if (waiver.expires === undefined) return false;
  return now.getTime() >= Date.parse(`${waiver.expires}T00:00:00Z`) + DAY_MS;
}

/** `urn:pulumi:<stack>::<project>::<parent types$>type::name` -> its stack, type and name. */
function parseUrn(urn: string): { stack: string; type: string; name: string } | undefined {
  const parts = urn.split("::");
  if (parts.length < 4) return undefined;
  const stack = parts[0].slice("urn:pulumi:".length);
  const type = parts[2].split("$").pop() ?? "";
  return { stack, type, name: parts.slice(3).join("::") };
}

/**
 * The one resource of `stack` a waiver's `resource` names (a name, `type::name`, `stack/type::name` or a URN), or
 * why it names none.
 */
export function resolveWaiverResource(reference: string, stack: string, resources: readonly ResourceRef[]): ResourceRef | string {
  const parsed = reference.startsWith("urn:pulumi:") ? parseUrn(reference) : parseResourceLabel(reference);
  if (reference.startsWith("urn:pulumi:") && parsed === undefined) return "is not a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)";
  if (parsed?.stack !== undefined && parsed.stack !== stack) {
    return `names stack ${parsed.stack}, but this waiver is in stack ${stack}'s configuration: put it in that stack's file`;
  }
  const matches = resources.filter((r) => (parsed ? r.type === parsed.type && r.name === parsed.name : r.name === reference));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) {
    return `is not a resource of stack ${stack}; name one by its Pulumi name (as in OUT/${stack}.json), type::name or URN`;
  }
  const types = [...new Set(matches.map((m) => m.type))];
  return `names ${matches.length} resources of stack ${stack} (${types.join(", ")}): write type::name, e.g. ${types[0]}::${reference}`;
}

export interface WaiverCheckOptions {
  /** The rule ids a waiver may name. */
  readonly ruleIds: readonly string[];
  /** Every waiver must say when it ends (policy pack config `waivers-valid.requireExpiry`). */
  readonly requireExpiry?: boolean;
}

/** Why a waiver of a stack is invalid: unknown rule or resource, listed twice, or no expiry where one is required. */
export function waiverProblems(stackWaivers: StackWaivers, resources: readonly ResourceRef[], options: WaiverCheckOptions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  stackWaivers.waivers.forEach((waiver, index) => {
    const key = waiverKey(index);
    if (!options.ruleIds.includes(waiver.rule)) {
      problems.push({
        key: `${key}.rule`,
        value: waiver.rule,
        message: `is not a rule id; the rules are: ${options.ruleIds.join(", ")} (waivers accept rule findings only; the access matrix is a proof, not a lint: its rows cannot be waived)`,
      });
    }
    const resource = resolveWaiverResource(waiver.resource, stackWaivers.stack, resources);
    if (typeof resource === "string") problems.push({ key: `${key}.resource`, value: waiver.resource, message: resource });
    else {
      const identity = `${waiver.rule}\u0000${resource.type}\u0000${resource.name}`;
      const first = seen.get(identity);
      if (first !== undefined) problems.push({ key, message: `waives the same rule on the same resource as ${waiverKey(first)}` });
      else seen.set(identity, index);
    }
    if (options.requireExpiry && waiver.expires === undefined) {
      problems.push({ key: `${key}.expires`, message: "is required (policy pack config waivers-valid.requireExpiry): give the last day the waiver applies, YYYY-MM-DD" });
    }
  });
  return problems;
}

export interface WaiverResult {
  /** Findings no waiver accepted. */
  readonly remaining: readonly Finding[];
  readonly waived: readonly WaivedFinding[];
  /** Every waiver, in file order, stack by stack. */
  readonly outcomes: readonly WaiverOutcome[];
}

/**
 * Splits findings into waived and remaining. Only valid, unexpired waivers apply, each to findings of its rule on its
 * resource in its own stack.
 */
export function applyWaivers(
  findings: readonly Finding[],
  stacks: readonly (StackWaivers & { readonly resources: readonly ResourceRef[] })[],
  ruleIds: readonly string[],
  now: Date,
): WaiverResult {
  const active: { stack: StackWaivers; index: number; waiver: Waiver; target: ResourceRef; count: number }[] = [];
  const statuses: WaiverStatus[][] = stacks.map((stack) => {
    const invalid = new Set(waiverProblems(stack, stack.resources, { ruleIds }).map((p) => Number(/\[(\d+)\]/.exec(p.key)?.[1])));
    return stack.waivers.map((waiver, index) => {
      if (invalid.has(index)) return "invalid";
      if (isExpired(waiver, now)) return "expired";
      active.push({ stack, index, waiver, target: resolveWaiverResource(waiver.resource, stack.stack, stack.resources) as ResourceRef, count: 0 });
      return "unused";
    });
  });

  const remaining: Finding[] = [];
  const waived: WaivedFinding[] = [];
  for (const finding of findings) {
    const label = parseResourceLabel(finding.resource);
    const match = active.find((a) => a.waiver.rule === finding.ruleId && label?.stack === a.stack.stack && label.type === a.target.type && label.name === a.target.name);
    if (!match) {
      remaining.push(finding);
      continue;
    }
    match.count++;
    const { stack, source } = match.stack;
    waived.push({ ...finding, waiver: { stack, source, key: waiverKey(match.index), reason: match.waiver.reason, ...(match.waiver.expires ? { expires: match.waiver.expires } : {}) } });
  }

  const outcomes = stacks.flatMap((stack, s) =>
    stack.waivers.map((waiver, index): WaiverOutcome => {
      const count = active.find((a) => a.stack === stack && a.index === index)?.count ?? 0;
      const status = statuses[s][index] === "unused" && count > 0 ? "applied" : statuses[s][index];
      return {
        stack: stack.stack,
        source: stack.source,
        key: waiverKey(index),
        rule: waiver.rule,
        resource: waiver.resource,
        reason: waiver.reason,
        ...(waiver.expires ? { expires: waiver.expires } : {}),
        status,
        findings: count,
      };
    }),
  );
  return { remaining, waived, outcomes };
}
