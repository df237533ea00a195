import type { AttributeValue, ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { PROMOTION_LEASE_ATTRIBUTES } from "../contract";
import { dynamodbSdk } from "./sdk";
import type { Liveness } from "./processIdentity";

/**
 * The promotion lease: one item in a DynamoDB table of the ML account (created by the ML stack, see
 * components/PromotionLease.ts) that every promotion, rollback, `model start|stop` and `deploy` holds while it
 * changes grants, configured versions or model state. Operators on different machines and checkouts exclude each
 * other through it; the local file locks in ./journal only protect one checkout's journal.
 *
 * Exclusion comes from conditional writes, never from reading first: the item is created only when absent, taken
 * over only when its record version is the one a taker watched unchanged for a lease duration, renewed and deleted
 * only by the token that created it. DynamoDB's TTL deletes expired items lazily (typically within days, "Working
 * with expired items", DynamoDB developer guide); it only collects garbage and decides nothing.
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
  /** Where the process runs (./processIdentity): lets a run on the same machine tell that a holder crashed. */
  readonly bootId?: string;
  readonly pidNamespace?: string;
  readonly startTime?: string;
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
  /**
   * Random, rewritten by every renewal and every pre-change check. Another run takes the lease over only after it
   * saw the same version for a whole lease duration on its own clock (so wall clocks are never compared across
   * machines), and only by a write conditional on that version. Absent in items written before fencing existed.
   */
  readonly version?: string;
  /** How long the holder promises to renew within: what a taker waits for, unchanged, before taking over. */
  readonly durationMs?: number;
  /** Epoch milliseconds, by the holder's clock: for display only, never compared with another machine's clock. */
  readonly acquiredAt: number;
  readonly expiresAt: number;
}

/** The state of the item a run observed: a takeover is conditional on exactly this. */
export type ObservedLease = Pick<LeaseRecord, "token" | "version" | "expiresAt">;

/** The table, as the lease needs it. DynamoLeaseStore is the real one; tests use the same one against a mocked client. */
export interface LeaseStore {
  /** Where the lease lives, for messages (table, account, region). */
  readonly location: string;
  /** Creates the item unless one exists; otherwise returns the holder's record. */
  create(record: LeaseRecord): Promise<{ readonly created: true } | { readonly created: false; readonly holder: LeaseRecord | "unreadable" }>;
  /** Replaces the item if it is still exactly `observed` (a takeover); false when it changed. */
  replace(record: LeaseRecord, observed: ObservedLease): Promise<boolean>;
  /**
   * The fencing write: gives the item a new version and expiry if it still holds `token` and `version`; false when
   * the item is no longer that one (broken, taken over).
   */
  renew(token: string, version: string, next: { readonly version: string; readonly expiresAt: number }): Promise<boolean>;
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

/**
 * Every write is conditional (DynamoDB condition expressions, evaluated atomically on the stored item):
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html . The
 * takeover rule is the one of AWS's DynamoDB Lock Client ("Building Distributed Locks with the DynamoDB Lock
 * Client", AWS Database Blog): a lease is stale when its record version has not changed for a lease duration,
 * measured by the taker.
 */
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

