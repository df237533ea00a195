import { existsSync, statSync } from "node:fs";
import { join as joinPath, resolve as resolvePath } from "node:path";

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
 * Runs every check and throws one UsageError naming all the problems they found, in the format `invoke` uses (a
 * user fixes the command line in one pass); an error other than a UsageError is thrown as it is.
 */
export function requireAll(command: string, ...checks: readonly (() => void)[]): void {
  const problems: string[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length === 1) throw new UsageError(problems[0]);
  if (problems.length > 1) throw new UsageError(`${command}: ${problems.length} problems:\n  - ${problems.join("\n  - ")}`);
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

/**
 * The directory the CLI acts on: `--cwd DIR` (relative to the working directory), else the working directory.
 * Never the package's own files: a command run elsewhere means the user's project.
 */
export function projectDirectoryOption(command: { optsWithGlobals(): Record<string, unknown> }, cwd: string = process.cwd()): string {
  const option = command.optsWithGlobals().cwd;
  if (option === undefined) return cwd;
  if (typeof option !== "string" || option.trim() === "") throw new UsageError(`--cwd ${JSON.stringify(option)}: is empty; allowed: the project's directory (it holds Pulumi.yaml)`);
  const dir = resolvePath(cwd, option);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--cwd ${JSON.stringify(option)}: is not a directory; allowed: the project's directory (it holds Pulumi.yaml)`);
  return dir;
}

/** Refuses a directory that is not a Pulumi project (no Pulumi.yaml, or one that is not a regular file). */
export function requireProjectDirectory(dir: string): void {
  const project = joinPath(dir, "Pulumi.yaml");
  if (!existsSync(project)) {
    throw new UsageError(`${dir} is not a Pulumi project (it has no Pulumi.yaml): run modelshare in the project's directory, or pass --cwd DIR`);
  }
  if (!statSync(project).isFile()) throw new UsageError(`${project} is not a regular file; a Pulumi project file is a YAML file`);
}
