import { CopiedVersion, copyOf, NOT_COPIED_YET, SharingMode } from "../config/copy";
import { own } from "../config/lists";
import { addCosts, AlternativeCost, copyToShare, ModeOf, RunningCost, runningCost, sharedEnvironmentCosts, shareToCopy } from "./costs";
import type { CopyAccountState } from "./copyAccounts";
import { DeployedState } from "./deployed";
import { checkoutDrift } from "./drift";
import type { Liveness } from "./processIdentity";
import { describeLease, LeaseRecord } from "./lease";
import { unitsOf, VersionDescription } from "./model";
import { UsageState, usageState, usersOf, VersionUse, versionLabel } from "./plan";
import { environmentNames, Project } from "./project";
import { HistoryRecord, Journal, StepId } from "./types";
import type { AlarmStatus } from "./alarms";
import type { DriftReport } from "./stackDrift";

/**
 * `status`, computed from what is deployed (the stacks' outputs; the checkout's files when no deployed state is given)
 * and Rekognition's answers by a pure function: per environment its configured and granted versions and whether it
 * is healthy (configured version granted and RUNNING), a promotion in progress or a clean-up pending, and where this
 * checkout's files differ; per version its status, inference units and estimated cost; running versions nobody uses
 * flagged, since they are billed all the same; and who holds the promotion lease. Per environment also its mode (share
 * or copy, issue 14), the copies that run in a copy environment's own account, and what the other mode would add and
 * save per hour (./costs says what "cost" covers).
 */

export interface EnvironmentStatus {
  readonly env: string;
  readonly stack: string;
  readonly configuredVersion: string;
  readonly grantedVersions: readonly string[];
  readonly healthy: boolean;
  readonly problems: readonly string[];
  /**
   * A journal that is not a pending clean-up. `state`: running (its owner lives), interrupted (a signal stopped it,
   * or its owner is gone: `resume` continues it, `rollback --env` undoes it), or unknown (its owner ran elsewhere).
   */
  readonly promotionInProgress?: { readonly kind: string; readonly to: string; readonly since: string; readonly by: string; readonly state: "running" | "interrupted" | "unknown"; readonly resume: string };
  /** The switch was verified and done; revoking or stopping `from` failed: re-running `command` finishes it. */
  readonly cleanupPending?: { readonly kind: string; readonly from: string; readonly to: string; readonly step?: StepId; readonly reason?: string; readonly since: string; readonly by: string; readonly command: string };
  /** Where this checkout's stack files differ from what is deployed (the values shown are the deployed ones). */
  readonly checkoutDiffers?: readonly string[];
  /**
   * What the environment costs per hour. share: each running ML version's cost, shared evenly among the shared
   * environments that call or are granted it. copy: every running version of its destination project (billed in its
   * account). So the environments' costs and the unused running versions and copies add up to the total.
   */
  readonly costPerHour: number;
  /** With auto-scaling, the most an hour can cost. */
  readonly maxCostPerHour?: number;
  /** Why costPerHour is incomplete (a copy environment's account could not be read): what was read, 0 here. */
  readonly costIncomplete?: string;
  /** share | copy: as the deployed ML stack says (output `sharing`), else this checkout's config. */
  readonly sharing: SharingMode;
  /** Copy mode: what runs in the environment's own account. */
  readonly copy?: CopyEnvironmentStatus;
  /** What the other mode would add and save per hour, to compare. */
  readonly alternative: AlternativeCost;
}

/** A copy environment's destination project and its versions, read in its account through its deploy role. */
export interface CopyEnvironmentStatus {
  readonly projectArn?: string;
  /** The copy its applications call (the deployed parameter), or NOT_COPIED_YET. */
  readonly calledCopy?: string;
  readonly copies: readonly CopyStatus[];
  /** Its consumer stack is not deployed in copy mode yet (nothing runs for it). */
  readonly notDeployed?: string;
  /** Its account could not be read (the deploy role refused, a timeout). */
  readonly unreadable?: string;
}

