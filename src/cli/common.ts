/** Exit codes every modelshare command keeps: scripts and pipelines branch on them. */
export const EXIT = {
  ok: 0,
  /** A check or a step failed. */
  failed: 1,
  /** Bad input: nothing was called. */
  badInput: 2,
} as const;

/** Bad input (flags, arguments, config): exit 2, before any AWS or Pulumi call. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Progress of a long operation on stderr (stdout stays clean for --json): which step, how long it has taken and
 * what it is waiting for.
 */
export interface Progress {
  step(id: string, detail: string): void;
  waiting(what: string): void;
  done(id: string, outcome: string): void;
}

export function stderrProgress(now: () => number = Date.now, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Progress {
  const started = now();
  let current = "";
  const elapsed = () => `${((now() - started) / 1000).toFixed(1)}s`;
  return {
    step(id, detail) {
      current = id;
      write(`[${elapsed()}] ${id}: ${detail}`);
    },
    waiting(what) {
      write(`[${elapsed()}] ${current}: waiting for ${what}`);
    },
    done(id, outcome) {
      write(`[${elapsed()}] ${id}: ${outcome}`);
    },
  };
}

/** A progress that records nothing, for callers that print their own. */
export const silentProgress: Progress = { step() {}, waiting() {}, done() {} };
