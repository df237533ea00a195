import type { Progress } from "../cli/common";
import type { AlarmReader, AlarmStatus } from "./alarms";

/**
 * The canary bake: after the switch, watch the new version's alarms until the bake's deadline; any alarm in ALARM, or
 * one that does not exist, fails the bake (the engine then undoes the switch). A read that fails is retried at the
 * next poll; the bake succeeds only on a successful read at or after the deadline, and gives up (fails) when no read
 * succeeds within a grace period after it. Bounded: every wait is at most the poll interval, the whole at most the
 * deadline plus the grace period.
 */

export interface BakeInput {
  readonly alarmNames: readonly string[];
  /** When the bake started (journalled, so a resumed run keeps the same deadline) and its deadline. */
  readonly startedAt: number;
  readonly deadline: number;
  readonly pollMs: number;
  /** After the deadline, how long failing reads are retried before the bake gives up. */
  readonly graceMs: number;
  readonly reader: AlarmReader;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Runs before every read: the lease check (it renews the lease during the wait, and stops a run that lost it). */
  readonly guard: () => Promise<void>;
  readonly progress: Progress;
}

export interface BakeResult {
  readonly reads: number;
  readonly failedReads: number;
}

export class BakeFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BakeFailedError";
  }
}

/** Poll interval: a tenth of the bake, between 10 s and 60 s (an alarm evaluates once per period, 60 s by default). */
export function bakePollMs(bakeMs: number): number {
  return Math.min(60_000, Math.max(10_000, Math.floor(bakeMs / 10)));
}

function describe(status: AlarmStatus): string {
  return `${status.name} is ${status.state}${status.since ? ` since ${status.since}` : ""}${status.reason ? ` (${status.reason})` : ""}`;
}

export async function watchAlarms(input: BakeInput): Promise<BakeResult> {
  let reads = 0;
  let failedReads = 0;
  let lastError: string | undefined;
  for (;;) {
    await input.guard();
    const at = input.now();
    let statuses: AlarmStatus[] | undefined;
    try {
      statuses = await input.reader.read(input.alarmNames);
      reads++;
    } catch (error) {
      failedReads++;
      lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      input.progress.waiting(`CloudWatch again (reading the alarms failed: ${lastError})`);
    }
    if (statuses !== undefined) {
      const missing = statuses.filter((s) => s.state === "MISSING");
      if (missing.length > 0) {
        throw new BakeFailedError(`the bake cannot vouch for the version: alarm ${missing.map((s) => s.name).join(", ")} does not exist (deploy the ML stack with modelshare:detective.alarms on; the grant deploys a version's alarms)`);
      }
      const firing = statuses.filter((s) => s.state === "ALARM");
      if (firing.length > 0) throw new BakeFailedError(`alarm fired during the bake: ${firing.map(describe).join("; ")}`);
      if (at >= input.deadline) return { reads, failedReads };
    } else if (at >= input.deadline + input.graceMs) {
      throw new BakeFailedError(`the alarms could not be read for ${Math.round((at - input.deadline) / 1000)} s after the bake's end (${lastError}); without them nothing vouches for the version`);
    }
    const remaining = input.deadline - at;
    input.progress.waiting(`${input.alarmNames.length} alarms of the new version (${Math.max(0, Math.ceil(remaining / 1000))} s of the bake left)`);
    await input.sleep(remaining > 0 ? Math.min(input.pollMs, remaining) : input.pollMs);
  }
}