/** Why a copy is needed: the applications call it, copy.versions lists it, or a promotion in flight names its source. */
export type CopyUse = "called" | "listed" | "in-flight";

export interface CopyStatus extends RunningCost {
  readonly env: string;
  readonly arn: string;
  readonly name: string;
  readonly status: string;
  readonly sourceVersionArn?: string;
  readonly minInferenceUnits?: number;
  readonly maxInferenceUnits?: number;
  readonly usedAs: readonly CopyUse[];
  /** RUNNING (billed in the environment's account) while nothing needs it. */
  readonly unusedButRunning: boolean;
}

/** A version's alarms as CloudWatch reports them, or why they could not be read. */
export type VersionAlarms = readonly AlarmStatus[] | { readonly error: string };

/** The promotion lease: who holds it (null: free), or why it could not be read. */
export type LeaseStatus = (LeaseRecord & { readonly expired: boolean; readonly description: string }) | { readonly unreadable: true } | { readonly error: string } | null;

export interface VersionStatus {
  readonly arn: string;
  readonly name: string;
  readonly status: string;
  readonly minInferenceUnits?: number;
  readonly maxInferenceUnits?: number;
  /** Estimated cost of one hour at the minimum inference units, 0 unless RUNNING. */
  readonly costPerHour: number;
  /** With auto-scaling (MaxInferenceUnits), the most an hour can cost. */
  readonly maxCostPerHour?: number;
  /** The shared environments that call, are granted or are promoting to it (copy environments need no running ML version). */
  readonly usedBy: readonly VersionUse[];
  /** The copy environments that call a copy of it or may copy it: informative, they keep nothing running here. */
  readonly copiedBy: readonly string[];
  /** RUNNING (and billed) while no shared environment calls, is granted or is promoting to it: `model stop` stops it. */
  readonly unusedButRunning: boolean;
  /** The version's alarms (running versions, with detective.alarms on). */
  readonly alarms?: VersionAlarms;
}

export interface StatusReport {
  readonly environments: readonly EnvironmentStatus[];
  readonly versions: readonly VersionStatus[];
  readonly pricePerInferenceUnitHour: number;
  /** Every running version modelshare knows of: the ML account's and the copies read in copy environments' accounts. */
  readonly totalCostPerHour: number;
  /** The running versions of the ML account. */
  readonly mlAccountCostPerHour: number;
  /** The running copies in the copy environments' accounts that were read (with --env, that environment's only). */
  readonly copiesCostPerHour: number;
  readonly unusedRunningVersions: readonly string[];
  /** Running copies their environment no longer calls or lists in copy.versions: billed in its account. */
  readonly unusedRunningCopies: readonly { readonly env: string; readonly arn: string }[];
  readonly history?: Readonly<Record<string, readonly HistoryRecord[]>>;
  readonly lease?: LeaseStatus;
  /** With `--drift`: what differs between the program and what exists, per stack. */
  readonly drift?: DriftReport;
}

function inProgress(journal: Journal, ownerAlive: Liveness): NonNullable<EnvironmentStatus["promotionInProgress"]> {
  const alive = journal.interrupted ? false : ownerAlive(journal.owner);
  return {
    kind: journal.kind,
    to: journal.version,
    since: journal.startedAt,
    by: journal.who,
    state: alive === true ? "running" : alive === false ? "interrupted" : "unknown",
    resume: `modelshare ${journal.kind === "promote" ? `promote --env ${journal.env} --version ${journal.version}` : `rollback --env ${journal.env} --to ${journal.version}`}`,
  };
}

export function leaseStatus(record: LeaseRecord | "unreadable" | undefined, now: number): LeaseStatus {
  if (record === undefined) return null;
  if (record === "unreadable") return { unreadable: true };
  return { ...record, expired: now > record.expiresAt, description: describeLease(record, now) };
}

