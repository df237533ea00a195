/**
 * A cached value fetched from a remote service (SSM parameters, STS credentials) that never puts the service on
 * the call path while the value is usable:
 *   - stale-while-revalidate: a value past `freshUntil` but before `validUntil` is served at once while one
 *     background fetch replaces it; only a caller with nothing valid waits, and no longer than its own signal;
 *   - single-flight: concurrent callers share one fetch;
 *   - failure caching: after a failed fetch no new one starts before a backoff (doubling, jittered, capped), and
 *     callers with nothing valid get the cached error at once: a broken service costs a bounded request rate;
 *   - forced refreshes (a call was refused with this value) are rate-limited the same way;
 *   - every fetch is bounded by its own timeout, so a stalled service cannot hold the single flight forever.
 */

export interface Fetched<T> {
  readonly value: T;
  /** Until then (by the policy's clock) the value is served as is; after, served while a fetch replaces it. */
  readonly freshUntil: number;
  /** After this the value is not served. Infinity: never expires (it is only replaced). */
  readonly validUntil: number;
}

export interface RefreshPolicy {
  /** Bound on one fetch; the fetch's signal aborts then. */
  readonly fetchTimeoutMs: number;
  /** Wait after a failed fetch before the next one; doubles with each consecutive failure, with jitter. */
  readonly failureBackoffMs: number;
  readonly failureBackoffMaxMs: number;
  /** At most one forced refresh (refresh(), invalidate()) per this many milliseconds. */
  readonly minForcedIntervalMs: number;
  readonly now: () => number;
  /** Jitter source, 0 <= x < 1. @default Math.random */
  readonly random?: () => number;
}

/** Why a fetch started. */
export type FetchTrigger = "first-use" | "stale" | "expired" | "forced";

/** Hooks for metrics and events; all optional. */
export interface RefreshObserver<T> {
  /** A valid value was served without waiting (`stale`: and a background refresh is due). */
  onHit?(stale: boolean): void;
  /** A caller had nothing valid and waits for a fetch. */
  onWait?(): void;
  /** A caller had nothing valid and got the cached failure at once. */
  onCachedFailure?(): void;
  onFetched?(value: T, trigger: FetchTrigger): void;
  onFetchFailed?(error: unknown, trigger: FetchTrigger, retryInMs: number): void;
}

/** A fetch's own deadline passed; passed to the fetch as its signal's reason. */
export function fetchTimeoutReason(timeoutMs: number): Error {
  // Named like the SDK's own socket timeouts, so classifyFailure reports "network": the endpoint did not answer.
  return Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "TimeoutError" });
}

