import { GetParameterHistoryCommand, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { historyParameterName } from "../contract";
import { HistoryRecord } from "./types";

/**
 * Promotion history in the consumer account: every record is one PutParameter on the environment's history
 * parameter, so each is a parameter version and GetParameterHistory returns them all. Parameter Store keeps the
 * 100 most recent versions; no labels are attached, because a labelled oldest version would make PutParameter
 * fail (ParameterMaxVersionLimitExceeded) instead of rotating.
 */

export interface HistoryStore {
  append(record: HistoryRecord): Promise<void>;
  /** Newest first. */
  list(env: string): Promise<HistoryRecord[]>;
}

/** Standard parameters hold 4 KB; a reason is cut so a record always fits. */
const MAX_REASON_CHARS = 1500;

export function encodeRecord(record: HistoryRecord): string {
  const reason = record.reason !== undefined && record.reason.length > MAX_REASON_CHARS ? `${record.reason.slice(0, MAX_REASON_CHARS - 3)}...` : record.reason;
  return JSON.stringify({ ...record, ...(reason !== undefined ? { reason } : {}) });
}

export function decodeRecord(value: string | undefined): HistoryRecord | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<HistoryRecord>;
    if (typeof parsed.env !== "string" || typeof parsed.to !== "string" || typeof parsed.finishedAt !== "string") return undefined;
    return parsed as HistoryRecord;
  } catch {
    return undefined; // a hand-written value: not ours to interpret
  }
}

export class SsmHistoryStore implements HistoryStore {
  /** `clientFor(env)` reaches the environment's account (through its deployRoleArn when one is configured). */
  constructor(private readonly clientFor: (env: string) => SSMClient) {}

  async append(record: HistoryRecord): Promise<void> {
    await this.clientFor(record.env).send(
      new PutParameterCommand({
        Name: historyParameterName(record.env),
        Value: encodeRecord(record),
        Type: "String",
        Overwrite: true,
        Description: "modelshare promotion history: one parameter version per promotion or rollback",
      }),
    );
  }

  async list(env: string): Promise<HistoryRecord[]> {
    const client = this.clientFor(env);
    const records: HistoryRecord[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await client.send(new GetParameterHistoryCommand({ Name: historyParameterName(env), MaxResults: 50, NextToken: nextToken }));
        for (const version of page.Parameters ?? []) {
          const record = decodeRecord(version.Value);
          if (record) records.push(record);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      if (error instanceof ParameterNotFound || (error as Error).name === "ParameterNotFound") return [];
      throw error;
    }
    return records.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  }
}