/** The usage as deployed: configured versions of the deployed consumer stacks, grants of the deployed ML stack. */
function deployedUsage(project: Project, deployed: DeployedState, journals: readonly Journal[]): UsageState {
  const fromFiles = usageState(project, journals);
  const configured: Record<string, string> = { ...fromFiles.configured };
  for (const [env, version] of Object.entries(deployed.configured)) if (version !== undefined) configured[env] = version;
  return { configured, granted: { ...fromFiles.granted, ...deployed.grants }, inFlight: fromFiles.inFlight };
}

export function summarizeStatus(
  project: Project,
  descriptions: readonly VersionDescription[],
  journals: readonly Journal[],
  onlyEnv?: string,
  deployed?: DeployedState,
  alarms: Readonly<Record<string, VersionAlarms>> = {},
  ownerAlive: Liveness = () => "unknown",
  copyAccounts: Readonly<Record<string, CopyAccountState>> = {},
): StatusReport {
  const state = deployed ? deployedUsage(project, deployed, journals) : usageState(project, journals);
  const drift = deployed ? checkoutDrift(project, deployed) : [];
  const promotion = project.ml.config.promotion;
  const price = promotion.pricePerInferenceUnitHour;
  const units = { min: promotion.minInferenceUnits, ...(promotion.maxInferenceUnits !== undefined ? { max: promotion.maxInferenceUnits } : {}) };
  const byArn = new Map(descriptions.map((d) => [d.arn, d]));
  const envs = environmentNames(project).filter((e) => onlyEnv === undefined || e === onlyEnv);
  const modeOf = sharingModeOf(project, deployed);

  const known = new Set<string>([
    ...project.ml.config.model.versions,
    ...Object.values(state.configured),
    ...Object.values(state.granted).flat(),
    ...descriptions.map((d) => d.arn),
  ]);
  const allVersions = [...known].sort().map((arn): VersionStatus => {
    const d = byArn.get(arn);
    const status = d?.status ?? "NOT_FOUND";
    // As the stop step and `model stop` count (plan.ts deployedUsageState): copy environments are no users here.
    const uses = usersOf(arn, state);
    const usedBy = uses.filter((u) => modeOf(u.env) === "share");
    const copiedBy = [...new Set(uses.filter((u) => modeOf(u.env) === "copy" && u.how !== "in-flight").map((u) => u.env))];
    const cost = runningCost(status, unitsOf(d), price);
    const billed = status === "RUNNING";
    return {
      arn,
      name: versionLabel(arn),
      status,
      ...(d?.minInferenceUnits !== undefined ? { minInferenceUnits: d.minInferenceUnits } : {}),
      ...(d?.maxInferenceUnits !== undefined ? { maxInferenceUnits: d.maxInferenceUnits } : {}),
      ...cost,
      usedBy,
      copiedBy,
      unusedButRunning: billed && usedBy.length === 0,
      ...(alarms[arn] !== undefined ? { alarms: alarms[arn] } : {}),
    };
  });
  const shared = sharedEnvironmentCosts(allVersions, modeOf);

  const environments = envs.map((env): EnvironmentStatus => {
    const consumer = project.consumers[env];
    const sharing = modeOf(env);
    const configured = own(state.configured, env) ?? consumer.config.modelVersionArn;
    const granted = own(state.granted, env) ?? [];
    const problems: string[] = [];
    if (!granted.includes(configured)) problems.push(`its configured version ${versionLabel(configured)} is not granted to it ${deployed ? "by the deployed ML stack" : `in ${project.ml.path}`}`);
    const journal = journals.find((j) => j.env === env);
    const differs = drift.filter((d) => d.env === env).map((d) => `${d.file}: ${d.key} is ${show(d.inCheckout)} in this checkout, ${show(d.deployed)} as deployed`);
    const inCheckout = own(project.ml.config.consumers, env)?.sharing ?? "share";
    if (inCheckout !== sharing) differs.push(`${project.ml.path}: consumers.${env}.sharing is ${inCheckout} in this checkout, ${sharing} as deployed`);
    const estimate = { env, configured, versions: allVersions, modeOf, units, price, label: versionLabel };
    let mode: ModeStatus;
    if (sharing === "copy") {
      const inFlight = journal ? { sources: [journal.version, journal.previous], copies: Object.values(journal.copies ?? {}) } : { sources: [], copies: [] };
      const read = copyEnvironment(env, configured, own(copyAccounts, env), consumer.config.copy, inFlight, price);
      mode = {
        problems: read.problems,
        cost: read.cost ?? { costPerHour: 0 },
        ...(read.cost === undefined ? { costIncomplete: `${env}'s account could not be read: its copies' cost is unknown` } : {}),
        copy: read.status,
        alternative: copyToShare({ ...estimate, copiesCost: read.cost }),
      };
    } else {
      mode = { problems: sharedVersionProblems(configured, byArn.get(configured), alarms[configured]), cost: own(shared, env) ?? { costPerHour: 0 }, alternative: shareToCopy(estimate) };
    }
    problems.push(...mode.problems);
    return {
      env,
      stack: consumer.stack,
      sharing,
      configuredVersion: configured,
      grantedVersions: granted,
      healthy: problems.length === 0,
      problems,
      ...(journal && journal.phase !== "cleanup-pending" ? { promotionInProgress: inProgress(journal, ownerAlive) } : {}),
      ...(journal && journal.phase === "cleanup-pending" ? { cleanupPending: cleanupOf(journal, env) } : {}),
      ...(differs.length > 0 ? { checkoutDiffers: differs } : {}),
      ...mode.cost,
      ...(mode.costIncomplete !== undefined ? { costIncomplete: mode.costIncomplete } : {}),
      ...(mode.copy ? { copy: mode.copy } : {}),
      alternative: mode.alternative,
    };
  });

  // With --env, show that environment's versions, but never hide a running version nobody uses: it costs money.
  const versions = onlyEnv === undefined ? allVersions : allVersions.filter((v) => v.unusedButRunning || v.usedBy.some((u) => u.env === onlyEnv) || v.copiedBy.includes(onlyEnv));
  const allCopies = environments.flatMap((e) => e.copy?.copies ?? []);
  const mlAccountCostPerHour = allVersions.reduce((sum, v) => sum + v.costPerHour, 0);
  const copiesCostPerHour = addCosts(allCopies).costPerHour;
  return {
    environments,
    versions,
    pricePerInferenceUnitHour: price,
    totalCostPerHour: mlAccountCostPerHour + copiesCostPerHour,
    mlAccountCostPerHour,
    copiesCostPerHour,
    unusedRunningVersions: allVersions.filter((v) => v.unusedButRunning).map((v) => v.arn),
    unusedRunningCopies: allCopies.filter((c) => c.unusedButRunning).map((c) => ({ env: c.env, arn: c.arn })),
  };
}

