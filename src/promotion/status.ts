import { own } from "../config/lists";
import { DeployedState } from "./deployed";
import { checkoutDrift } from "./drift";
import type { Liveness } from "./processIdentity";
import { describeLease, LeaseRecord } from "./lease";
import { VersionDescription } from "./model";
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
 * flagged, since they are billed all the same; and who holds the promotion lease.
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
   * What the environment costs per hour: each running version's cost, shared evenly among the environments that call
   * or are granted it (so the environments' costs and the unused running versions add up to the total).
   */
  readonly costPerHour: number;
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
  readonly usedBy: readonly VersionUse[];
  /** RUNNING (and billed) while no environment calls, is granted or is promoting to it. */
  readonly unusedButRunning: boolean;
  /** The version's alarms (running versions, with detective.alarms on). */
  readonly alarms?: VersionAlarms;
}

export interface StatusReport {
  readonly environments: readonly EnvironmentStatus[];
  readonly versions: readonly VersionStatus[];
  readonly pricePerInferenceUnitHour: number;
  readonly totalCostPerHour: number;
  readonly unusedRunningVersions: readonly string[];
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

const BILLED = new Set(["RUNNING"]);

export function summarizeStatus(
  project: Project,
  descriptions: readonly VersionDescription[],
  journals: readonly Journal[],
  onlyEnv?: string,
  deployed?: DeployedState,
  alarms: Readonly<Record<string, VersionAlarms>> = {},
  ownerAlive: Liveness = () => "unknown",
): StatusReport {
  const state = deployed ? deployedUsage(project, deployed, journals) : usageState(project, journals);
  const drift = deployed ? checkoutDrift(project, deployed) : [];
  const price = project.ml.config.promotion.pricePerInferenceUnitHour;
  const byArn = new Map(descriptions.map((d) => [d.arn, d]));
  const envs = environmentNames(project).filter((e) => onlyEnv === undefined || e === onlyEnv);

  const environments = envs.map((env): EnvironmentStatus => {
    const consumer = project.consumers[env];
    const configured = own(state.configured, env) ?? consumer.config.modelVersionArn;
    const granted = own(state.granted, env) ?? [];
    const problems: string[] = [];
    if (!granted.includes(configured)) problems.push(`its configured version ${versionLabel(configured)} is not granted to it ${deployed ? "by the deployed ML stack" : `in ${project.ml.path}`}`);
    const description = byArn.get(configured);
    if (!description) problems.push(`its configured version ${versionLabel(configured)} does not exist in the model's project`);
    else if (description.status !== "RUNNING") problems.push(`its configured version ${versionLabel(configured)} is ${description.status}, not RUNNING: calls fail`);
    const versionAlarms = alarms[configured];
    const firing = versionAlarms !== undefined && !("error" in versionAlarms) ? versionAlarms.filter((a) => a.state === "ALARM") : [];
    if (firing.length > 0) problems.push(`its configured version ${versionLabel(configured)} has ${firing.length === 1 ? "an alarm" : "alarms"} in ALARM: ${firing.map((a) => a.name).join(", ")}`);
    const journal = journals.find((j) => j.env === env);
    const differs = drift.filter((d) => d.env === env).map((d) => `${d.file}: ${d.key} is ${show(d.inCheckout)} in this checkout, ${show(d.deployed)} as deployed`);
    return {
      env,
      stack: consumer.stack,
      configuredVersion: configured,
      grantedVersions: granted,
      healthy: problems.length === 0,
      problems,
      ...(journal && journal.phase !== "cleanup-pending" ? { promotionInProgress: inProgress(journal, ownerAlive) } : {}),
      ...(journal && journal.phase === "cleanup-pending"
        ? {
            cleanupPending: {
              kind: journal.kind,
              from: journal.previous,
              to: journal.version,
              ...(journal.failure ? { step: journal.failure.step, reason: journal.failure.reason } : {}),
              since: journal.startedAt,
              by: journal.who,
              command: `modelshare ${journal.kind === "promote" ? `promote --env ${env} --version ${journal.version}` : `rollback --env ${env} --to ${journal.version}`}`,
            },
          }
        : {}),
      ...(differs.length > 0 ? { checkoutDiffers: differs } : {}),
      costPerHour: 0, // filled in once every version's cost is known (below)
    };
  });

  const known = new Set<string>([
    ...project.ml.config.model.versions,
    ...Object.values(state.configured),
    ...Object.values(state.granted).flat(),
    ...descriptions.map((d) => d.arn),
  ]);
  const allVersions = [...known].sort().map((arn): VersionStatus => {
    const d = byArn.get(arn);
    const status = d?.status ?? "NOT_FOUND";
    const billed = BILLED.has(status);
    const min = d?.minInferenceUnits;
    const max = d?.maxInferenceUnits;
    const usedBy = usersOf(arn, state);
    return {
      arn,
      name: versionLabel(arn),
      status,
      ...(min !== undefined ? { minInferenceUnits: min } : {}),
      ...(max !== undefined ? { maxInferenceUnits: max } : {}),
      costPerHour: billed ? (min ?? 1) * price : 0,
      ...(billed && max !== undefined ? { maxCostPerHour: max * price } : {}),
      usedBy,
      unusedButRunning: billed && usedBy.length === 0,
      ...(alarms[arn] !== undefined ? { alarms: alarms[arn] } : {}),
    };
  });
  const costs = environmentCosts(allVersions);
  // With --env, show that environment's versions, but never hide a running version nobody uses: it costs money.
  const versions = onlyEnv === undefined ? allVersions : allVersions.filter((v) => v.unusedButRunning || v.usedBy.some((u) => u.env === onlyEnv));
  return {
    environments: environments.map((e) => ({ ...e, costPerHour: costs[e.env] ?? 0 })),
    versions,
    pricePerInferenceUnitHour: price,
    totalCostPerHour: allVersions.reduce((sum, v) => sum + v.costPerHour, 0),
    unusedRunningVersions: allVersions.filter((v) => v.unusedButRunning).map((v) => v.arn),
  };
}

/** Each running version's cost shared evenly among the environments that call or are granted it. */
export function environmentCosts(versions: readonly Pick<VersionStatus, "costPerHour" | "usedBy">[]): Record<string, number> {
  const costs: Record<string, number> = {};
  for (const version of versions) {
    const users = [...new Set(version.usedBy.filter((u) => u.how !== "in-flight").map((u) => u.env))];
    for (const env of users) costs[env] = (costs[env] ?? 0) + version.costPerHour / users.length;
  }
  return costs;
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
    lines.push(`${e.env} (stack ${e.stack}): ${e.healthy ? "healthy" : "UNHEALTHY"}, $${e.costPerHour.toFixed(2)}/hour`);
    lines.push(`  calls    ${versionLabel(e.configuredVersion)}`);
    lines.push(`  granted  ${e.grantedVersions.map(versionLabel).join(", ") || "(nothing)"}`);
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
    const units = v.minInferenceUnits === undefined ? "-" : v.maxInferenceUnits !== undefined ? `${v.minInferenceUnits}-${v.maxInferenceUnits}` : `${v.minInferenceUnits}`;
    const cost = `$${v.costPerHour.toFixed(2)}`;
    const used = v.usedBy.length > 0 ? v.usedBy.map((u) => `${u.env} (${u.how})`).join(", ") : v.unusedButRunning ? "NOBODY - running and billed" : "-";
    lines.push(`${v.name.padEnd(width)}  ${v.status.padEnd(18)}  ${units.padEnd(5)}  ${cost.padStart(8)}  ${withAlarms ? `${alarmSummary(v.alarms).padEnd(10)}  ` : ""}${used}`);
  }
  for (const v of report.versions) {
    if (v.alarms === undefined) continue;
    if ("error" in v.alarms) lines.push(`alarms of ${v.name} could not be read: ${v.alarms.error}`);
    else for (const a of v.alarms.filter((x) => x.state !== "OK")) lines.push(`  ${v.name}: ${a.name} is ${a.state}${a.since ? ` since ${a.since}` : ""}${a.reason ? ` (${a.reason})` : ""}`);
  }
  lines.push("");
  lines.push(`estimated cost: $${report.totalCostPerHour.toFixed(2)}/hour at $${report.pricePerInferenceUnitHour}/inference-unit hour (minimum units; modelshare:promotion.pricePerInferenceUnitHour)`);
  if (report.unusedRunningVersions.length > 0) {
    lines.push(`running versions no environment uses: ${report.unusedRunningVersions.map(versionLabel).join(", ")} (stop with \`modelshare model stop --version ARN\`)`);
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
