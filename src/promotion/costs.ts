import type { SharingMode } from "../config/copy";
import type { VersionUse } from "./plan";
import type { InferenceUnits } from "./types";

/**
 * What `status` estimates, by pure functions: what a running version costs per hour, what each environment's share of
 * it is, and what the other mode (share or copy) would add and save, so a team can compare.
 *
 * "Cost" is inference hours only: Rekognition Custom Labels bills the hours a version runs times its inference units,
 * whether or not it is called (Custom Labels guide, "Running a trained Amazon Rekognition Custom Labels model",
 * Inference units). An hour is priced at the MINIMUM units (what runs for sure); with auto-scaling (MaxInferenceUnits)
 * the most an hour can cost is given beside it. The price is modelshare:promotion.pricePerInferenceUnitHour (the
 * price list is not read). Not estimated: a copy's model artifacts in the output bucket (S3 storage), the copy
 * operation, the VPC endpoints and API requests; they are small next to an inference unit's hourly price, and their
 * prices depend on the account's S3 and PrivateLink usage.
 */

/** Statuses that are billed (a version bills while it runs). */
const BILLED = new Set(["RUNNING"]);

export interface RunningCost {
  readonly costPerHour: number;
  /** With auto-scaling, the most an hour can cost. */
  readonly maxCostPerHour?: number;
}

/** What a version costs per hour in its status: 0 unless RUNNING; at least one unit when Rekognition reports none. */
export function runningCost(status: string, units: Partial<InferenceUnits> | undefined, price: number): RunningCost {
  if (!BILLED.has(status)) return { costPerHour: 0 };
  return { costPerHour: (units?.min ?? 1) * price, ...(units?.max !== undefined ? { maxCostPerHour: units.max * price } : {}) };
}

/** What a version started with `units` (modelshare:promotion's, which promotion starts a version or a copy with) costs per hour. */
export function startedCost(units: InferenceUnits, price: number): RunningCost {
  return runningCost("RUNNING", units, price);
}

/** A version of the ML account as the cost functions see it. */
export interface PricedVersion extends RunningCost {
  readonly arn: string;
  readonly status: string;
  readonly usedBy: readonly VersionUse[];
}

/** An environment's mode; an environment the function does not know shares (the default). */
export type ModeOf = (env: string) => SharingMode;

/**
 * The environments a running ML version runs for: the SHARED environments that call, are granted or are promoting to
 * it. A copy environment calls its own copy; CopyProjectVersion needs the source to exist, not to run (Rekognition API
 * Reference, CopyProjectVersion), so a copy environment's grant does not keep a version running.
 */
export function runsFor(version: Pick<PricedVersion, "usedBy">, modeOf: ModeOf, kinds: readonly VersionUse["how"][] = ["configured", "granted", "in-flight"]): string[] {
  return [...new Set(version.usedBy.filter((u) => kinds.includes(u.how) && modeOf(u.env) === "share").map((u) => u.env))].sort();
}

/** Each running ML version's cost shared evenly among the shared environments that call or are granted it. */
export function sharedEnvironmentCosts(versions: readonly Pick<PricedVersion, "costPerHour" | "maxCostPerHour" | "usedBy">[], modeOf: ModeOf): Record<string, RunningCost> {
  const shares: Record<string, RunningCost[]> = {};
  for (const version of versions) {
    const users = runsFor(version, modeOf, ["configured", "granted"]);
    const share = (cost: number) => cost / users.length;
    for (const env of users) (shares[env] ??= []).push({ costPerHour: share(version.costPerHour), ...(version.maxCostPerHour !== undefined ? { maxCostPerHour: share(version.maxCostPerHour) } : {}) });
  }
  return Object.fromEntries(Object.entries(shares).map(([env, list]) => [env, addCosts(list)]));
}

/** What the mode an environment does not use would change, per hour (minimum units; `addedMaxPerHour` with auto-scaling). */
export interface AlternativeCost {
  /** The other mode. */
  readonly mode: SharingMode;
  /** What would start running for the environment: a copy in its account (copy), or its ML version (share, 0 when it runs already). */
  readonly addedPerHour: number;
  readonly addedMaxPerHour?: number;
  /** What could stop: the ML versions only this environment keeps running (copy), or its running copies (share). */
  readonly savedPerHour: number;
  /** added - saved: negative when the other mode is cheaper. */
  readonly netPerHour: number;
  /** Where the money moves, in words (which versions, which account). */
  readonly explanation: string;
  /** Why the estimate is incomplete (the consumer account could not be read). */
  readonly incomplete?: string;
}

