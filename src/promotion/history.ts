import type { SSMClient } from "@aws-sdk/client-ssm";
import { ssmSdk } from "./sdk";
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

/** Standard parameters hold 4,096 characters of value; a reason is cut so a record always fits. */
const MAX_REASON_CHARS = 1500;
const MAX_VALUE_CHARS = 4096;

function cut(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, Math.max(0, length - 3))}...` : text;
}

/**
 * The record as the parameter's value. The limit applies to the encoded JSON, where a quote, a backslash or a newline
 * takes two characters and a control character six, so the reason is shortened until the whole value fits.
 */
export function encodeRecord(record: HistoryRecord): string {
  if (record.reason === undefined) return JSON.stringify(record);
  const reason = record.reason;
  const encode = (length: number) => JSON.stringify({ ...record, reason: cut(reason, length) });
  const longest = encode(MAX_REASON_CHARS);
  if (longest.length <= MAX_VALUE_CHARS) return longest;
  // The longest cut of the reason that fits (binary search: the encoded length grows with the cut's length).
  let fits = 3;
  let tooLong = Math.min(reason.length, MAX_REASON_CHARS);
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (encode(middle).length <= MAX_VALUE_CHARS) fits = middle;
    else tooLong = middle;
  }
  return encode(fits);
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
      new (ssmSdk().PutParameterCommand)({
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
        const page = await client.send(new (ssmSdk().GetParameterHistoryCommand)({ Name: historyParameterName(env), MaxResults: 50, NextToken: nextToken }));
        for (const version of page.Parameters ?? []) {
          const record = decodeRecord(version.Value);
          if (record) records.push(record);
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      if (error instanceof ssmSdk().ParameterNotFound || (error as Error).name === "ParameterNotFound") return [];
      throw error;
    }
    return records.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  }
}