/** What an environment's mode decides: its health checks, its cost, its copies (copy mode) and the other mode's estimate. */
interface ModeStatus {
  readonly problems: readonly string[];
  readonly cost: RunningCost;
  readonly costIncomplete?: string;
  readonly copy?: CopyEnvironmentStatus;
  readonly alternative: AlternativeCost;
}

/** An environment's mode: as the deployed ML stack says (output `sharing`), else as this checkout's config says. */
export function sharingModeOf(project: Project, deployed: DeployedState | undefined): ModeOf {
  return (env) => own(deployed?.sharing ?? {}, env) ?? own(project.ml.config.consumers, env)?.sharing ?? "share";
}

/** A shared environment's health: its configured version exists in the ML project, is RUNNING, and none of its alarms fires. */
function sharedVersionProblems(configured: string, description: VersionDescription | undefined, versionAlarms: VersionAlarms | undefined): string[] {
  const problems: string[] = [];
  if (!description) problems.push(`its configured version ${versionLabel(configured)} does not exist in the model's project`);
  else if (description.status !== "RUNNING") problems.push(`its configured version ${versionLabel(configured)} is ${description.status}, not RUNNING: calls fail`);
  const firing = versionAlarms !== undefined && !("error" in versionAlarms) ? versionAlarms.filter((a) => a.state === "ALARM") : [];
  if (firing.length > 0) problems.push(`its configured version ${versionLabel(configured)} has ${firing.length === 1 ? "an alarm" : "alarms"} in ALARM: ${firing.map((a) => a.name).join(", ")}`);
  return problems;
}

