/**
 * Pulumi's runtime captures a stack trace for every resource it registers (its source position, with
 * Error.stackTraceLimit raised to Infinity) and for every promise it tracks (debuggablePromise). Under ts-node,
 * which is how `modelshare synth` runs, every one of those traces is also source-mapped by source-map-support.
 * Profiling showed that mapping to be most of synth's time: 64 s with it, 8.5 s without, at 200 environments. Offline, the
 * traces are never shown: synth reports problems by config key and rule id, not by stack frame.
 *
 * Set MODELSHARE_SYNTH_STACK_TRACES=1 to keep them (e.g. to debug a crash inside a stack program).
 */
export const KEEP_STACK_TRACES_VARIABLE = "MODELSHARE_SYNTH_STACK_TRACES";

/** Runs `work` with stack traces disabled, and restores the previous settings afterwards. */
export async function withoutStackTraces<T>(work: () => Promise<T>, enabled = process.env[KEEP_STACK_TRACES_VARIABLE] !== "1"): Promise<T> {
  if (!enabled) return work();
  const previousPrepare = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  // Pulumi parses `new Error().stack` for positions: an empty string yields none, which mocks never need.
  Error.prepareStackTrace = () => "";
  Error.stackTraceLimit = 0;
  try {
    return await work();
  } finally {
    Error.prepareStackTrace = previousPrepare;
    Error.stackTraceLimit = previousLimit;
  }
}
