import type { AttributeValue, ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { PROMOTION_LEASE_ATTRIBUTES } from "../contract";
import { dynamodbSdk } from "./sdk";

/**
 * The promotion lease: one item in a DynamoDB table of the ML account (created by the ML stack, see
 * components/PromotionLease.ts) that every promotion, rollback, `model start|stop` and `deploy` holds while it
 * changes grants, configured versions or model state. Operators on different machines and checkouts exclude each
 * other through it; the local file locks in ./journal only protect one checkout's journal.
 *
 * Exclusion comes from conditional writes, never from reading first: the item is created only when absent or
 * expired (PutItem with a ConditionExpression), extended and deleted only by the token that created it. DynamoDB's
 * TTL deletes expired items lazily (typically within days, "Working with expired items", DynamoDB developer guide),
 * so expiry is always compared in the condition; TTL only collects garbage.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */

/** The one key of the table: a single lease serializes every change of grants and model state. */
export const LEASE_KEY = "promotion";

/** The item's attribute that DynamoDB's TTL reads (epoch seconds), set a day after expiry. */
export const LEASE_TTL_ATTRIBUTE = PROMOTION_LEASE_ATTRIBUTES.ttl;

/** Who takes the lease: shown to whoever finds it held. */
export interface LeaseIdentity {
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  /** AWS identity of the holder (GetCallerIdentity), when known. */
  readonly who: string;
  /** The command line. */
  readonly command: string;
  /** What the holder is doing, e.g. `promote prod to defect-detector.v2`. */
  readonly purpose: string;
}

export interface LeaseRecord extends LeaseIdentity {
  /** Random per acquisition: only its holder can extend or release the lease. */
  readonly token: string;
  /** Epoch milliseconds. */
  readonly acquiredAt: number;
  readonly expiresAt: number;
}

/** The table, as the lease needs it. DynamoLeaseStore is the real one; tests use the same one against a mocked client. */
export interface LeaseStore {
  /** Where the lease lives, for messages (table, account, region). */
  readonly location: string;
  /** Creates the item unless one exists that expires at or after `staleBefore`; otherwise returns the holder's record. */
  create(record: LeaseRecord, staleBefore: number): Promise<{ readonly created: true } | { readonly created: false; readonly holder: LeaseRecord | "unreadable" }>;
  /** Moves the expiry of the item `token` created; false when the item is no longer that one. */
  extend(token: string, expiresAt: number): Promise<boolean>;
  /** Deletes the item if `token` created it; false when it did not. */
  remove(token: string): Promise<boolean>;
  read(): Promise<LeaseRecord | "unreadable" | undefined>;
}

export class LeaseTableMissingError extends Error {
  constructor(location: string) {
    super(`the promotion lease table (${location}) does not exist: deploy the ML stack first (modelshare deploy --stacks <ml stack>); it creates the table`);
    this.name = "LeaseTableMissingError";
  }
}

export class DynamoLeaseStore implements LeaseStore {
  readonly location: string;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    where: string,
  ) {
    this.location = `DynamoDB table ${tableName} in ${where}, key ${LEASE_KEY}`;
  }

  private key(): Record<string, AttributeValue> {
    return { [PROMOTION_LEASE_ATTRIBUTES.partitionKey]: { S: LEASE_KEY } };
  }

  async create(record: LeaseRecord, staleBefore: number): Promise<{ created: true } | { created: false; holder: LeaseRecord | "unreadable" }> {
    try {
      await this.send(
        new (dynamodbSdk().PutItemCommand)({
          TableName: this.tableName,
          Item: { ...this.key(), ...toItem(record) },
          ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt < :staleBefore",
          ExpressionAttributeNames: { "#pk": PROMOTION_LEASE_ATTRIBUTES.partitionKey, "#expiresAt": "expiresAt" },
          ExpressionAttributeValues: { ":staleBefore": { N: String(staleBefore) } },
          // The holder comes back with the refusal: one call per attempt, no read before the write.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { created: true };
    } catch (error) {
      if (error instanceof dynamodbSdk().ConditionalCheckFailedException || (error as Error).name === "ConditionalCheckFailedException") {
        const item = (error as ConditionalCheckFailedException).Item;
        return { created: false, holder: item ? fromItem(item) : "unreadable" };
      }
      throw error;
    }
  }

  async extend(token: string, expiresAt: number): Promise<boolean> {
    return this.conditional(
      new (dynamodbSdk().UpdateItemCommand)({
        TableName: this.tableName,
        Key: this.key(),
        UpdateExpression: "SET #expiresAt = :expiresAt, #ttl = :ttl",
        ConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#expiresAt": "expiresAt", "#ttl": LEASE_TTL_ATTRIBUTE, "#token": "token" },
        ExpressionAttributeValues: { ":expiresAt": { N: String(expiresAt) }, ":ttl": { N: String(ttlSeconds(expiresAt)) }, ":token": { S: token } },
      }),
    );
  }

  async remove(token: string): Promise<boolean> {
    return this.conditional(
      new (dynamodbSdk().DeleteItemCommand)({
        TableName: this.tableName,
        Key: this.key(),
        ConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#token": "token" },
        ExpressionAttributeValues: { ":token": { S: token } },
      }),
    );
  }

  async read(): Promise<LeaseRecord | "unreadable" | undefined> {
    const response = await this.send<{ Item?: Record<string, AttributeValue> }>(new (dynamodbSdk().GetItemCommand)({ TableName: this.tableName, Key: this.key(), ConsistentRead: true }));
    return response.Item ? fromItem(response.Item) : undefined;
  }

  private async conditional(command: UpdateItemCommand | DeleteItemCommand): Promise<boolean> {
    try {
      await this.send(command);
      return true;
    } catch (error) {
      if ((error as Error).name === "ConditionalCheckFailedException") return false;
      throw error;
    }
  }

  private async send<T>(command: { readonly input: unknown }): Promise<T> {
    try {
      return (await this.client.send(command as never)) as T;
    } catch (error) {
      if ((error as Error).name === "ResourceNotFoundException") throw new LeaseTableMissingError(this.location);
      throw error;
    }
  }
}

function ttlSeconds(expiresAt: number): number {
  return Math.ceil(expiresAt / 1000) + 24 * 3600;
}

function toItem(record: LeaseRecord): Record<string, AttributeValue> {
  return {
    token: { S: record.token },
    user: { S: record.user },
    host: { S: record.host },
    pid: { N: String(record.pid) },
    who: { S: record.who },
    command: { S: record.command },
    purpose: { S: record.purpose },
    acquiredAt: { N: String(record.acquiredAt) },
    expiresAt: { N: String(record.expiresAt) },
    [LEASE_TTL_ATTRIBUTE]: { N: String(ttlSeconds(record.expiresAt)) },
  };
}

/** The record an item holds; "unreadable" when it was written by something else (or by hand). */
export function fromItem(item: Record<string, AttributeValue>): LeaseRecord | "unreadable" {
  const text = (name: string) => item[name]?.S;
  const number = (name: string) => (item[name]?.N !== undefined ? Number(item[name].N) : Number.NaN);
  const record = {
    token: text("token"),
    user: text("user") ?? "unknown",
    host: text("host"),
    pid: number("pid"),
    who: text("who") ?? "unknown",
    command: text("command") ?? "unknown",
    purpose: text("purpose") ?? "unknown",
    acquiredAt: number("acquiredAt"),
    expiresAt: number("expiresAt"),
  };
  if (record.token === undefined || record.host === undefined || !Number.isFinite(record.expiresAt)) return "unreadable";
  return record as LeaseRecord;
}

// ---------------------------------------------------------------------------------------------------------------
// Holding the lease

export interface LeaseTiming {
  /** How long an acquisition or renewal holds the lease without another renewal. */
  readonly durationMs: number;
  /** How often a live run renews it. */
  readonly renewEveryMs: number;
  /** A run stops changing things this long before its lease would expire (latency, clock skew). */
  readonly safetyMarginMs: number;
  /** Another run's lease counts as expired only this long after its expiry (clock skew between machines). */
  readonly skewMs: number;
  /** Renewals stop after this long: a hung run cannot keep everyone else out for ever. */
  readonly maxHoldMs: number;
  /** How long to wait for a lease another run holds before giving up. */
  readonly waitMs: number;
  /** Longest pause between two attempts while waiting. */
  readonly pollMs: number;
}

/**
 * Ten minutes per renewal, renewed every two: a crashed run blocks others for at most ten minutes (less when it
 * crashed on this host, see PromotionLease.acquire), and a live run has four renewals' worth of slack. Four hours
 * cover the longest promotion (an hour to start a model, half an hour to stop one, verify and the updates).
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  durationMs: 10 * 60_000,
  renewEveryMs: 2 * 60_000,
  safetyMarginMs: 30_000,
  skewMs: 60_000,
  maxHoldMs: 4 * 3600_000,
  waitMs: 30 * 60_000,
  pollMs: 15_000,
};

export function describeLease(record: LeaseRecord | "unreadable", now?: number): string {
  if (record === "unreadable") return "an unreadable lease item (not written by modelshare)";
  const expiry = new Date(record.expiresAt).toISOString();
  const state = now === undefined ? `expires ${expiry}` : now > record.expiresAt ? `EXPIRED at ${expiry}` : `expires ${expiry} unless renewed`;
  return `${record.purpose}: \`${record.command}\` by ${record.user}@${record.host} (pid ${record.pid}, ${record.who}) since ${new Date(record.acquiredAt).toISOString()}, ${state}`;
}

/** Another run holds the lease for longer than this one may wait: nothing was changed. */
export class LeaseHeldError extends Error {
  constructor(
    readonly holder: LeaseRecord | "unreadable",
    location: string,
    waitedMs: number,
  ) {
    super(
      `refused: another promotion holds the promotion lease (${location}): ${describeLease(holder)}; waited ${Math.round(waitedMs / 1000)}s. ` +
        "Re-run when it has finished; if that run is dead (its machine is gone), break its lease with `modelshare lease break --force`.",
    );
    this.name = "LeaseHeldError";
  }
}

/** The lease ran out or was taken while this run held it: the run stops before its next change. */
export class LeaseLostError extends Error {
  constructor(reason: string) {
    super(`stopped before the next change: ${reason}. Re-run the same command to continue from the journal once no other promotion holds the lease (\`modelshare lease show\`)`);
    this.name = "LeaseLostError";
  }
}

export interface LeaseClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Whether the process that holds a lease on this host is still running (./journal's processLiveness). */
export type LeaseLiveness = (holder: { readonly host: string; readonly pid: number }) => boolean | "unknown";

export class PromotionLease {
  constructor(
    readonly store: LeaseStore,
    private readonly clock: LeaseClock,
    private readonly liveness: LeaseLiveness,
    readonly timing: LeaseTiming = DEFAULT_LEASE_TIMING,
  ) {}

  /**
   * Takes the lease, waiting (bounded by timing.waitMs) while another run holds it. A lease whose holder ran on this
   * host and is gone (a crash) is deleted at once, by its token, so a re-run after a crash does not wait for expiry;
   * a holder on another host cannot be checked and is waited for.
   */
  async acquire(identity: LeaseIdentity, onWait: (holder: LeaseRecord | "unreadable") => void = () => {}): Promise<HeldLease> {
    const started = this.clock.now();
    const deadline = started + this.timing.waitMs;
    let announced: string | undefined;
    for (;;) {
      const now = this.clock.now();
      const record: LeaseRecord = { ...identity, token: randomUUID(), acquiredAt: now, expiresAt: now + this.timing.durationMs };
      const result = await this.store.create(record, now - this.timing.skewMs);
      if (result.created) return new HeldLease(this.store, this.clock, this.timing, record);
      const holder = result.holder;
      if (holder !== "unreadable" && holder.host === hostname() && this.liveness(holder) === false && (await this.store.remove(holder.token))) continue;
      if (this.clock.now() >= deadline) throw new LeaseHeldError(holder, this.store.location, this.clock.now() - started);
      const key = holder === "unreadable" ? "unreadable" : holder.token;
      if (announced !== key) {
        onWait(holder);
        announced = key;
      }
      const untilExpiry = holder === "unreadable" ? this.timing.pollMs : holder.expiresAt + this.timing.skewMs - this.clock.now() + 1;
      await this.clock.sleep(Math.max(1000, Math.min(this.timing.pollMs, untilExpiry, deadline - this.clock.now())));
    }
  }

  /** The current holder, if any. */
  async current(): Promise<LeaseRecord | "unreadable" | undefined> {
    return this.store.read();
  }

  /**
   * Deletes the lease that is there now, whoever holds it: for a holder known to be dead. Conditional on the token
   * just read, so a lease taken in between by someone else is never broken by mistake.
   */
  async breakLease(): Promise<{ readonly broken: LeaseRecord | "unreadable" | undefined }> {
    const holder = await this.store.read();
    if (holder === undefined) return { broken: undefined };
    if (holder === "unreadable") throw new Error(`the lease item in ${this.store.location} holds no modelshare lease record; delete the item by hand (aws dynamodb delete-item) if no promotion runs`);
    if (!(await this.store.remove(holder.token))) throw new Error(`the lease in ${this.store.location} changed hands while it was being broken; run \`modelshare lease show\` and try again`);
    return { broken: holder };
  }
}

/**
 * A lease this run holds. `check()` runs before every change the run makes: it renews when due and throws
 * LeaseLostError once the lease is gone or about to expire, so a run that cannot renew stops before its next side
 * effect. A background timer renews too, during long waits (a model starting) where no change is made.
 */
export class HeldLease {
  private expiresAt: number;
  private renewedAt: number;
  private lost: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly store: LeaseStore,
    private readonly clock: LeaseClock,
    private readonly timing: LeaseTiming,
    readonly record: LeaseRecord,
  ) {
    this.expiresAt = record.expiresAt;
    this.renewedAt = record.acquiredAt;
    this.timer = setInterval(() => void this.check().catch(() => undefined), timing.renewEveryMs);
    this.timer.unref();
  }

  get token(): string {
    return this.record.token;
  }

  async check(): Promise<void> {
    if (this.lost === undefined && this.clock.now() - this.renewedAt >= this.timing.renewEveryMs) {
      this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
      await this.renewing;
    }
    if (this.lost !== undefined) throw new LeaseLostError(this.lost);
    const now = this.clock.now();
    if (now >= this.expiresAt - this.timing.safetyMarginMs) {
      throw new LeaseLostError(`the promotion lease expires at ${new Date(this.expiresAt).toISOString()} and could not be renewed in time`);
    }
  }

  private async renew(): Promise<void> {
    const now = this.clock.now();
    if (now - this.record.acquiredAt >= this.timing.maxHoldMs) return; // bounded: check() fails once it expires
    try {
      if (await this.store.extend(this.record.token, now + this.timing.durationMs)) {
        this.expiresAt = now + this.timing.durationMs;
        this.renewedAt = now;
      } else {
        this.lost = `the promotion lease was broken or taken over by another run (${this.store.location})`;
      }
    } catch {
      // A failed renewal (network, throttling) is retried on the next check; the lease holds until it expires.
    }
  }

  /** Stops renewing and deletes the item (by token: a lease already taken over is left to its new holder). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lost !== undefined) return;
    this.lost = "the lease was released";
    await this.store.remove(this.record.token);
  }
}
