/**
 * SIGINT (Ctrl-C) and SIGTERM (CI cancel, `docker stop`, a pod eviction) during a command. The first signal aborts
 * the run's AbortSignal: the step in flight stops at a safe point (a `pulumi up` is cancelled through the
 * Automation API's `signal`, which sends the pulumi CLI SIGINT, a graceful cancel, and is awaited), the journal
 * notes the interruption, the lease and the lock are released, and the command exits 130 (SIGINT) or 143 (SIGTERM),
 * the shell's 128 + signal number. A second signal, or the grace period running out, exits at once: the journal,
 * written before every change, still lets a re-run resume.
 */
export type InterruptSignal = "SIGINT" | "SIGTERM";

export const INTERRUPT_EXIT_CODES: Readonly<Record<InterruptSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** How long the first signal waits for the run to reach a safe point before exiting anyway. */
export const INTERRUPT_GRACE_MS = 90_000;

export class InterruptedError extends Error {
  constructor(readonly signal: InterruptSignal) {
    super(`interrupted by ${signal}: stopped at a safe point; re-run the same command to continue from the journal`);
    this.name = "InterruptedError";
  }
}

export interface Interruption {
  readonly signal: AbortSignal;
  /** The signal received, once one was. */
  received(): InterruptSignal | undefined;
  /** Removes the handlers. */
  dispose(): void;
}

export interface InterruptIo {
  readonly on: (signal: InterruptSignal, handler: () => void) => void;
  readonly off: (signal: InterruptSignal, handler: () => void) => void;
  readonly write: (line: string) => void;
  readonly exit: (code: number) => void;
  readonly graceMs?: number;
}

const processIo: InterruptIo = {
  on: (signal, handler) => void process.on(signal, handler),
  off: (signal, handler) => void process.off(signal, handler),
  write: (line) => void process.stderr.write(`${line}\n`),
  exit: (code) => process.exit(code),
};

let current: AbortController | undefined;

/** The AbortSignal of this process's command (the CLI context passes it to every long operation). */
export function processInterruptSignal(): AbortSignal {
  current ??= new AbortController();
  return current.signal;
}

export function installInterruptHandlers(io: InterruptIo = processIo, controller: AbortController = (current ??= new AbortController())): Interruption {
  let received: InterruptSignal | undefined;
  let grace: NodeJS.Timeout | undefined;
  const handlers = new Map<InterruptSignal, () => void>();
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => {
      if (received !== undefined) {
        io.write(`${name} again: exiting now without waiting; the journal lets the same command resume`);
        io.exit(INTERRUPT_EXIT_CODES[received]);
        return;
      }
      received = name;
      io.write(`${name} received: stopping at a safe point (the pulumi update in progress is cancelled and awaited), then releasing the lease; send it again to exit at once`);
      controller.abort(new InterruptedError(name));
      grace = setTimeout(() => {
        io.write(`still not stopped ${Math.round((io.graceMs ?? INTERRUPT_GRACE_MS) / 1000)}s after ${name}: exiting; the journal lets the same command resume`);
        io.exit(INTERRUPT_EXIT_CODES[name]);
      }, io.graceMs ?? INTERRUPT_GRACE_MS);
      grace.unref();
    };
    handlers.set(name, handler);
    io.on(name, handler);
  }
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      if (grace) clearTimeout(grace);
      for (const [name, handler] of handlers) io.off(name, handler);
    },
  };
}

/**
 * Runs a command under the handlers and returns its exit code: 130/143 when a signal interrupted it, whatever the
 * command itself returned or threw.
 */
export async function runInterruptible(run: (signal: AbortSignal) => Promise<number>, onError: (error: unknown) => number, io: InterruptIo = processIo): Promise<number> {
  // The process's own signal (processInterruptSignal) only for the real process; a test's handlers get their own.
  const interruption = installInterruptHandlers(io, io === processIo ? (current ??= new AbortController()) : new AbortController());
  try {
    const code = await run(interruption.signal).catch(onError);
    const signal = interruption.received();
    return signal ? INTERRUPT_EXIT_CODES[signal] : code;
  } finally {
    interruption.dispose();
  }
}

/** Whether an error is (or was caused by) the interruption of `signal`. */
export function interruptedBy(signal: AbortSignal | undefined, error: unknown): InterruptedError | undefined {
  if (error instanceof InterruptedError) return error;
  return signal?.aborted && signal.reason instanceof InterruptedError ? signal.reason : undefined;
}
