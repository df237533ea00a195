import { expect } from "chai";
import { Fetched, RefreshingValue, RefreshPolicy } from "../../client/src/refreshingValue";
import { rejection } from "./helpers/rejection";

/** A fetch the test resolves or rejects by hand, recording each start. */
class ManualFetch {
  readonly starts: AbortSignal[] = [];
  private pending: Array<{ resolve: (value: Fetched<string>) => void; reject: (error: unknown) => void }> = [];

  readonly fetch = (signal: AbortSignal) =>
    new Promise<Fetched<string>>((resolve, reject) => {
      this.starts.push(signal);
      this.pending.push({ resolve, reject });
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });

  resolve(value: string, freshUntil: number, validUntil = Infinity): Promise<void> {
    this.pending.shift()?.resolve({ value, freshUntil, validUntil });
    return settle();
  }

  reject(error: unknown): Promise<void> {
    this.pending.shift()?.reject(error);
    return settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));


describe("RefreshingValue (stale-while-revalidate, single-flight, failure caching)", () => {
  let now: number;
  let manual: ManualFetch;
  const policy = (overrides: Partial<RefreshPolicy> = {}): RefreshPolicy => ({
    fetchTimeoutMs: 1000,
    failureBackoffMs: 1000,
    failureBackoffMaxMs: 8000,
    minForcedIntervalMs: 1000,
    now: () => now,
    random: () => 0.5,
    ...overrides,
  });

  beforeEach(() => {
    now = 0;
    manual = new ManualFetch();
  });

  it("shares one fetch among concurrent first callers, then serves the value without fetching while fresh", async () => {
    const value = new RefreshingValue(manual.fetch, policy());
    const first = [value.get(), value.get(), value.get()];
    await manual.resolve("v1", 100);
    expect(await Promise.all(first)).to.deep.equal(["v1", "v1", "v1"]);
    now = 99;
    expect(await value.get()).to.equal("v1");
    expect(manual.starts).to.have.length(1);
  });

  it("serves a stale value at once while exactly one background fetch replaces it", async () => {
    const value = new RefreshingValue(manual.fetch, policy());
    const first = value.get();
    await manual.resolve("v1", 100);
    await first;
    now = 150;
    const served = await Promise.all([value.get(), value.get(), value.get()]);
    expect(served).to.deep.equal(["v1", "v1", "v1"]); // nobody waited for the fetch
    expect(manual.starts).to.have.length(2);
    await manual.resolve("v2", 300);
    expect(await value.get()).to.equal("v2");
  });

  it("makes a caller with nothing valid wait, and only as long as its own signal allows", async () => {
    const value = new RefreshingValue(manual.fetch, policy());
    const first = value.get();
    await manual.resolve("v1", 50, 100);
    await first;
    now = 100; // expired: cannot be served
    const controller = new AbortController();
    const waiting = value.get(controller.signal);
    controller.abort(new Error("caller gave up"));
    expect(await rejection(waiting)).to.have.property("message", "caller gave up");
    expect(manual.starts).to.have.length(2); // the fetch goes on for later callers
    await manual.resolve("v2", 200, 300);
    expect(await value.get()).to.equal("v2");
  });

  it("caches a failure: callers with nothing valid get it at once, and no fetch starts before the backoff", async () => {
    const value = new RefreshingValue(manual.fetch, policy());
    const failure = new Error("STS is down");
    const first = rejection(value.get());
    await manual.reject(failure);
    expect(await first).to.equal(failure);
    // random 0.5 with "equal jitter": 750 ms for the first failure (between 500 and 1000).
    now = 749;
    for (let i = 0; i < 100; i++) expect(await rejection(value.get())).to.equal(failure);
    expect(manual.starts).to.have.length(1);
    now = 750;
    const retried = rejection(value.get());
    expect(manual.starts).to.have.length(2);
    await manual.reject(failure);
    await retried;
    now = 750 + 1499; // second failure: 1500 ms
    await rejection(value.get());
    expect(manual.starts).to.have.length(2);
  });

  it("keeps serving a valid value through failed background fetches, backing off between them", async () => {
    const value = new RefreshingValue(manual.fetch, policy());
    const first = value.get();
    await manual.resolve("v1", 100);
    await first;
    now = 100;
    expect(await value.get()).to.equal("v1");
    await manual.reject(new Error("SSM throttled"));
    now = 849; // within the 750 ms backoff: stale value served, no new fetch
    for (let i = 0; i < 50; i++) expect(await value.get()).to.equal("v1");
    expect(manual.starts).to.have.length(2);
    now = 850;
    expect(await value.get()).to.equal("v1");
    expect(manual.starts).to.have.length(3);
  });

  it("bounds every fetch by its own timeout, so a stalled service cannot hold the single flight", async () => {
    const value = new RefreshingValue(manual.fetch, policy({ fetchTimeoutMs: 20 }));
    const error = await rejection(value.get());
    expect(error).to.have.property("name", "TimeoutError");
    expect(manual.starts[0].aborted).to.equal(true);
  });

  it("rate-limits forced refreshes and joins one in flight", async () => {
    const value = new RefreshingValue(manual.fetch, policy());
    const first = value.get();
    await manual.resolve("v1", 10_000);
    await first;
    const forced = [value.refresh(), value.refresh()];
    expect(manual.starts).to.have.length(2);
    await manual.resolve("v2", 10_000);
    expect(await Promise.all(forced)).to.deep.equal(["v2", "v2"]);
    now = 999;
    expect(await value.refresh()).to.equal("v2"); // within a second of the last forced fetch: none
    expect(manual.starts).to.have.length(2);
    now = 1000;
    const again = value.refresh();
    expect(manual.starts).to.have.length(3);
    await manual.resolve("v3", 10_000);
    expect(await again).to.equal("v3");
  });

  it("drops a refused value once for many callers, and keeps it when invalidations come too fast", async () => {
    const value = new RefreshingValue(manual.fetch, policy({ minForcedIntervalMs: 5000 }));
    const first = value.get();
    await manual.resolve("session-1", 10_000, 20_000);
    await first;
    expect(value.invalidate("session-1")).to.equal("dropped");
    expect(value.invalidate("session-1")).to.equal("replaced");
    const waiting = [value.get(), value.get()];
    expect(manual.starts).to.have.length(2);
    await manual.resolve("session-2", 10_000, 20_000);
    expect(await Promise.all(waiting)).to.deep.equal(["session-2", "session-2"]);
    now = 4999;
    expect(value.invalidate("session-2")).to.equal("kept");
    expect(await value.get()).to.equal("session-2");
    expect(manual.starts).to.have.length(2);
  });
});
