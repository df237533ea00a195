import { z } from "zod";
import type { MlConfig } from "../config/schema";
import { HistoryRecord, STEP_IDS } from "./types";

/**
 * The promotion history lives in the consumer account (an SSM parameter), so a record is input from another account:
 * what `rollback` restarts and grants must not be whatever a consumer administrator wrote there. The consumer
 * guardrail denies writes to /modelshare/ parameters to everyone but the deploy roles (ProtectModelshareParameters);
 * these checks bound what a record can still make the ML account do when that is not in place (guardrail off, a
 * deploy role misused): a record is used only if its shape is modelshare's, it is about this environment, it names
 * only model versions of the ML stack, its units stay under a cap, and a version it sends the environment back to was
 * the environment's before, as far as the history and the ML config can tell.
 */

export interface HistoryRules {
  readonly env: string;
  /** model.versions of the ML config. */
  readonly versions: readonly string[];
  /** Versions the ML config grants the environment now. */
  readonly granted: readonly string[];
  /** The most inference units a record may name (promotion.historyMaxInferenceUnits). */
  readonly maxUnits: number;
}

export interface RefusedRecord {
  /** The record's id and end time, or where it sits in the history. */
  readonly record: string;
  readonly problems: readonly string[];
}

export interface ScreenedHistory {
  /** The records fit to use, newest first. */
  readonly records: HistoryRecord[];
  readonly refused: RefusedRecord[];
}

/** The history checks' rules for an environment, from the ML stack's config. */
export function historyRulesFor(config: MlConfig, env: string): HistoryRules {
  const p = config.promotion;
  return {
    env,
    versions: config.model.versions,
    granted: config.consumers[env]?.grantedVersions ?? [],
    maxUnits: p.historyMaxInferenceUnits ?? Math.max(p.maxInferenceUnits ?? p.minInferenceUnits, DEFAULT_HISTORY_UNITS_CAP),
  };
}

/**
 * The cap when promotion.historyMaxInferenceUnits is not set: the configured units, but at least 10, so a version that
 * ran with a few more units than the defaults (`modelshare model start --min-units`) can still be rolled back to, while
 * a forged record cannot start hundreds (billed per unit-hour until stopped: Custom Labels guide, "Running a trained model").
 */
export const DEFAULT_HISTORY_UNITS_CAP = 10;

function recordSchema(rules: HistoryRules) {
  const known = new Set(rules.versions);
  const version = z.string().refine((arn) => known.has(arn), { message: "is not one of the ML stack's model.versions" });
  const units = z
    .strictObject({
      min: z.number().int().min(1).max(rules.maxUnits, `is over the cap of ${rules.maxUnits} inference units (modelshare:promotion.historyMaxInferenceUnits)`),
      max: z.number().int().min(1).max(rules.maxUnits, `is over the cap of ${rules.maxUnits} inference units (modelshare:promotion.historyMaxInferenceUnits)`).optional(),
    })
    .refine((u) => u.max === undefined || u.max >= u.min, { message: "max is below min" });
  const timestamp = z.iso.datetime({ offset: true });
  return z.strictObject({
    id: z.string().min(1).max(200),
    kind: z.enum(["promote", "rollback"]),
    env: z.literal(rules.env, { message: `is not this environment (${rules.env})` }),
    from: version,
    to: version,
    who: z.string().max(2048),
    startedAt: timestamp,
    finishedAt: timestamp,
    outcome: z.enum(["succeeded", "failed", "undo-failed", "cleanup-pending"]),
    failedStep: z.enum(STEP_IDS).optional(),
    reason: z.string().max(4096).optional(),
    units: z.record(version, units).optional(),
    undid: z.string().min(1).max(200).optional(),
  });
}

function describe(record: unknown, index: number): string {
  const r = record as Partial<HistoryRecord> | null;
  return typeof r?.id === "string" && typeof r.finishedAt === "string" ? `record ${r.id} (finished ${r.finishedAt})` : `history entry ${index + 1}`;
}

/** Whether a record moved the environment (what rollbackTarget counts). */
function moved(record: HistoryRecord): boolean {
  return record.undid === undefined && (record.outcome === "succeeded" || record.outcome === "cleanup-pending") && record.from !== record.to;
}

/**
 * Validates every record (zod), then checks each move's `from` against what the history and the ML config know of the
 * environment: the version it left must have been where an earlier move took it, the environment's first recorded
 * version, or a version the ML config grants it now. A record that fails is refused, never used.
 */
export function screenHistory(records: readonly unknown[], rules: HistoryRules): ScreenedHistory {
  const schema = recordSchema(rules);
  const refused: RefusedRecord[] = [];
  const valid: HistoryRecord[] = [];
  records.forEach((record, index) => {
    const parsed = schema.safeParse(record);
    if (parsed.success) valid.push(parsed.data as HistoryRecord);
    else refused.push({ record: describe(record, index), problems: parsed.error.issues.map((issue) => `${issue.path.map(String).join(".") || "record"} ${issue.message}`) });
  });
  const oldestFirst = [...valid].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  const moves = oldestFirst.filter(moved);
  const reached = new Set<string>([...rules.granted, ...(moves[0] ? [moves[0].from] : [])]);
  const kept = new Set<HistoryRecord>(valid);
  for (const record of moves) {
    if (!reached.has(record.from)) {
      kept.delete(record);
      refused.push({ record: describe(record, valid.indexOf(record)), problems: [`from ${record.from} was never this environment's version as far as the history and the ML config show (no earlier record took ${rules.env} there, and it is not granted to ${rules.env})`] });
      continue;
    }
    reached.add(record.to);
  }
  return { records: [...kept].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt)), refused };
}

/** The refusals as one message, for the terminal and for errors. */
export function formatRefusals(env: string, refused: readonly RefusedRecord[]): string {
  return [`${refused.length} record(s) of ${env}'s promotion history refused (not used for rollback):`, ...refused.map((r) => `  - ${r.record}: ${r.problems.join("; ")}`)].join("\n");
}