function cleanupOf(journal: Journal, env: string): NonNullable<EnvironmentStatus["cleanupPending"]> {
  return {
    kind: journal.kind,
    from: journal.previous,
    to: journal.version,
    ...(journal.failure ? { step: journal.failure.step, reason: journal.failure.reason } : {}),
    since: journal.startedAt,
    by: journal.who,
    command: `modelshare ${journal.kind === "promote" ? `promote --env ${env} --version ${journal.version}` : `rollback --env ${env} --to ${journal.version}`}`,
  };
}

/**
 * A copy environment as read in its account: its copies (each priced, and flagged when it runs while its environment
 * neither calls nor lists it and no promotion in flight names its source), its health (the called copy exists and is
 * RUNNING) and its cost (undefined: the account could not be read).
 */
export function copyEnvironment(
  env: string,
  configured: string,
  account: CopyAccountState | undefined,
  config: { readonly versions: readonly CopiedVersion[] } | undefined,
  /** A promotion in flight of this environment: the ML versions it deals with, and their copies it journalled. */
  inFlight: { readonly sources: readonly string[]; readonly copies: readonly string[] },
  price: number,
): { readonly status: CopyEnvironmentStatus; readonly problems: readonly string[]; readonly cost: RunningCost | undefined } {
  if (account === undefined || account.state === "unreadable") {
    const error = account?.state === "unreadable" ? account.error : "not read";
    return {
      status: { ...(account?.projectArn ? { projectArn: account.projectArn } : {}), copies: [], unreadable: error },
      problems: [`its account could not be read (DescribeProjectVersions as its deploy role): ${error}`],
      cost: undefined,
    };
  }
  if (account.state === "not-deployed") {
    return { status: { copies: [], notDeployed: account.reason }, problems: [`it has no copy to call: ${account.reason}`], cost: { costPerHour: 0 } };
  }
  const called = account.calledVersionArn ?? copyOf(config, configured) ?? NOT_COPIED_YET;
  const listed = new Set((config?.versions ?? []).map((v) => v.copy));
  const copies = account.versions.map((d): CopyStatus => {
    const usedAs: CopyUse[] = [];
    if (d.arn === called) usedAs.push("called");
    if (listed.has(d.arn)) usedAs.push("listed");
    if (inFlight.copies.includes(d.arn) || (d.sourceVersionArn !== undefined && inFlight.sources.includes(d.sourceVersionArn))) usedAs.push("in-flight");
    const cost = runningCost(d.status, unitsOf(d), price);
    return {
      env,
      arn: d.arn,
      name: versionLabel(d.arn),
      status: d.status,
      ...(d.sourceVersionArn !== undefined ? { sourceVersionArn: d.sourceVersionArn } : {}),
      ...(d.minInferenceUnits !== undefined ? { minInferenceUnits: d.minInferenceUnits } : {}),
      ...(d.maxInferenceUnits !== undefined ? { maxInferenceUnits: d.maxInferenceUnits } : {}),
      ...cost,
      usedAs,
      unusedButRunning: d.status === "RUNNING" && usedAs.length === 0,
    };
  });
  const problems: string[] = [];
  const calledCopy = copies.find((c) => c.arn === called);
  // Anything but an ARN (NOT_COPIED_YET, or an older stack's placeholder) names no copy.
  if (!called.startsWith("arn:")) problems.push(`it has no copy of ${versionLabel(configured)} yet (its parameter says "${called}")`);
  else if (!calledCopy) problems.push(`the copy it calls, ${called}, does not exist in its project ${account.projectArn}`);
  else if (calledCopy.status !== "RUNNING") problems.push(`the copy it calls, ${versionLabel(called)} in its account, is ${calledCopy.status}, not RUNNING: calls fail`);
  return { status: { projectArn: account.projectArn, calledCopy: called, copies }, problems, cost: addCosts(copies) };
}

