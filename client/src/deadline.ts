import { CallAbortedError, CallPhase, CallTimeoutError, ModelClientError } from "./errors";

// One listener per caller signal, whatever the number of calls sharing it (an application's shutdown signal is
// often passed to every call): Node warns past 10 listeners on one signal, and each would live as long as it does.
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, handler: () => void): () => void {
  let handlers = watchers.get(signal);
  if (!handlers) {
    const registered = new Set<() => void>();
    handlers = registered;
    watchers.set(signal, registered);
    signal.addEventListener("abort", () => {
      for (const each of [...registered]) each();
      registered.clear();
    }, { once: true });
  }
  handlers.add(handler);
  const registered = handlers;
  return () => registered.delete(handler);
}

/**
 * One call's deadline and cancellation as a single AbortSignal, handed to every wait and SDK call the call makes:
 * it fires when `timeoutMs` passes or when the caller's own signal does, whichever is first. Built from one
 * AbortController and one timer (no AbortSignal.any, whose listeners on a long-lived caller signal pile up in Node 20).
 */
export class CallDeadline {
  /** What the call is waiting for now, named by the timeout error. */
  phase: CallPhase = "parameters";
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOut = false;
  private readonly stopWatching: () => void;
  /** Rejects when the signal fires: cheaper to race on every call than a listener on the signal. */
  private readonly fired: Promise<never>;
  private fire: (reason: unknown) => void = () => {};

  constructor(
    readonly timeoutMs: number,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    this.fired = new Promise<never>((_resolve, reject) => {
      this.fire = reject;
    });
    this.fired.catch(() => {}); // raced only by calls that reach Rekognition
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.abort(new Error(`deadline of ${timeoutMs} ms passed`));
    }, timeoutMs);
    const abortWithCaller = () => this.abort(callerSignal?.reason);
    if (callerSignal?.aborted) abortWithCaller();
    this.stopWatching = callerSignal && !callerSignal.aborted ? onAbort(callerSignal, abortWithCaller) : () => {};
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Resolves like `promise`, or rejects when the deadline passes or the caller cancels, whichever is first: the SDK
   * aborts its request on the signal, and this also holds a request handler that ignores the signal to the deadline.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.fired]);
  }

  /** The typed error for an aborted call (CallTimeoutError or CallAbortedError), or undefined if it was not aborted. */
  abortError(cause?: unknown): ModelClientError | undefined {
    if (!this.controller.signal.aborted) return undefined;
    return this.timedOut ? new CallTimeoutError(this.timeoutMs, this.phase, cause) : new CallAbortedError(this.phase, this.callerSignal?.reason ?? cause);
  }

  private abort(reason: unknown): void {
    this.controller.abort(reason);
    this.fire(reason);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.stopWatching();
  }
}
