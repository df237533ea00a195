import { interruptedBy } from "../cli/interrupt";
import { StackChanges, StackWorkspace } from "./workspace";

/**
 * A `pulumi up` with a bound. The Automation API cancels an update through its `signal` (UpOptions.signal,
 * @pulumi/pulumi automation/stack: it sends the pulumi CLI SIGINT, which finishes the resource operations in flight
 * and exits) and awaits the process; that wait is bounded too (graceMs), so neither a hung update nor a pulumi that
 * ignores the cancel can hold the run (and the lease) for longer than timeoutMs + graceMs.
 */
export class UpTimeoutError extends Error {
  constructor(stack: string, timeoutMs: number) {
    super(
      `pulumi up of stack ${stack} did not finish within ${Math.round(timeoutMs / 60_000)} min (modelshare:promotion.upTimeoutMinutes) and was cancelled; ` +
        `check the stack (\`pulumi stack history --stack ${stack}\`; \`pulumi cancel --stack ${stack}\` if it is still locked) and re-run`,
    );
    this.name = "UpTimeoutError";
  }
}

export const UP_CANCEL_GRACE_MS = 60_000;

export interface BoundedUpOptions {
  readonly timeoutMs: number;
  /** The run's signal (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  readonly graceMs?: number;
  readonly onOutput?: (chunk: string) => void;
}

export async function boundedUp(workspace: StackWorkspace, stack: string, options: BoundedUpOptions): Promise<StackChanges> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
  timer.unref(); // an update left hanging by a dead run (tests, a crash) must not keep the process alive
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  let grace: NodeJS.Timeout | undefined;
  const failure = () => interruptedBy(options.signal, undefined) ?? new UpTimeoutError(stack, options.timeoutMs);
  const gaveUp = new Promise<never>((_, reject) => {
    const onAbort = () => (grace = setTimeout(() => reject(failure()), options.graceMs ?? UP_CANCEL_GRACE_MS));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  gaveUp.catch(() => undefined);
  try {
    return await Promise.race([workspace.up(stack, options.onOutput, { signal }), gaveUp]);
  } catch (error) {
    if (signal.aborted) throw failure();
    throw error;
  } finally {
    clearTimeout(timer);
    if (grace) clearTimeout(grace);
  }
}