/** Resolves like `promise`, or rejects with the signal's reason when it fires first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export class RefreshingValue<T> {
  private current: Fetched<T> | undefined;
  private inFlight: Promise<Fetched<T>> | undefined;
  private failure: { readonly error: unknown; readonly retryAt: number; readonly count: number } | undefined;
  private lastForcedAt = -Infinity;
  private inFlightController: AbortController | undefined;
  private disposed = false;

  constructor(
    private readonly fetchValue: (signal: AbortSignal) => Promise<Fetched<T>>,
    private readonly policy: RefreshPolicy,
    private readonly observer: RefreshObserver<T> = {},
  ) {}

  /**
   * The value to use now: a valid cached one at once (starting a background refresh when it is stale), else the
   * result of a fetch (joined if one is in flight), awaited until `signal` fires. Within a failure's backoff, with
   * nothing valid, the cached failure is thrown at once. `observed` false keeps the call out of the counters.
   */
  async get(signal?: AbortSignal, observed = true): Promise<T> {
    const now = this.policy.now();
    const current = this.current;
    if (current && now < current.validUntil) {
      const stale = now >= current.freshUntil;
      if (stale) this.refreshInBackground(now);
      if (observed) this.observer.onHit?.(stale);
      return current.value;
    }
    if (!this.inFlight && this.failure && now < this.failure.retryAt) {
      if (observed) this.observer.onCachedFailure?.();
      throw this.failure.error;
    }
    if (observed) this.observer.onWait?.();
    return (await untilAborted(this.fetch(current ? "expired" : "first-use"), signal)).value;
  }

  /** The cached value if it is still valid, without fetching. */
  peek(): T | undefined {
    const current = this.current;
    return current && this.policy.now() < current.validUntil ? current.value : undefined;
  }

  /**
   * Fetches now (a call was refused in a way a newer value may cure) and returns the new value; joins a fetch in
   * flight. Rate-limited: within minForcedIntervalMs of the last forced fetch, or within a failure's backoff, it
   * returns the cached value (undefined if none) without fetching.
   */
  async refresh(signal?: AbortSignal): Promise<T | undefined> {
    if (this.inFlight) return (await untilAborted(this.inFlight, signal)).value;
    if (!this.mayForce()) return this.peek();
    return (await untilAborted(this.fetch("forced"), signal)).value;
  }

  /**
   * A service refused `value` (an expired or revoked session): drop it and fetch another, unless rate-limited.
   * "dropped": by this call; "replaced": already gone (another caller dropped it, or a refresh replaced it);
   * "kept": rate-limited or backing off, so the next get() still serves it.
   */
  invalidate(value: T): "dropped" | "replaced" | "kept" {
    if (this.current?.value !== value) return "replaced";
    if (!this.mayForce()) return "kept";
    this.current = undefined;
    this.fetch("forced").catch(() => {});
    return "dropped";
  }

  /** Aborts the fetch in flight and starts no background fetch any more (the owning client was destroyed). */
  dispose(): void {
    this.disposed = true;
    this.inFlightController?.abort(new Error("the client was destroyed"));
  }

  private mayForce(): boolean {
    const now = this.policy.now();
    if (now - this.lastForcedAt < this.policy.minForcedIntervalMs) return false;
    if (this.failure && now < this.failure.retryAt) return false;
    this.lastForcedAt = now;
    return true;
  }

  private refreshInBackground(now: number): void {
    if (this.disposed || this.inFlight || (this.failure && now < this.failure.retryAt)) return;
    // The failure is recorded by fetch() and served to later callers; nothing awaits this one.
    this.fetch("stale").catch(() => {});
  }

  private fetch(trigger: FetchTrigger): Promise<Fetched<T>> {
    if (this.inFlight) return this.inFlight;
    const { fetchTimeoutMs } = this.policy;
    const controller = new AbortController();
    this.inFlightController = controller;
    const timer = setTimeout(() => controller.abort(fetchTimeoutReason(fetchTimeoutMs)), fetchTimeoutMs);
    const flight = this.fetchValue(controller.signal)
      .then(
        (fetched) => {
          this.current = fetched;
          this.failure = undefined;
          this.observer.onFetched?.(fetched.value, trigger);
          return fetched;
        },
        (error: unknown) => {
          const count = (this.failure?.count ?? 0) + 1;
          const retryInMs = this.backoff(count);
          this.failure = { error, retryAt: this.policy.now() + retryInMs, count };
          this.observer.onFetchFailed?.(error, trigger, retryInMs);
          throw error;
        },
      )
      .finally(() => {
        clearTimeout(timer);
        this.inFlight = undefined;
        this.inFlightController = undefined;
      });
    this.inFlight = flight;
    return flight;
  }

  /** "Equal jitter": half the exponential delay fixed, half random, so the bound holds and clients spread out. */
  private backoff(consecutiveFailures: number): number {
    const { failureBackoffMs, failureBackoffMaxMs } = this.policy;
    const delay = Math.min(failureBackoffMaxMs, failureBackoffMs * 2 ** (consecutiveFailures - 1));
    return Math.round(delay / 2 + (this.policy.random ?? Math.random)() * (delay / 2));
  }
}
