import { performance } from "node:perf_hooks";
import { optionalParameterName, parameterName } from "../../../src/contract";
import { FakeAws } from "./server";

export interface LoadResult {
  /** Calls that resolved. */
  readonly ok: number;
  /** Failed calls by error class name. */
  readonly failures: ReadonlyMap<string, number>;
  /** One error of each class, for assertions on messages and hints. */
  readonly examples: ReadonlyMap<string, unknown>;
  /** Duration of every call, resolved or not, in milliseconds. */
  readonly latenciesMs: readonly number[];
  readonly elapsedMs: number;
}

/**
 * Closed-loop load: `concurrency` workers each call `call` again as soon as the last one settled, until
 * `durationMs` has passed or `until()` holds (so a busy machine makes the window longer rather than the sample
 * smaller); the loop is bounded by time either way. `signal` fires when the window ends, for calls that should not
 * outlive it.
 */
export async function runLoad(options: {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly until?: () => boolean;
  readonly call: (worker: number, signal: AbortSignal) => Promise<unknown>;
}): Promise<LoadResult> {
  const failures = new Map<string, number>();
  const examples = new Map<string, unknown>();
  const latenciesMs: number[] = [];
  const window = new AbortController();
  const started = performance.now();
  const timer = setTimeout(() => window.abort(new Error("load window over")), options.durationMs);
  let ok = 0;
  const over = () => window.signal.aborted || performance.now() - started >= options.durationMs || (options.until?.() ?? false);
  const worker = async (index: number) => {
    while (!over()) {
      const callStarted = performance.now();
      try {
        await options.call(index, window.signal);
        ok++;
      } catch (error) {
        const name = error instanceof Error ? error.name : typeof error;
        failures.set(name, (failures.get(name) ?? 0) + 1);
        if (!examples.has(name)) examples.set(name, error);
      }
      latenciesMs.push(performance.now() - callStarted);
    }
    if (!window.signal.aborted) window.abort(new Error("load window over"));
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  } finally {
    clearTimeout(timer);
  }
  return { ok, failures, examples, latenciesMs, elapsedMs: performance.now() - started };
}

/** The p-th percentile (0-100) of some durations. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const FAKE_ENV = "qa";
export const FAKE_ROLE = "arn:aws:iam::111122223333:role/modelshare/modelshare-qa";

export function fakeVersion(region: string, n = 1): string {
  return `arn:aws:rekognition:${region}:111122223333:project/parts/version/parts.v${n}/170000000000${n}`;
}

/** Writes the parameters a consumer stack would, grants version 1 to the shared role, and lets the application assume it. */
export function deployFakeEnvironment(fake: FakeAws, options: { readonly fips?: string } = {}): void {
  fake.parameters.set(parameterName(FAKE_ENV, "modelVersionArn"), fakeVersion(fake.region));
  fake.parameters.set(parameterName(FAKE_ENV, "sharedRoleArn"), FAKE_ROLE);
  fake.parameters.set(parameterName(FAKE_ENV, "region"), fake.region);
  if (options.fips !== undefined) fake.parameters.set(optionalParameterName(FAKE_ENV, "useFipsEndpoint"), options.fips);
  fake.assumableRoles.add(FAKE_ROLE);
  fake.grantedVersions.add(fakeVersion(fake.region));
}

/**
 * Mocha hooks for a suite against the fake: started once, reset to a freshly deployed environment before each test,
 * stopped at the end. Returns an accessor (the fake exists only once `before` ran).
 */
export function useFakeAws(): () => FakeAws {
  let fake: FakeAws | undefined;
  before(async () => {
    fake = await FakeAws.start();
  });
  after(async () => {
    await fake?.stop();
  });
  beforeEach(() => {
    fake?.reset();
    if (fake) deployFakeEnvironment(fake);
  });
  return () => {
    if (!fake) throw new Error("the fake is not started: call useFakeAws() inside describe()");
    return fake;
  };
}