  async create(record: LeaseRecord): Promise<{ created: true } | { created: false; holder: LeaseRecord | "unreadable" }> {
    try {
      await this.send(
        new (dynamodbSdk().PutItemCommand)({
          TableName: this.tableName,
          Item: { ...this.key(), ...toItem(record) },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PROMOTION_LEASE_ATTRIBUTES.partitionKey },
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

  async replace(record: LeaseRecord, observed: ObservedLease): Promise<boolean> {
    // An item written before versions existed is matched on its expiry, which its holder rewrote on every renewal.
    const sameVersion = observed.version !== undefined ? "#version = :version" : "attribute_not_exists(#version) AND #expiresAt = :expiresAt";
    return this.conditional(
      new (dynamodbSdk().PutItemCommand)({
        TableName: this.tableName,
        Item: { ...this.key(), ...toItem(record) },
        ConditionExpression: `#token = :token AND ${sameVersion}`,
        ExpressionAttributeNames: { "#token": "token", "#version": "version", ...(observed.version === undefined ? { "#expiresAt": "expiresAt" } : {}) },
        ExpressionAttributeValues: {
          ":token": { S: observed.token },
          ...(observed.version !== undefined ? { ":version": { S: observed.version } } : { ":expiresAt": { N: String(observed.expiresAt) } }),
        },
      }),
    );
  }

  async renew(token: string, version: string, next: { readonly version: string; readonly expiresAt: number }): Promise<boolean> {
    return this.conditional(
      new (dynamodbSdk().UpdateItemCommand)({
        TableName: this.tableName,
        Key: this.key(),
        UpdateExpression: "SET #version = :next, #expiresAt = :expiresAt, #ttl = :ttl",
        ConditionExpression: "#token = :token AND #version = :version",
        ExpressionAttributeNames: { "#version": "version", "#expiresAt": "expiresAt", "#ttl": LEASE_TTL_ATTRIBUTE, "#token": "token" },
        ExpressionAttributeValues: {
          ":next": { S: next.version },
          ":expiresAt": { N: String(next.expiresAt) },
          ":ttl": { N: String(ttlSeconds(next.expiresAt)) },
          ":token": { S: token },
          ":version": { S: version },
        },
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

  private async conditional(command: PutItemCommand | UpdateItemCommand | DeleteItemCommand): Promise<boolean> {
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
    ...(record.version !== undefined ? { version: { S: record.version } } : {}),
    ...(record.durationMs !== undefined ? { durationMs: { N: String(record.durationMs) } } : {}),
    ...(record.bootId !== undefined ? { bootId: { S: record.bootId } } : {}),
    ...(record.pidNamespace !== undefined ? { pidNamespace: { S: record.pidNamespace } } : {}),
    ...(record.startTime !== undefined ? { startTime: { S: record.startTime } } : {}),
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
  const optional = Object.fromEntries(["version", "bootId", "pidNamespace", "startTime"].flatMap((name) => (text(name) !== undefined ? [[name, text(name)]] : [])));
  const durationMs = number("durationMs");
  return { ...record, ...optional, ...(Number.isFinite(durationMs) && durationMs > 0 ? { durationMs } : {}) } as LeaseRecord;
}

// ---------------------------------------------------------------------------------------------------------------
// Holding the lease

export interface LeaseTiming {
  /** How long an acquisition or renewal holds the lease without another renewal. */
  readonly durationMs: number;
  /** How often a live run renews it while it waits (a model starting): every change renews it too. */
  readonly renewEveryMs: number;
  /** A run that cannot confirm its lease stops changing things this long before the lease could be taken over. */
  readonly safetyMarginMs: number;
  /** Renewals stop after this long: a hung run cannot keep everyone else out for ever. */
  readonly maxHoldMs: number;
  /** How long to wait for a lease another run holds before giving up. */
  readonly waitMs: number;
  /** Longest pause between two attempts while waiting. */
  readonly pollMs: number;
}

/**
 * Ten minutes per renewal, renewed every two minutes and before every change: a crashed run blocks others for ten
 * minutes after the last time it renewed (less when it crashed on this machine, see PromotionLease.acquire). Four
 * hours cover the longest promotion the other bounds allow (docs/promotion.md "Bounds"): an hour to start a model,
 * half an hour to stop one, every `pulumi up` bounded by promotion.upTimeoutMinutes, each AWS request by its
 * request timeout (./awsClients).
 */
export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  durationMs: 10 * 60_000,
  renewEveryMs: 2 * 60_000,
  safetyMarginMs: 30_000,
  maxHoldMs: 4 * 3600_000,
  waitMs: 30 * 60_000,
  pollMs: 15_000,
};

export function describeLease(record: LeaseRecord | "unreadable", now?: number): string {
  if (record === "unreadable") return "an unreadable lease item (not written by modelshare)";
  const expiry = new Date(record.expiresAt).toISOString();
  // The expiry is the holder's own clock: shown, never used to decide (another machine's clock may be off).
  const state = now === undefined ? `expires ${expiry} by its clock` : now > record.expiresAt ? `EXPIRED at ${expiry} by its clock` : `expires ${expiry} by its clock unless renewed`;
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
  /** Wall-clock epoch milliseconds: what the item shows. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * A monotonic clock (performance.now in the CLI) for every duration the lease decides on: a wall clock that is
   * stepped (NTP, a laptop waking up) must not make a lease look stale. Defaults to `now`.
   */
  readonly monotonic?: () => number;
}

/** Whether the process that holds a lease on this machine is still running (./processIdentity). */
export type LeaseLiveness = Liveness;

export class PromotionLease {
  private readonly elapsed: () => number;

  constructor(
    readonly store: LeaseStore,
    private readonly clock: LeaseClock,
    private readonly liveness: LeaseLiveness,
    readonly timing: LeaseTiming = DEFAULT_LEASE_TIMING,
  ) {
    this.elapsed = clock.monotonic ?? clock.now;
  }

  /**
   * Takes the lease, waiting (bounded by timing.waitMs) while another run holds it. A holder is stale once its
   * record version stayed the same for its whole lease duration as measured here; the takeover is a write
   * conditional on that version, so a holder that renewed meanwhile keeps its lease and of two takers one wins. A
   * holder that ran in this very process space (same machine, boot and PID namespace) and is gone (a crash) is
   * replaced at once, so a re-run after a crash does not wait.
   */
  async acquire(identity: LeaseIdentity, onWait: (holder: LeaseRecord | "unreadable") => void = () => {}): Promise<HeldLease> {
    const started = this.elapsed();
    const deadline = started + this.timing.waitMs;
    let announced: string | undefined;
    let observed: { key: string; since: number } | undefined;
    for (;;) {
      const record = this.newRecord(identity);
      const result = await this.store.create(record);
      if (result.created) return this.held(record);
      const holder = result.holder;
      let wakeAt = this.elapsed() + this.timing.pollMs;
      if (holder !== "unreadable") {
        const key = `${holder.token} ${holder.version ?? ""} ${holder.expiresAt}`;
        if (observed?.key !== key) observed = { key, since: this.elapsed() };
        const staleAt = observed.since + Math.max(holder.durationMs ?? 0, this.timing.durationMs);
        // Only a holder on this machine can be seen to be gone (the liveness check is stricter still: boot and PID namespace).
        const crashedHere = holder.host === hostname() && this.liveness(holder) === false;
        if (crashedHere || this.elapsed() >= staleAt) {
          const replacement = this.newRecord(identity);
          if (await this.store.replace(replacement, holder)) return this.held(replacement);
          continue; // it changed: renewed, released or taken by another run
        }
        wakeAt = Math.min(wakeAt, staleAt + 1);
      }
      if (this.elapsed() >= deadline) throw new LeaseHeldError(holder, this.store.location, this.elapsed() - started);
      const holderKey = holder === "unreadable" ? "unreadable" : holder.token;
      if (announced !== holderKey) {
        onWait(holder);
        announced = holderKey;
      }
      await this.clock.sleep(Math.max(1000, Math.min(wakeAt, deadline) - this.elapsed()));
    }
  }

  private newRecord(identity: LeaseIdentity): LeaseRecord {
    const now = this.clock.now();
    return { ...identity, token: randomUUID(), version: randomUUID(), durationMs: this.timing.durationMs, acquiredAt: now, expiresAt: now + this.timing.durationMs };
  }

  private held(record: LeaseRecord): HeldLease {
    return new HeldLease(this.store, { ...this.clock, monotonic: this.elapsed }, this.timing, record);
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
 * A lease this run holds. `check()` runs immediately before every change the run makes (each `pulumi up`, each config
 * edit, each AWS mutation): it is a fencing write, conditional on this run's token and on the record version it
 * last wrote, that also renews the lease. A lease broken or taken over is noticed there, before the change. A
 * background timer renews too, during long waits (a model starting) where no change is made.
 *
 * What no check can cover: a change already in flight when the lease is lost (a `pulumi up` that is running) runs
 * to its end; docs/promotion.md "Lease" says how that window is bounded.
 */
export class HeldLease {
  private version: string;
  /** Monotonic time at which the last confirmed write was sent: no taker can succeed before it + durationMs. */
  private confirmedAt: number;
  private readonly acquiredAt: number;
  private lost: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly elapsed: () => number;

  constructor(
    private readonly store: LeaseStore,
    private readonly clock: LeaseClock,
    private readonly timing: LeaseTiming,
    readonly record: LeaseRecord,
  ) {
    this.elapsed = clock.monotonic ?? clock.now;
    this.version = record.version ?? "";
    this.confirmedAt = this.elapsed();
    this.acquiredAt = this.confirmedAt;
    this.timer = setInterval(() => void this.renew().catch(() => undefined), timing.renewEveryMs);
    this.timer.unref();
  }

  get token(): string {
    return this.record.token;
  }

  /** The fencing check before a change: throws LeaseLostError when this run no longer holds the lease. */
  async check(): Promise<void> {
    await this.renew();
    if (this.lost !== undefined) throw new LeaseLostError(this.lost);
    if (this.elapsed() >= this.confirmedAt + this.timing.durationMs - this.timing.safetyMarginMs) {
      throw new LeaseLostError(`the promotion lease could not be confirmed in DynamoDB (${this.store.location}) for ${Math.round((this.elapsed() - this.confirmedAt) / 1000)}s and may be taken over`);
    }
  }

  /** One write at a time: two concurrent renewals would race on the version and the loser would think it lost. */
  private renew(): Promise<void> {
    const next = this.queue.then(() => this.renewOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async renewOnce(): Promise<void> {
    if (this.lost !== undefined) return;
    const sentAt = this.elapsed();
    if (sentAt - this.acquiredAt >= this.timing.maxHoldMs) {
      // Bounded: no more renewals; a consistent read still tells whether the lease was broken meanwhile.
      const now = await this.store.read().catch(() => undefined);
      if (now !== undefined && (now === "unreadable" || now.token !== this.token || now.version !== this.version)) this.lost = this.lostReason();
      return;
    }
    const version = randomUUID();
    try {
      if (await this.store.renew(this.token, this.version, { version, expiresAt: this.clock.now() + this.timing.durationMs })) {
        this.version = version;
        this.confirmedAt = sentAt;
      } else {
        this.lost = this.lostReason();
      }
    } catch {
      // Not confirmed (network, throttling): check() lets the run go on only while no taker can have succeeded.
    }
  }

  private lostReason(): string {
    return `the promotion lease was broken or taken over by another run (${this.store.location})`;
  }

  /** Stops renewing and deletes the item (by token: a lease already taken over is left to its new holder). */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.queue;
    if (this.lost !== undefined) return;
    this.lost = "the lease was released";
    await this.store.remove(this.record.token);
  }
}

/** The lease identity of a lock owner (./journal currentOwner): who, and where precisely, for the dead-holder check. */
export function leaseIdentityFrom(owner: Pick<LeaseIdentity, "user" | "host" | "pid" | "bootId" | "pidNamespace" | "startTime" | "command">, who: string, purpose: string): LeaseIdentity {
  const { user, host, pid, bootId, pidNamespace, startTime, command } = owner;
  return { user, host, pid, ...(bootId ? { bootId } : {}), ...(pidNamespace ? { pidNamespace } : {}), ...(startTime ? { startTime } : {}), who, command, purpose };
}