/** Each running version's cost shared evenly among the environments that call or are granted it (every environment shares unless `modeOf` says otherwise). */
export function environmentCosts(versions: readonly Pick<VersionStatus, "costPerHour" | "usedBy">[], modeOf: ModeOf = () => "share"): Record<string, number> {
  return Object.fromEntries(Object.entries(sharedEnvironmentCosts(versions, modeOf)).map(([env, cost]) => [env, cost.costPerHour]));
}

function show(value: readonly string[] | string | undefined): string {
  if (value === undefined) return "absent";
  return typeof value === "string" ? versionLabel(value) : `[${value.map(versionLabel).join(", ")}]`;
}

export function formatLease(lease: LeaseStatus | undefined): string | undefined {
  if (lease === undefined) return undefined;
  if (lease === null) return "promotion lease: free";
  if ("error" in lease) return `promotion lease: could not be read (${lease.error})`;
  if ("unreadable" in lease) return "promotion lease: held by an unreadable item (not written by modelshare; `modelshare lease break --force` removes it)";
  return `promotion lease: held by ${lease.description}${lease.expired ? " (expired: the next run takes it over)" : ""}`;
}

export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  const lease = formatLease(report.lease);
  if (lease) lines.push(lease, "");
  for (const e of report.environments) {
    lines.push(`${e.env} (stack ${e.stack}): ${e.healthy ? "healthy" : "UNHEALTHY"}, ${e.costIncomplete ? "cost unknown" : `${dollars(e)}/hour`}`);
    lines.push(`  mode     ${e.sharing}${e.sharing === "copy" ? " (calls its own copy, in its account)" : " (calls the ML account's version through its shared role)"}`);
    if (e.copy) {
      const called = e.copy.calledCopy === undefined || e.copy.calledCopy === NOT_COPIED_YET ? "no copy yet" : `its copy ${e.copy.calledCopy}`;
      lines.push(`  calls    ${versionLabel(e.configuredVersion)} (${called})`);
      lines.push(`  may copy ${e.grantedVersions.map(versionLabel).join(", ") || "(nothing)"}`);
    } else {
      lines.push(`  calls    ${versionLabel(e.configuredVersion)}`);
      lines.push(`  granted  ${e.grantedVersions.map(versionLabel).join(", ") || "(nothing)"}`);
    }
    lines.push(`  ${formatAlternative(e.alternative)}`);
    for (const p of e.problems) lines.push(`  problem: ${p}`);
    if (e.promotionInProgress) {
      const p = e.promotionInProgress;
      const state = p.state === "running" ? "in progress" : p.state === "interrupted" ? "INTERRUPTED (its run is gone)" : "in progress or interrupted (its run is on another host)";
      lines.push(`  ${p.kind} to ${versionLabel(p.to)} ${state} since ${p.since} (${p.by})${p.state === "running" ? "" : `; continue it with \`${p.resume}\`, or undo it with \`modelshare rollback --env ${e.env}\``}`);
    }
    if (e.cleanupPending) {
      const c = e.cleanupPending;
      lines.push(`  CLEANUP PENDING: ${c.kind} to ${versionLabel(c.to)} by ${c.by} since ${c.since}; ${c.step ?? "clean-up"} of ${versionLabel(c.from)} failed${c.reason ? ` (${c.reason.split("\n")[0]})` : ""}; finish it with \`${c.command}\``);
    }
    for (const d of e.checkoutDiffers ?? []) lines.push(`  checkout differs: ${d}`);
  }
  lines.push("");
  const width = Math.max(7, ...report.versions.map((v) => v.name.length));
  const withAlarms = report.versions.some((v) => v.alarms !== undefined);
  lines.push(`${"version".padEnd(width)}  ${"status".padEnd(18)}  units  ${"cost/h".padStart(8)}  ${withAlarms ? `${"alarms".padEnd(10)}  ` : ""}used by`);
  for (const v of report.versions) {
    const units = unitsColumn(v);
    const cost = `$${v.costPerHour.toFixed(2)}`;
    const uses = [...v.usedBy.map((u) => `${u.env} (${u.how})`), ...v.copiedBy.map((env) => `${env} (copies it)`)];
    const used = v.unusedButRunning ? [`NOBODY - running and billed`, ...uses].join(", ") : uses.join(", ") || "-";
    lines.push(`${v.name.padEnd(width)}  ${v.status.padEnd(18)}  ${units.padEnd(5)}  ${cost.padStart(8)}  ${withAlarms ? `${alarmSummary(v.alarms).padEnd(10)}  ` : ""}${used}`);
  }
  for (const v of report.versions) {
    if (v.alarms === undefined) continue;
    if ("error" in v.alarms) lines.push(`alarms of ${v.name} could not be read: ${v.alarms.error}`);
    else for (const a of v.alarms.filter((x) => x.state !== "OK")) lines.push(`  ${v.name}: ${a.name} is ${a.state}${a.since ? ` since ${a.since}` : ""}${a.reason ? ` (${a.reason})` : ""}`);
  }
  lines.push(...formatCopies(report.environments));
  lines.push("");
  const split = report.copiesCostPerHour > 0 || report.environments.some((e) => e.copy) ? ` (ML account $${report.mlAccountCostPerHour.toFixed(2)}, copies in consumer accounts $${report.copiesCostPerHour.toFixed(2)})` : "";
  lines.push(`estimated cost: $${report.totalCostPerHour.toFixed(2)}/hour${split} at $${report.pricePerInferenceUnitHour}/inference-unit hour (minimum units; modelshare:promotion.pricePerInferenceUnitHour; inference only: S3 storage of copies and endpoints are not estimated)`);
  if (report.unusedRunningVersions.length > 0) {
    lines.push(`running versions no environment uses: ${report.unusedRunningVersions.map(versionLabel).join(", ")} (stop with \`modelshare model stop --version ARN\`)`);
  }
  for (const c of report.unusedRunningCopies) {
    lines.push(`running copy ${c.env} no longer calls or lists in copy.versions (billed in its account): ${c.arn}`);
  }
  if (report.drift) {
    lines.push("");
    lines.push(formatDriftLines(report.drift));
  }
  if (report.history) {
    for (const [env, records] of Object.entries(report.history)) {
      lines.push("");
      lines.push(`history of ${env} (newest first):`);
      if (records.length === 0) lines.push("  (none)");
      for (const r of records) lines.push(`  ${formatHistoryRecord(r)}`);
    }
  }
  return lines.join("\n");
}

