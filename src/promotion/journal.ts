import { createHash, randomBytes } from "node:crypto";
import { linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { UsageError } from "../cli/common";
import { Liveness, processIdentity, processLiveness } from "./processIdentity";
import { Journal, Owner, STEP_IDS } from "./types";

/**
 * Where a promotion's progress and lock live: `.modelshare/` in the project directory, next to the
 * Pulumi.<stack>.yaml files the promotion edits. A resume only makes sense where those (possibly uncommitted)
 * edits are, so the journal belongs with them. These locks only keep two runs in one checkout off one journal;
 * operators in other checkouts or on other machines are excluded by the promotion lease (./lease).
 */

export interface JournalStore {
  read(env: string): Journal | undefined;
  write(journal: Journal): void;
  remove(env: string): void;
  /** Every promotion in flight, for reference counting across environments. */
  list(): Journal[];
}

export class FileJournalStore implements JournalStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "journal");
  }

  private file(env: string): string {
    return join(this.dir, `${env}.json`);
  }

  read(env: string): Journal | undefined {
    return readJournal(this.file(env), env);
  }

  /** Written to a temporary file and renamed: a crash mid-write leaves the previous journal, never half of one. */
  write(journal: Journal): void {
    mkdirSync(this.dir, { recursive: true });
    const temporary = `${this.file(journal.env)}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(journal, null, 2)}\n`);
    renameSync(temporary, this.file(journal.env));
  }

  remove(env: string): void {
    rmSync(this.file(env), { force: true });
  }

  list(): Journal[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.endsWith(".json")).flatMap((n) => readJournal(join(this.dir, n), n.replace(/\.json$/, "")) ?? []);
  }
}

/** A journal file that cannot be read: named, with what to do, before anything else happens (exit 2). */
export class JournalCorruptError extends UsageError {
  constructor(path: string, env: string, problem: string) {
    super(
      `${path} is not a readable promotion journal (${problem}). It records what an interrupted promotion of ${env} changed, so nothing was done. ` +
        `If no promotion of ${env} is running: compare \`modelshare status --env ${env}\` with what you expect (fix by hand what it shows), ` +
        `then move the file away (mv ${path} ${path}.corrupt) and run the command again.`,
    );
    this.name = "JournalCorruptError";
  }
}

const stepSchema = z.looseObject({
  id: z.enum(STEP_IDS),
  detail: z.string(),
  state: z.enum(["pending", "running", "done", "skipped", "failed", "undone"]),
  effects: z.looseObject({}),
});

/** The fields every journal has; newer optional fields pass through unchecked (they are checked where used). */
const journalSchema = z.looseObject({
  id: z.string(),
  kind: z.enum(["promote", "rollback"]),
  env: z.string(),
  version: z.string(),
  previous: z.string(),
  keepOld: z.boolean(),
  startedAt: z.string(),
  who: z.string(),
  owner: z.looseObject({ user: z.string(), host: z.string(), pid: z.number(), since: z.string(), command: z.string() }),
  phase: z.enum(["forward", "undoing", "cleanup-pending"]),
  steps: z.array(stepSchema),
  sharing: z.literal("copy").optional(),
  copies: z.record(z.string(), z.string()).optional(),
});

function readJournal(path: string, env: string): Journal | undefined {
  let value: unknown;
  try {
    if (!isRegularFile(path)) return undefined;
    value = readJson<unknown>(path);
  } catch (error) {
    if (error instanceof SyntaxError) throw new JournalCorruptError(path, env, `not JSON: ${error.message}`);
    if (error instanceof JournalCorruptError) throw error;
    throw new JournalCorruptError(path, env, error instanceof Error ? error.message : String(error));
  }
  if (value === undefined) return undefined;
  const parsed = journalSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new JournalCorruptError(path, env, `${issue.path.join(".") || "the file"}: ${issue.message}`);
  }
  if (parsed.data.env !== env) throw new JournalCorruptError(path, env, `it is the journal of "${parsed.data.env}", not of "${env}"`);
  return value as Journal;
}

/** Only regular files are read: a FIFO or a directory in their place would hang or mislead. */
function isRegularFile(path: string): boolean {
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  if (!stats.isFile()) throw new Error(`${path} is not a regular file`);
  return true;
}

function readJson<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

/**
 * Creates `path` holding `content` unless it exists, atomically: the content is written to a temporary file that is
 * then hard-linked to `path` (link fails with EEXIST like O_EXCL). With `writeFileSync(path, ..., { flag: "wx" })`
 * the file exists, empty, before its content is written: a reader in between, or a crash or a full disk there,
 * sees (or leaves) an empty lock file that names no owner.
 */
function createExclusive(path: string, content: string): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, content);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * A lock file's text; undefined when the file is gone. Only a regular file is opened: a FIFO there would block this
 * synchronous read, and with it the event loop (no deadline or lease renewal could fire); anything else reads as
 * text that names no owner, so the lock is refused naming the file.
 */
