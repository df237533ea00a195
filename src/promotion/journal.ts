import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { Journal, Owner } from "./types";

/**
 * Where a promotion's progress and lock live: `.modelshare/` in the project directory, next to the
 * Pulumi.<stack>.yaml files the promotion edits. A resume only makes sense where those (possibly uncommitted)
 * edits are, so the journal belongs with them; a promotion from another checkout is caught by Pulumi's own stack
 * lock (StackBusyError) instead.
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
    return readJson<Journal>(this.file(env));
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
    return names.filter((n) => n.endsWith(".json")).flatMap((n) => readJson<Journal>(join(this.dir, n)) ?? []);
  }
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

/** The owner a lock file names; undefined when the file is gone; "unreadable" when it holds no owner record. */
function readOwner(path: string): Owner | undefined | "unreadable" {
  let owner: Partial<Owner> | undefined;
  try {
    owner = readJson<Partial<Owner>>(path);
  } catch (error) {
    if (error instanceof SyntaxError) return "unreadable";
    throw error;
  }
  if (owner === undefined) return undefined;
  return typeof owner === "object" && owner !== null && typeof owner.host === "string" && typeof owner.pid === "number" ? (owner as Owner) : "unreadable";
}

function unreadableOwner(path: string): Owner {
  return { user: "unknown", host: "unknown", pid: 0, since: "unknown", command: `an unreadable lock file ${path}` };
}

/** Is the process that owns a lock still running? "unknown" when it ran on another host. */
export type Liveness = (owner: Owner) => boolean | "unknown";

export const processLiveness: Liveness = (owner) => {
  if (owner.host !== hostname()) return "unknown";
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

export function currentOwner(command: string, now: Date = new Date()): Owner {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? "unknown";
  }
  return { user, host: hostname(), pid: process.pid, since: now.toISOString(), command };
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

  /** The lock, or the owner who holds it. */
  tryAcquire(name: string, owner: Owner): Lock | { heldBy: Owner; alive: boolean | "unknown"; unreadable?: true } {
    mkdirSync(this.dir, { recursive: true });
    const path = this.file(name);
    for (let tries = 0; tries < 2; tries++) {
      if (createExclusive(path, JSON.stringify(owner))) return { release: () => rmSync(path, { force: true }) };
      const holder = readOwner(path);
      if (holder === undefined) continue; // released between our attempt and the read
      // Not an owner record: written by someone else, or by hand. Whoever wrote it cannot be checked: refuse.
      if (holder === "unreadable") return { heldBy: unreadableOwner(path), alive: "unknown", unreadable: true };
      const alive = this.liveness(holder);
      if (alive !== false) return { heldBy: holder, alive };
      rmSync(path, { force: true }); // its owner crashed
    }
    const holder = readOwner(path);
    if (holder === "unreadable") return { heldBy: unreadableOwner(path), alive: "unknown", unreadable: true };
    return { heldBy: holder ?? owner, alive: true };
  }

  /** The environment's promotion lock, or PromotionConflictError naming who holds it. */
  acquireEnvironment(env: string, owner: Owner): Lock {
    const result = this.tryAcquire(`env-${env}`, owner);
    if ("release" in result) return result;
    const file = this.file(`env-${env}`);
    if (result.unreadable) throw new PromotionConflictError(env, `the lock file ${file} names no owner; if no promotion of ${env} is running, delete it`);
    const where = result.alive === "unknown" ? ` (on another host; if that run is gone, delete ${file})` : "";
    throw new PromotionConflictError(env, `${describeOwner(result.heldBy)}${where}`);
  }

  /**
   * Waits for a lock that serializes edits of one stack's config file with its `up`: promotions of two
   * environments both edit and update the ML stack, and `pulumi config set` rewrites the whole file.
   */
  async acquireWaiting(name: string, owner: Owner, wait: { now: () => number; sleep: (ms: number) => Promise<void>; timeoutMs: number; onWait: (holder: Owner) => void }): Promise<Lock> {
    const deadline = wait.now() + wait.timeoutMs;
    let announced = false;
    for (;;) {
      const result = this.tryAcquire(name, owner);
      if ("release" in result) return result;
      if (!announced) {
        wait.onWait(result.heldBy);
        announced = true;
      }
      if (wait.now() >= deadline) throw new PromotionConflictError(name, `${describeOwner(result.heldBy)} held it for longer than ${Math.round(wait.timeoutMs / 1000)}s`);
      await wait.sleep(1000);
    }
  }
}
