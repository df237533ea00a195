import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Which process holds a lock or the lease, precisely enough to say it is gone. (hostname, pid) is not enough: two
 * containers on one machine that share its hostname (host networking, a fixed `hostname:`) have their own PID
 * namespaces, so a pid that one of them cannot see may be a live process of the other. A holder is declared gone
 * only when this process can see exactly where it ran: same host name, same boot (/proc/sys/kernel/random/boot_id),
 * same PID namespace (the inode of /proc/self/ns/pid), and then its pid is gone or now belongs to a process that
 * started at another time (field 22 of /proc/<pid>/stat, so a reused pid is not mistaken for the holder).
 * Anything less (another host, another namespace, no /proc) is "unknown": the lease is waited for, never broken.
 * proc(5): https://man7.org/linux/man-pages/man5/proc.5.html ; pid_namespaces(7).
 */
export interface ProcessIdentity {
  readonly host: string;
  readonly pid: number;
  /** The kernel's boot id: a reboot (or another machine with the same host name) changes it. */
  readonly bootId?: string;
  /** The PID namespace, e.g. `pid:[4026531836]`. */
  readonly pidNamespace?: string;
  /** Clock ticks after boot at which the process started (field 22 of /proc/<pid>/stat). */
  readonly startTime?: string;
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

function linkOf(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses, so count after the last ")". */
export function processStartTime(pid: number | "self"): string | undefined {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19]; // fields[0] is field 3 (state)
}

/** The identity of the process `pid` as this process sees it (this process when omitted). */
export function processIdentity(pid: number = process.pid): ProcessIdentity {
  const bootId = readTrimmed("/proc/sys/kernel/random/boot_id");
  const pidNamespace = linkOf(`/proc/${pid === process.pid ? "self" : pid}/ns/pid`);
  const startTime = processStartTime(pid === process.pid ? "self" : pid);
  return { host: hostname(), pid, ...(bootId ? { bootId } : {}), ...(pidNamespace ? { pidNamespace } : {}), ...(startTime ? { startTime } : {}) };
}

/** Whether the process a lock or lease names still runs: true, false (certainly gone), or "unknown" (cannot tell from here). */
export type Liveness = (holder: Pick<ProcessIdentity, "host" | "pid"> & Partial<ProcessIdentity>) => boolean | "unknown";

export function livenessFrom(here: ProcessIdentity, signal: (pid: number) => "alive" | "gone", startTimeOf: (pid: number) => string | undefined): Liveness {
  return (holder) => {
    const sameProcessSpace =
      holder.host === here.host &&
      holder.bootId !== undefined &&
      holder.bootId === here.bootId &&
      holder.pidNamespace !== undefined &&
      holder.pidNamespace === here.pidNamespace;
    if (!sameProcessSpace) return "unknown";
    if (signal(holder.pid) === "gone") return false;
    const started = startTimeOf(holder.pid);
    // The pid is in use: by the holder, unless it started at another time (the pid was reused).
    return holder.startTime !== undefined && started !== undefined && started !== holder.startTime ? false : true;
  };
}

function signalZero(pid: number): "alive" | "gone" {
  try {
    process.kill(pid, 0);
    return "alive";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? "alive" : "gone";
  }
}

/** Liveness as this process sees it (the default for locks and the lease). */
export const processLiveness: Liveness = (holder) => livenessFrom(processIdentity(), signalZero, (pid) => processStartTime(pid))(holder);
