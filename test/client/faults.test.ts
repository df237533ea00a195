import { RekognitionClient, RekognitionClientConfig } from "@aws-sdk/client-rekognition";
import { expect } from "chai";
import {
  AssumeRoleError,
  CallAbortedError,
  CallTimeoutError,
  ModelClient,
  ModelClientEvent,
  ModelClientOptions,
  NotGrantedError,
  ParameterReadError,
  ThrottledError,
} from "@modelshare/client";
import { parameterName } from "../../src/contract";
import { FAKE_ENV, fakeVersion, percentile, runLoad, useFakeAws } from "./fakeAws/load";
import { FakeAws } from "./fakeAws/server";
import { makePng } from "./helpers/images";
import { until } from "./helpers/until";

/**
 * ModelClient under load and faults, against a local fake of SSM, STS and Rekognition that speaks their wire
 * protocols and checks SigV4 on every request. Each fault has its pass criterion. Windows are a few hundred
 * milliseconds: enough calls to see a collapse, cheap enough to run on every `npm test`.
 */
describe("ModelClient under load and faults (local fake of SSM, STS and Rekognition)", () => {
  let fake: FakeAws;
  let clients: ModelClient[];
  let events: ModelClientEvent[];
  const image = makePng(120, 80);
  const hotImage = makePng(96, 96);
  const hotBytes = Buffer.from(hotImage).toString("base64");

  const client = (options: ModelClientOptions = {}) => {
    const made = ModelClient.fromEnvironment(FAKE_ENV, {
      region: fake.region,
      endpoints: fake.endpoints,
      baseCredentials: async () => fake.baseCredentials,
      onEvent: (event) => events.push(event),
      ...options,
    });
    clients.push(made);
    return made;
  };

  /** One call per worker: parameters and credentials cached, and a connection open for each of 16 workers. */
  const warm = (model: ModelClient) => Promise.all(Array.from({ length: 16 }, () => model.detectLabels(image, { timeoutMs: 5000 })));

  const theFake = useFakeAws();
  beforeEach(() => {
    fake = theFake();
    clients = [];
    events = [];
  });
  afterEach(() => {
    for (const made of clients) made.destroy();
    // SigV4 was checked on every request the test made, and none failed unless the test meant it to.
    expect(fake.unchecked, "requests whose signature was not checked").to.equal(0);
  });

  it("cold, 32 concurrent calls cost one GetParameters and one AssumeRole, every request signed and verified", async () => {
    const model = client();
    const results = await Promise.all(Array.from({ length: 32 }, () => model.detectLabels(image)));
    expect(results.every((labels) => labels[0]?.name === "weld-crack")).to.equal(true);
    expect(fake.outcome("ssm", "GetParameters")).to.equal(1);
    expect(fake.assumeRoles).to.equal(1);
    expect(fake.counts.rekognition.verified).to.equal(32);
    expect(fake.counts.ssm.badSignatures + fake.counts.sts.badSignatures + fake.counts.rekognition.badSignatures).to.equal(0);
    const counters = model.counters();
    expect(counters.parameters.lookups).to.equal(1);
    expect(counters.credentials.lookups).to.equal(1);
    expect(counters.calls.succeeded).to.equal(32);
  });

  describe("throttling", () => {
    /**
     * Two warm clients side by side, 16 workers each, so machine load weighs on both alike: the control
     * client sends only the normal image; the measured one also sends, for every 9 normal calls, one call with an
     * image the fake always throttles (10% of its calls). Returns both clients' completed normal calls.
     */
    async function sideBySide(
      options: ModelClientOptions,
      window: { readonly controlCalls: number; readonly capMs: number },
    ): Promise<{ control: number; measured: number; model: ModelClient }> {
      const control = client();
      const model = client(options);
      await Promise.all([warm(control), warm(model)]);
      fake.faults.rekognition = (request) =>
        (request.input.Image as { Bytes?: string } | undefined)?.Bytes === hotBytes ? { kind: "throttle" } : undefined;
      const hotCalls: Array<Promise<unknown>> = [];
      let started = 0;
      let controlDone = 0;
      // The window closes when the control client has made its calls: a busy machine lengthens it, the sample stays.
      const until = () => controlDone >= window.controlCalls;
      const [controlRun, measuredRun] = await Promise.all([
        runLoad({
          concurrency: 16,
          durationMs: window.capMs,
          until,
          call: async (_worker, windowOver) => {
            await control.detectLabels(image, { signal: windowOver });
            controlDone++;
          },
        }),
        runLoad({
          concurrency: 16,
          durationMs: window.capMs,
          until,
          call: async (_worker, windowOver) => {
            if (++started % 9 === 0) hotCalls.push(model.detectLabels(hotImage, { signal: windowOver }).catch((error: unknown) => error));
            await model.detectLabels(image, { signal: windowOver });
          },
        }),
      ]);
      const hotOutcomes = await Promise.all(hotCalls);
      expect(hotOutcomes.length).to.be.at.least(2);
      for (const outcome of hotOutcomes) expect(outcome instanceof ThrottledError || outcome instanceof CallAbortedError, String(outcome)).to.equal(true);
      // Only calls the window's end cut short may fail.
      for (const run of [controlRun, measuredRun]) {
        expect([...run.failures.keys()].filter((name) => name !== "CallAbortedError"), JSON.stringify([...run.failures])).to.deep.equal([]);
      }
      return { control: controlRun.ok, measured: measuredRun.ok, model };
    }

    it("with 10% of calls throttled, the unthrottled calls keep at least half their throughput (standard retry mode)", async () => {
      const { control, measured, model } = await sideBySide({}, { controlCalls: 80, capMs: 3000 });
      expect(measured, `unthrottled calls: ${measured} beside throttled ones vs ${control} on a client without`).to.be.at.least(control / 2);
      const counters = model.counters();
      // Throttles the client read (a few answers may arrive after the window aborted their calls).
      expect(counters.rekognition.throttles).to.be.within(1, fake.outcome("rekognition", "ProvisionedThroughputExceededException"));
      expect(events.some((e) => e.type === "attempt-failed" && e.kind === "throttled" && e.service === "rekognition")).to.equal(true);
    });

    it("the same load in adaptive mode (the old default) throttles the whole client: the criterion above catches it", async () => {
      const made: RekognitionClient[] = [];
      const clientFactories = { rekognition: (config: RekognitionClientConfig) => made[made.push(new RekognitionClient(config)) - 1] };
      try {
        // A longer window: the SDK's limiter needs a few throttles to bring the client down.
        const { control, measured } = await sideBySide({ retry: { mode: "adaptive" }, clientFactories }, { controlCalls: 200, capMs: 4000 });
        expect(measured, `adaptive: ${measured} vs ${control}`).to.be.below(control / 2);
      } finally {
        // The SDK's adaptive limiter keeps its aborted waiters sleeping until each gets a token (0.5 a second):
        // open it so their timers end now rather than tens of seconds after the test.
        for (const sdkClient of made) {
          const strategy = (await sdkClient.config.retryStrategy()) as { rateLimiter?: Record<string, number> };
          if (strategy.rateLimiter) Object.assign(strategy.rateLimiter, { fillRate: 1e9, maxCapacity: 1e9, availableTokens: 1e9 });
        }
      }
    });
  });

  it("counts the SDK's retries: a Rekognition 500 on each call's first attempt is retried, and every call succeeds", async () => {
    fake.faults.rekognition = (request) =>
      /attempt=1;/.test(String(request.headers["amz-sdk-request"])) ? { kind: "error", status: 500, code: "InternalServerError" } : undefined;
    const model = client();
    await Promise.all(Array.from({ length: 8 }, () => model.detectLabels(image)));
    const counters = model.counters().rekognition;
    expect(counters.retries).to.equal(8);
    expect(counters.failures).to.equal(fake.outcome("rekognition", "InternalServerError"));
    expect(counters.attempts).to.equal(fake.counts.rekognition.requests);
  });

  describe("a stalled service", () => {
    it("Rekognition that never answers costs no caller more than its deadline, with a typed error, and frees the request", async () => {
      const model = client({ timeoutMs: 150 });
      await warm(model);
      fake.faults.rekognition = () => ({ kind: "stall" });
      const result = await runLoad({ concurrency: 16, durationMs: 200, call: () => model.detectLabels(image) });
      expect(result.ok).to.equal(0);
      expect([...result.failures.keys()]).to.deep.equal(["CallTimeoutError"]);
      const error = result.examples.get("CallTimeoutError") as CallTimeoutError;
      expect(error.waitingFor).to.equal("rekognition");
      expect(error.timeoutMs).to.equal(150);
      expect(error.hint).to.contain("inference units");
      // Deadline plus scheduling slack on a busy 2-core machine; without a deadline these calls never end.
      expect(Math.max(...result.latenciesMs)).to.be.below(150 + 350);
      expect(model.counters().calls.timedOut).to.equal(result.failures.get("CallTimeoutError"));
      await until(() => fake.stalled === 0); // the client closed every abandoned request
    });

    it("a cold client whose SSM, then STS, never answers: each call ends at its deadline, naming what it waited for", async () => {
      fake.faults.ssm = () => ({ kind: "stall" });
      const error = await client({ timeoutMs: 100 }).detectLabels(image).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CallTimeoutError).with.property("waitingFor", "parameters");
      delete fake.faults.ssm;
      fake.faults.sts = () => ({ kind: "stall" });
      const waitingForSts = await client({ timeoutMs: 100 }).detectLabels(image).catch((e: unknown) => e);
      expect(waitingForSts).to.be.instanceOf(CallTimeoutError).with.property("waitingFor", "credentials");
      expect((waitingForSts as CallTimeoutError).message).to.contain("STS AssumeRole");
    });

    it("a caller's AbortSignal cancels the call at once with CallAbortedError", async () => {
      const model = client();
      await model.detectLabels(image);
      fake.faults.rekognition = () => ({ kind: "stall" });
      const controller = new AbortController();
      const started = Date.now();
      const call = model.detectLabels(image, { signal: controller.signal }).catch((error: unknown) => error);
      setTimeout(() => controller.abort(new Error("user went away")), 30);
      const error = await call;
      expect(error).to.be.instanceOf(CallAbortedError).with.property("waitingFor", "rekognition");
      expect(Date.now() - started).to.be.below(30 + 250);
      expect(await model.detectLabels(image, { signal: AbortSignal.abort() }).catch((e: unknown) => e)).to.be.instanceOf(CallAbortedError);
      await until(() => fake.stalled === 0);
    });

    it("SSM stalled during a TTL re-read: calls keep the cached parameters at full speed, one read in flight", async () => {
      const model = client({ parameterTtlMs: 20, lookupTimeoutMs: 2000 });
      await warm(model);
      fake.faults.ssm = () => ({ kind: "stall" });
      const result = await runLoad({ concurrency: 16, durationMs: 200, call: () => model.detectLabels(image) });
      expect(result.failures.size).to.equal(0);
      expect(result.ok).to.be.at.least(16); // every caller got through (throughput under load is for `npm run bench`, not a test)
      // Nobody waited for SSM: a call that had would take the 2 s lookup timeout.
      expect(Math.max(...result.latenciesMs)).to.be.below(1000);
      expect(fake.counts.ssm.requests).to.equal(2); // the first read, and the one stalled re-read
      expect(model.counters().parameters.staleHits).to.be.greaterThan(0);
    });

    it("STS stalled while credentials are refreshed ahead of expiry: calls keep the valid session", async () => {
      let skewMs = 0;
      const model = client({ now: () => Date.now() + skewMs, lookupTimeoutMs: 2000 });
      await warm(model);
      fake.faults.sts = () => ({ kind: "stall" });
      skewMs = 56 * 60_000; // 4 minutes left of the hour-long session: inside the 5-minute refresh window
      const result = await runLoad({ concurrency: 16, durationMs: 200, call: () => model.detectLabels(image) });
      expect(result.failures.size).to.equal(0);
      expect(Math.max(...result.latenciesMs)).to.be.below(1000);
      expect(fake.counts.sts.requests).to.equal(2);
      expect(model.counters().credentials.staleHits).to.be.greaterThan(0);
    });
  });

  describe("a broken dependency costs a bounded request rate", () => {
    /** 16 workers until 100 calls have failed (3 s at most): the sample is the same on an idle or a busy machine. */
    const hammer = (model: ModelClient) => {
      let calls = 0;
      return runLoad({
        concurrency: 16,
        durationMs: 3000,
        until: () => calls >= 100,
        call: async () => {
          calls++;
          await model.detectLabels(image);
        },
      });
    };
    // Failure caching waits 0.5-1 s after a first failure, 1-2 s after a second, ...: lookups in a window of t ms.
    const lookupsWithin = (elapsedMs: number) => 1 + Math.floor(elapsedMs / 500);

    it("an STS that answers 503 gets a few requests a second however many calls fail, and the hint blames STS, not the network", async () => {
      fake.faults.sts = () => ({ kind: "error", status: 503, code: "ServiceUnavailable", message: "Service is unavailable" });
      const model = client();
      const result = await hammer(model);
      expect(result.ok).to.equal(0);
      expect(result.latenciesMs.length).to.be.at.least(100);
      // Each AssumeRole is the SDK's 3 attempts; between them, calls fail at once from the cached failure.
      expect(fake.counts.sts.requests).to.be.at.most(3 * lookupsWithin(result.elapsedMs));
      expect(model.counters().credentials.cachedFailures).to.be.greaterThan(result.latenciesMs.length / 2);
      const error = result.examples.get("AssumeRoleError") as AssumeRoleError;
      expect(error.kind).to.equal("server");
      expect(error.hint).to.contain("STS side, not the network").and.not.contain("did not answer");
    });

    it("an SSM that denies GetParameters gets a few requests a second, and the hint names the missing permission", async () => {
      fake.readableParameters = new Set();
      const model = client();
      const result = await hammer(model);
      expect(result.ok).to.equal(0);
      // Each lookup: all four names, then (denied) the three required ones alone.
      expect(fake.counts.ssm.requests).to.be.at.most(2 * lookupsWithin(result.elapsedMs));
      const error = result.examples.get("ParameterReadError") as ParameterReadError;
      expect(error.kind).to.equal("denied");
      expect(error.hint).to.contain("ssm:GetParameters").and.contain(`/modelshare/${FAKE_ENV}/`);
    });

    it("a version that is not granted: every call gets NotGrantedError, and the re-reads and re-assumes it triggers stay rate-limited", async () => {
      fake.grantedVersions.clear();
      const model = client();
      const result = await hammer(model);
      expect([...result.failures.keys()]).to.deep.equal(["NotGrantedError"]);
      expect(result.failures.get("NotGrantedError")).to.be.at.least(100);
      // First read plus at most one forced re-read a second; first session plus at most one forced AssumeRole per 5 s.
      expect(fake.counts.ssm.requests).to.be.at.most(2 + Math.floor(result.elapsedMs / 1000));
      expect(fake.counts.sts.requests).to.be.at.most(2 + Math.floor(result.elapsedMs / 5000));
      expect((result.examples.get("NotGrantedError") as NotGrantedError).hint).to.contain("not granted");
    });
  });

  describe("expired or revoked sessions", () => {
    for (const [what, breakSessions, refusal] of [
      ["expired (ExpiredTokenException)", (f: FakeAws) => f.expireSessions(), "ExpiredTokenException"],
      ["unknown to the service (UnrecognizedClientException)", (f: FakeAws) => f.forgetSessions(), "UnrecognizedClientException"],
      ["revoked by a deny on older sessions (AccessDeniedException)", (f: FakeAws) => f.revokeSessions(), "AccessDeniedException"],
    ] as const) {
      it(`a session ${what} is dropped and the role assumed again once for 16 concurrent calls, which all succeed`, async () => {
        const model = client();
        await warm(model);
        breakSessions(fake);
        const results = await Promise.all(Array.from({ length: 16 }, () => model.detectLabels(image)));
        expect(results).to.have.length(16);
        expect(fake.assumeRoles).to.equal(2);
        expect(fake.outcome("rekognition", refusal)).to.be.at.least(1);
        expect(events.filter((e) => e.type === "credentials-dropped")).to.have.length(1);
        expect(model.counters().calls.retriedWithNewSession).to.be.at.least(1);
      });
    }
  });

  it("a promotion under load: calls follow the new version within the TTL and none fails", async () => {
    const model = client({ parameterTtlMs: 50 });
    await warm(model);
    const v2 = fakeVersion(fake.region, 2);
    let promoted = false;
    const result = await runLoad({
      concurrency: 16,
      durationMs: 250,
      call: async () => {
        const detection = await model.detect(image);
        if (!promoted) {
          promoted = true;
          setTimeout(() => {
            fake.parameters.set(parameterName(FAKE_ENV, "modelVersionArn"), v2);
            fake.grantedVersions.add(v2);
            fake.grantedVersions.delete(fakeVersion(fake.region, 1)); // the old version is revoked at once
          }, 50);
        }
        return detection;
      },
    });
    expect(result.failures.size, JSON.stringify([...result.failures])).to.equal(0);
    expect((await model.detect(image)).target.modelVersionArn).to.equal(v2);
    expect(percentile(result.latenciesMs, 99)).to.be.below(1000);
  });
});