/** What both estimates read: the environment, the version it calls, the ML account's versions and promotion's units. */
export interface AlternativeInput {
  readonly env: string;
  /** The ML version the environment calls (share) or its copy was made from (copy). */
  readonly configured: string;
  readonly versions: readonly PricedVersion[];
  readonly modeOf: ModeOf;
  /** modelshare:promotion's units: promotion starts a version, or a copy, with them. */
  readonly units: InferenceUnits;
  readonly price: number;
  readonly label: (arn: string) => string;
}

/**
 * A shared environment that copied its configured version instead: the copy runs in its account with promotion's units;
 * each running ML version it calls or is granted stops being needed unless another shared environment uses it (a
 * version used by several environments keeps running, and costs the ML account the same).
 */
export function shareToCopy(input: AlternativeInput): AlternativeCost {
  const added = startedCost(input.units, input.price);
  const mine = input.versions.filter((v) => v.status === "RUNNING" && v.usedBy.some((u) => u.env === input.env && u.how !== "in-flight"));
  const freed = mine.filter((v) => runsFor(v, input.modeOf).every((env) => env === input.env));
  const kept = mine.filter((v) => !freed.includes(v));
  const saved = freed.reduce((sum, v) => sum + v.costPerHour, 0);
  const parts = [`a copy of ${input.label(input.configured)} in ${input.env}'s account at ${unitsText(input.units)}`];
  if (freed.length > 0) parts.push(`the ML account could stop ${freed.map((v) => input.label(v.arn)).join(", ")} (no other shared environment uses ${freed.length === 1 ? "it" : "them"})`);
  for (const v of kept) parts.push(`${input.label(v.arn)} keeps running in the ML account for ${runsFor(v, input.modeOf).filter((e) => e !== input.env).join(", ")}`);
  return alternative("copy", added, saved, parts.join("; "));
}

export interface CopyToShareInput extends AlternativeInput {
  /** What the environment's running copies cost now (they could all stop); undefined when its account could not be read. */
  readonly copiesCost: RunningCost | undefined;
}

/**
 * A copy environment that shared instead: nothing is added when its ML version already runs (for another shared
 * environment, or for nobody); otherwise the version would start with promotion's units. Its copies could stop.
 */
export function copyToShare(input: CopyToShareInput): AlternativeCost {
  const version = input.versions.find((v) => v.arn === input.configured);
  const label = input.label(input.configured);
  const others = version ? runsFor(version, input.modeOf).filter((e) => e !== input.env) : [];
  const running = version !== undefined && version.status === "RUNNING";
  const added: RunningCost = running ? { costPerHour: 0 } : startedCost(input.units, input.price);
  const where = running
    ? `${label} already runs in the ML account${others.length > 0 ? ` for ${others.join(", ")}` : " (for no environment: billed all the same)"}: nothing added`
    : `${label} is ${version?.status ?? "NOT_FOUND"} in the ML account: it would start at ${unitsText(input.units)}`;
  const copies = input.copiesCost === undefined ? `${input.env}'s copies could stop (their cost is unknown)` : `${input.env}'s running copies could stop`;
  return alternative("share", added, input.copiesCost?.costPerHour ?? 0, `${where}; ${copies}`, input.copiesCost === undefined ? `${input.env}'s account could not be read` : undefined);
}

function alternative(mode: SharingMode, added: RunningCost, saved: number, explanation: string, incomplete?: string): AlternativeCost {
  return {
    mode,
    addedPerHour: added.costPerHour,
    ...(added.maxCostPerHour !== undefined ? { addedMaxPerHour: added.maxCostPerHour } : {}),
    savedPerHour: saved,
    netPerHour: added.costPerHour - saved,
    explanation,
    ...(incomplete !== undefined ? { incomplete } : {}),
  };
}

function unitsText(units: InferenceUnits): string {
  return units.max !== undefined && units.max !== units.min ? `${units.min}-${units.max} inference units (auto-scaling)` : `${units.min} inference unit${units.min === 1 ? "" : "s"}`;
}

/** The sum of several costs; the maximum is given when any of them has one. */
export function addCosts(costs: readonly RunningCost[]): RunningCost {
  const total = costs.reduce((sum, c) => sum + c.costPerHour, 0);
  const scaling = costs.some((c) => c.maxCostPerHour !== undefined);
  return { costPerHour: total, ...(scaling ? { maxCostPerHour: costs.reduce((sum, c) => sum + (c.maxCostPerHour ?? c.costPerHour), 0) } : {}) };
}