function unitsColumn(v: { readonly minInferenceUnits?: number; readonly maxInferenceUnits?: number }): string {
  return v.minInferenceUnits === undefined ? "-" : v.maxInferenceUnits !== undefined ? `${v.minInferenceUnits}-${v.maxInferenceUnits}` : `${v.minInferenceUnits}`;
}

function dollars(cost: RunningCost): string {
  return `$${cost.costPerHour.toFixed(2)}${cost.maxCostPerHour !== undefined && cost.maxCostPerHour !== cost.costPerHour ? ` (up to $${cost.maxCostPerHour.toFixed(2)})` : ""}`;
}

function signed(amount: number): string {
  return `${amount < 0 ? "-" : "+"}$${Math.abs(amount).toFixed(2)}`;
}

/** "if it copied: +$4.00/hour in its account, -$4.00/hour in the ML account: net +$0.00/hour (why)". */
export function formatAlternative(a: AlternativeCost): string {
  const added = `${signed(a.addedPerHour)}/hour${a.addedMaxPerHour !== undefined && a.addedMaxPerHour !== a.addedPerHour ? ` (up to ${signed(a.addedMaxPerHour)})` : ""}`;
  const [addedWhere, savedWhere] = a.mode === "copy" ? ["in its account", "in the ML account"] : ["in the ML account", "of its copies"];
  const saved = a.incomplete ? `${savedWhere}: unknown` : `${signed(-a.savedPerHour)}/hour ${savedWhere}`;
  return `if it ${a.mode === "copy" ? "copied" : "shared"}: ${added} ${addedWhere}, ${saved}: net ${a.incomplete ? "unknown" : `${signed(a.netPerHour)}/hour`} (${a.explanation})`;
}