function readText(path: string): string | undefined {
  try {
    if (!lstatSync(path).isFile()) return "";
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The owner a lock file's text names; "unreadable" when it holds no owner record. */
function parseOwner(text: string): Owner | "unreadable" {
  let owner: Partial<Owner>;
  try {
    owner = JSON.parse(text) as Partial<Owner>;
  } catch {
    return "unreadable";
  }
  return typeof owner === "object" && owner !== null && typeof owner.host === "string" && typeof owner.pid === "number" ? (owner as Owner) : "unreadable";
}

function unreadableOwner(path: string): Owner {
  return { user: "unknown", host: "unknown", pid: 0, since: "unknown", command: `an unreadable lock file ${path}` };
}

/** Is the process that owns a lock (or the lease) still running? See ./processIdentity: "unknown" unless this process can tell. */
export type { Liveness } from "./processIdentity";
export { processLiveness } from "./processIdentity";

export function currentOwner(command: string, now: Date = new Date()): Owner {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? "unknown";
  }
  const { host, pid, ...where } = processIdentity();
  return { user, host, pid, ...where, since: now.toISOString(), command };
}

export function describeOwner(owner: Owner): string {
  return `\`${owner.command}\` run by ${owner.user}@${owner.host} (pid ${owner.pid}) since ${owner.since}`;
}

/** Two promotions of one environment at once: refused before anything changes. */
export class PromotionConflictError extends Error {
  constructor(
    readonly env: string,
    detail: string,
  ) {
    super(`refused: another promotion or update of ${env} is in progress: ${detail}`);
    this.name = "PromotionConflictError";
  }
}

export interface Lock {
  release(): void;
}

/**
 * Exclusive lock files (created whole and atomically, see createExclusive, so two processes cannot both create one
 * and nobody ever reads one without its owner). A lock whose owner is
 * gone (a crash) is taken over, which is what lets a re-run resume; a live owner, or one on another host whose
 * liveness cannot be checked, means refusal.
 */
export class FileLocks {
  private readonly dir: string;

  constructor(
    stateDir: string,
    private readonly liveness: Liveness = processLiveness,
  ) {
    this.dir = join(stateDir, "locks");
  }

  private file(name: string): string {
    return join(this.dir, `${name}.lock`);
  }

  /**
   * The lock, or the owner who holds it. A lock whose owner is gone is taken over atomically (see takeOver): of
   * two runs that find the same dead owner, exactly one gets the lock.
   */
  tryAcquire(name: string, owner: Owner): Lock | { heldBy: Owner; alive: boolean | "unknown"; unreadable?: true } {
    mkdirSync(this.dir, { recursive: true });
    const path = this.file(name);
    for (let tries = 0; tries < 3; tries++) {
      if (createExclusive(path, JSON.stringify(owner))) return this.lockOf(path);
      const seen = readText(path);
      if (seen === undefined) continue; // released between our attempt and the read
      const holder = parseOwner(seen);
      // Not an owner record: written by someone else, or by hand. Whoever wrote it cannot be checked: refuse.
      if (holder === "unreadable") return { heldBy: unreadableOwner(path), alive: "unknown", unreadable: true };
      const alive = this.liveness(holder);
      if (alive !== false) return { heldBy: holder, alive };
      const taken = this.takeOver(path, seen, owner);
      if (taken) return taken;
    }
    const holder = parseOwner(readText(path) ?? "");
    if (holder === "unreadable") return { heldBy: unreadableOwner(path), alive: "unknown", unreadable: true };
    return { heldBy: holder, alive: true };
  }

  private lockOf(path: string): Lock {
    return { release: () => rmSync(path, { force: true }) };
  }

  /**
   * Replaces the lock file that still holds exactly `deadContent` by ours. Removing the dead owner's file and then
   * creating ours is two steps, so it is done only under a marker file named after the dead content, created
   * exclusively: a second run that found the same dead owner cannot create the marker while the first holds it, and
   * once the marker is gone it finds the file changed and leaves it alone. A marker left by a run that crashed in the
   * middle of this (milliseconds of work) is cleared after a minute.
   */
  private takeOver(path: string, deadContent: string, owner: Owner): Lock | undefined {
    const marker = `${path}.takeover-${createHash("sha256").update(deadContent).digest("hex").slice(0, 16)}`;
    try {
      if (Date.now() - statSync(marker).mtimeMs > 60_000) rmSync(marker, { force: true });
    } catch {
      // no marker
    }
    if (!createExclusive(marker, JSON.stringify(owner))) return undefined;
    try {
      if (readText(path) !== deadContent) return undefined;
      rmSync(path, { force: true });
      return createExclusive(path, JSON.stringify(owner)) ? this.lockOf(path) : undefined;
    } finally {
      rmSync(marker, { force: true });
    }
  }

  /** The environment's promotion lock, or PromotionConflictError naming who holds it. */
  acquireEnvironment(env: string, owner: Owner): Lock {
    const result = this.tryAcquire(`env-${env}`, owner);
    if ("release" in result) return result;
    const file = this.file(`env-${env}`);
    if (result.unreadable) throw new PromotionConflictError(env, `the lock file ${file} names no owner; if no promotion of ${env} is running, delete it (rm ${file}) and run the command again (it is not a modelshare lock record)`);
    const where = result.alive === "unknown" ? ` (on another host; if that run is gone, delete ${file})` : "";
    throw new PromotionConflictError(env, `${describeOwner(result.heldBy)}${where}`);
  }
}