/** The copies table: every version of each copy environment's destination project, or why it could not be read. */
function formatCopies(environments: readonly EnvironmentStatus[]): string[] {
  const withCopy = environments.filter((e) => e.copy);
  if (withCopy.length === 0) return [];
  const copies = withCopy.flatMap((e) => e.copy!.copies);
  const width = Math.max(7, ...copies.map((c) => c.name.length));
  const envWidth = Math.max(3, ...withCopy.map((e) => e.env.length));
  const lines = ["", "copies in the copy environments' accounts (billed there):", `${"env".padEnd(envWidth)}  ${"copy".padEnd(width)}  ${"status".padEnd(18)}  units  ${"cost/h".padStart(8)}  used as`];
  for (const c of copies) {
    const units = unitsColumn(c);
    const used = c.usedAs.length > 0 ? c.usedAs.join(", ") : c.unusedButRunning ? "NOTHING - running and billed" : "-";
    lines.push(`${c.env.padEnd(envWidth)}  ${c.name.padEnd(width)}  ${c.status.padEnd(18)}  ${units.padEnd(5)}  ${`$${c.costPerHour.toFixed(2)}`.padStart(8)}  ${used}`);
  }
  for (const e of withCopy) {
    if (e.copy!.unreadable) lines.push(`${e.env}: its account could not be read: ${e.copy!.unreadable}`);
    else if (e.copy!.notDeployed) lines.push(`${e.env}: nothing runs for it yet: ${e.copy!.notDeployed}`);
    else if (e.copy!.copies.length === 0) lines.push(`${e.env}: no versions in ${e.copy!.projectArn}`);
  }
  return lines;
}

function alarmSummary(alarms: VersionAlarms | undefined): string {
  if (alarms === undefined) return "-";
  if ("error" in alarms) return "unreadable";
  const firing = alarms.filter((a) => a.state === "ALARM").length;
  const missing = alarms.filter((a) => a.state === "MISSING").length;
  if (firing > 0) return `ALARM (${firing})`;
  if (missing > 0) return `MISSING (${missing})`;
  return alarms.every((a) => a.state === "OK") ? "OK" : "no data";
}

function formatDriftLines(drift: DriftReport): string {
  const lines = ["drift (pulumi preview --refresh):"];
  for (const stack of drift.stacks) {
    if (stack.status === "clean") lines.push(`  ${stack.stack}: no drift`);
    else if (stack.status === "failed") lines.push(`  ${stack.stack}: could not be checked: ${stack.error}`);
    else for (const r of stack.resources) lines.push(`  ${stack.stack}: DRIFTED ${r.op} ${r.type} ${r.name}${r.properties.length > 0 ? `: ${r.properties.join(", ")}` : ""}`);
  }
  return lines.join("\n");
}

export function formatHistoryRecord(r: HistoryRecord): string {
  const failed = r.outcome === "succeeded" ? "" : ` at ${r.failedStep ?? "?"}${r.reason ? `: ${r.reason.split("\n")[0]}` : ""}`;
  return `${r.finishedAt}  ${r.kind.padEnd(8)}  ${versionLabel(r.from)} -> ${versionLabel(r.to)}  ${r.outcome}${failed}  by ${r.who}`;
}
