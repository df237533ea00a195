import { expect } from "chai";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { registerPromote } from "../../src/cli/promote";
import { registerRollback } from "../../src/cli/rollback";
import { EngineDeps, executePromotion, PromotionResult } from "../../src/promotion/engine";
import { StepId } from "../../src/promotion/types";
import { V1, V2, V3 } from "./fakes";
import { Armed, expectSettledWorld, FAULT_KINDS, FaultKind, firstRun, journalFault, oneShot, PROD_V3_CHANGE_OF, pulumiFault, settle } from "./faultKit";
import { historyOf, promote, Scenario, until } from "./harness";

/**
 * Fault injection in the simulated world (test/promotion/fakes.ts + harness.ts): model versions that go through
 * STARTING and STOPPING, each stack's deployed outputs, each consumer's endpoint policy, SSM, the lease table. The
 * harness checks the invariant after every mutation (every config edit, `up`, model status change, SSM or DynamoDB
 * write) and at every step boundary: each environment's deployed parameter names a version its deployed shared role
 * grants, its endpoint policy allows, and that is RUNNING. Each case injects a fault, runs, re-runs the same command
 * until the journal is gone, and then checks that the world settled: no violation ever, files that follow what is
 * deployed, no grant or running version left behind, each outcome recorded once, no lease held.
 */

const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

function hangForever(signal: () => void): Promise<never> {
  signal();
  return new Promise<never>(() => undefined);
}

/** The operation that carries each step's change, for prod's promotion V1 -> V3. */
const CHANGE_OF = PROD_V3_CHANGE_OF;

function arm(s: Scenario, step: StepId, kind: FaultKind): Armed {
  const shot = oneShot();
  const { once, died, diedPromise } = shot;
  const lost = () => Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
  const wrap = (deps: EngineDeps) => deps;

  if (kind === "cannot write its journal") {
    return { died: diedPromise, wrap: journalFault(step, once) };
  }
  if (step === "ensure-running" || step === "stop") {
    const arn = step === "ensure-running" ? V3 : V1;
    const before = (a: string) => (a === arn && kind === "throws before its change" && once() ? Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }) : undefined);
    const after = async (a: string) => {
      if (a !== arn || !once()) return;
      if (kind === "throws after its change") throw lost();
      if (kind === "dies there") await hangForever(died);
    };
    if (step === "ensure-running") {
      s.aws.failStart = before;
      s.aws.afterStart = after;
    } else {
      s.aws.failStop = before;
      s.aws.afterStop = after;
    }
    return { died: diedPromise, wrap };
  }
  if (step === "bake") {
    // The bake reads the new version's alarms: its "change" is what it finds. Throwing before: CloudWatch is not
    // reachable once; after: an alarm of the new version fires; dying: the read never returns.
    s.aws.beforeDescribeAlarms = async () => {
      if (!once()) return;
      if (kind === "throws before its change") throw Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
      if (kind === "throws after its change") s.aws.alarms[`modelshare-model-defect-detector.v3-server-errors`] = { state: "ALARM", reason: "Threshold Crossed: 1 datapoint [7.0] was greater than the threshold (0.0)" };
      if (kind === "dies there") await hangForever(died);
    };
    return { died: diedPromise, wrap };
  }
  if (step === "verify") {
    const original = s.smoke.detectLabels.bind(s.smoke);
    s.smoke.detectLabels = async (request) => {
      if (!once()) return original(request);
      if (kind === "dies there") return hangForever(died);
      if (kind === "throws after its change") {
        await original(request);
        throw Object.assign(new Error("the label came back unreadable"), { name: "SerializationException" });
      }
      throw Object.assign(new Error("the image is not a PNG or JPEG"), { name: "InvalidImageFormatException" });
    };
    return { died: diedPromise, wrap };
  }
  const match = CHANGE_OF[step as keyof typeof CHANGE_OF];
  pulumiFault(s, match, kind, shot);
  return { died: diedPromise, wrap };
}

/** The world after the dust settled: the shared checks, the endpoint policy, and no version left running. */
function expectSettled(s: Scenario, prodCalls: string): void {
  expectSettledWorld(s, prodCalls);
  expect(s.workspace.endpointAllows("prod")).to.deep.equal([prodCalls]);
  const idle = prodCalls === V3 ? V1 : V3;
  expect(["STOPPING", "STOPPED", "TRAINING_COMPLETED", "FAILED"], `${idle} left running`).to.include(s.aws.status(idle));
}

describe("fault injection: promotion in a simulated world, the invariant checked after every mutation", () => {
  let s: Scenario;
  afterEach(() => s.restore());

  const STEPS: StepId[] = ["ensure-running", "grant", "verify", "switch", "revoke", "stop"];
  const KINDS = FAULT_KINDS;

  describe("each step x each fault, then re-runs of the same command", () => {
    for (const step of STEPS) {
      for (const kind of KINDS) {
        it(`${step} ${kind}`, async () => {
          s = new Scenario(TWO_ENVS, MODELS);
          const armed = arm(s, step, kind);
          const attempt = async () => executePromotion(promote("prod", V3), armed.wrap(await s.deps()));
          const first = await firstRun(s, attempt, armed.died);
          if (first instanceof Error) throw first;
          const again = await settle(s, async () => executePromotion(promote("prod", V3), await s.deps()));
          const afterSwitch = step === "revoke" || step === "stop";
          // A run that died resumes and finishes; a failure before the verified switch is undone; after it, finished.
          const promoted = kind === "dies there" || afterSwitch;
          // A StopProjectVersion whose response was lost is found STOPPING: done, nothing pending.
          const lostStopResponse = step === "stop" && kind === "throws after its change";
          if (first !== "died") expect(first.outcome).to.equal(lostStopResponse ? "succeeded" : afterSwitch ? "cleanup-pending" : promoted ? "succeeded" : "failed");
          expectSettled(s, promoted ? V3 : V1);
          const last = [first, ...again].filter((r): r is PromotionResult => r !== "died").at(-1)!;
          expect(last.outcome).to.equal(promoted ? "succeeded" : "failed");
        });
      }
    }
  });

  describe("the bake (promotion.bakeSeconds 600) x each fault, then re-runs of the same command", () => {
    // Before the bake passed the switch is not verified: an alarm that fires, or a journal that cannot record the
    // bake's end, undoes it; CloudWatch unreachable for a moment is retried; a run that died resumes the same bake.
    const outcomes: Record<FaultKind, { first: string; settled: string }> = {
      "throws before its change": { first: "succeeded", settled: V3 },
      "throws after its change": { first: "failed", settled: V1 },
      "dies there": { first: "died", settled: V3 },
      "cannot write its journal": { first: "failed", settled: V1 },
    };
    for (const kind of KINDS) {
      it(`bake ${kind}`, async () => {
        s = new Scenario({ ...TWO_ENVS, bakeSeconds: 600 }, MODELS);
        const armed = arm(s, "bake", kind);
        const attempt = async () => executePromotion(promote("prod", V3), armed.wrap(await s.deps()));
        const first = await firstRun(s, attempt, armed.died);
        if (first instanceof Error) throw first;
        expect(first === "died" ? "died" : first.outcome, first === "died" ? "" : first.reason).to.equal(outcomes[kind].first);
        if (first !== "died" && first.outcome === "failed") {
          expect(first.failedStep).to.equal("bake");
          expect(first.steps.find((x) => x.id === "switch")?.state).to.equal("undone");
        }
        await settle(s, async () => executePromotion(promote("prod", V3), await s.deps()));
        expectSettled(s, outcomes[kind].settled);
        // The bake watched for its whole length (fake time), resumed runs included: never shorter.
        if (outcomes[kind].settled === V3) expect(s.aws.cloudwatch.calls().length).to.be.greaterThan(5);
      });
    }
  });

  describe("operators, environments and model transitions", () => {
    it("a second operator with a stale checkout during the promotion waits for the lease, then is refused; the first finishes", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      const stale = s.checkout();
      let second: Promise<unknown> | undefined;
      s.smoke.beforeCall = () => void (second ??= stale.deps().then((deps) => executePromotion(promote("qa", V1), deps)).catch((e: Error) => e));
      expect((await executePromotion(promote("prod", V3), await s.deps())).outcome).to.equal("succeeded");
      expect(((await second) as Error).name).to.equal("StaleCheckoutError");
      expectSettled(s, V3);
    });

    it("qa and prod promoted to the same new version at once from one checkout: started once, both switched, the old ones stopped", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      const [qa, prod] = await Promise.all([executePromotion(promote("qa", V3), await s.deps()), executePromotion(promote("prod", V3), await s.deps())]);
      expect([qa.outcome, prod.outcome]).to.deep.equal(["succeeded", "succeeded"]);
      expect(s.aws.starts).to.deep.equal([V3]);
      expect(s.aws.stops.sort()).to.deep.equal([V1, V2].sort());
      expect(s.workspace.deployedConfigured("qa")).to.equal(V3);
      expectSettled(s, V3);
    });

    it("forced interleaving at revoke: qa asks for the version prod is leaving; it is kept running and granted to qa", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      let second: Promise<PromotionResult> | undefined;
      s.workspace.faults.push((op) => {
        if (CHANGE_OF.revoke(op) && !second) second = s.deps().then((deps) => executePromotion(promote("qa", V1), deps));
        return undefined;
      });
      expect((await executePromotion(promote("prod", V3), await s.deps())).outcome).to.equal("succeeded");
      expect((await second!).outcome).to.equal("succeeded");
      expect(s.workspace.deployedConfigured("qa")).to.equal(V1);
      expect(s.aws.status(V1)).to.equal("RUNNING");
      expect(s.violations).to.deep.equal([]);
    });

    it("Pulumi's stack lock (another update) at the switch is reported as a conflict and undone", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      let busy = true;
      s.workspace.faults.push((op) => (busy && CHANGE_OF.switch(op) ? ((busy = false), "busy") : undefined));
      expect((await executePromotion(promote("prod", V3), await s.deps())).outcome).to.equal("failed");
      expectSettled(s, V1);
    });

    it("the new version is already STARTING (someone else's start): the promotion waits for RUNNING and starts nothing", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "STARTING" });
      s.aws.models[V3].settleAfter = 3;
      expect((await executePromotion(promote("prod", V3), await s.deps())).outcome).to.equal("succeeded");
      expect(s.aws.starts).to.deep.equal([]);
      expectSettled(s, V3);
    });

    it("the new version is STOPPING: the promotion waits until STOPPED, then starts it", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "STOPPING" });
      s.aws.models[V3].settleAfter = 2;
      expect((await executePromotion(promote("prod", V3), await s.deps())).outcome).to.equal("succeeded");
      expect(s.aws.starts).to.deep.equal([V3]);
      expectSettled(s, V3);
    });

    it("the old version is being started by someone at stop time: it is left alone, not stopped", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.workspace.faults.push((op) => {
        if (CHANGE_OF.revoke(op)) s.aws.models[V1] = { status: "STARTING", minInferenceUnits: 1, settleAfter: 50 };
        return undefined;
      });
      const result = await executePromotion(promote("prod", V3), await s.deps());
      expect(result.steps.find((x) => x.id === "stop")).to.deep.include({ state: "skipped", note: "defect-detector.v1 is STARTING (someone is starting it): left alone" });
      expect(s.aws.stops).to.deep.equal([]);
    });

    it("the new version fails to start (FAILED): nothing is granted, prod stays, the failed version is not left billed", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.aws.startEndsFailed = (arn) => arn === V3;
      expect((await executePromotion(promote("prod", V3), await s.deps())).outcome).to.equal("failed");
      expectSettled(s, V1);
    });

    it("a history write that fails: the promotion stands, exit 1, and the next run writes the pending record exactly once", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      const deps = await s.deps();
      const first = await executePromotion(promote("prod", V3), { ...deps, history: { append: async () => Promise.reject(new Error("ThrottlingException")), list: (env) => deps.history.list(env) } });
      expect(first.outcome).to.equal("succeeded");
      expect(first.historyError).to.match(/ThrottlingException/);
      expect(historyOf(s, "prod")).to.deep.equal([]);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V3);
      // The next run of prod (here a rollback) writes the pending record first, then its own: each once.
      await executePromotion({ intent: { kind: "rollback", env: "prod" }, request: async () => ({ kind: "rollback", environment: "prod", version: V1, keepOld: false }) }, await s.deps());
      expect(historyOf(s, "prod").map((r) => `${r.kind} ${r.outcome}`)).to.deep.equal(["promote succeeded", "rollback succeeded"]);
      expect(s.violations).to.deep.equal([]);
    });

    it("the lease expires while the run cannot reach DynamoDB: it stops before its next change, and a re-run finishes", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.smoke.propagationCalls = 6; // a minute of backoff
      let cutOff = false;
      s.smoke.beforeCall = () => void (cutOff = true);
      s.aws.failDynamo = (command) => (cutOff && command === "UpdateItem" ? Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" }) : undefined);
      const timing = { durationMs: 45_000, renewEveryMs: 15_000, safetyMarginMs: 5_000, maxHoldMs: 3600_000, waitMs: 3600_000, pollMs: 5_000 };
      const first = await executePromotion(promote("prod", V3), await s.deps({ leaseTiming: timing }));
      expect(first.outcome).to.equal("undo-failed");
      expect(first.reason).to.match(/switch failed \(stopped before the next change: the promotion lease could not be confirmed in DynamoDB/);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      cutOff = false;
      s.aws.failDynamo = undefined;
      s.crashed(); // its lease item is still there (it could not delete it): expired, or from a dead run here
      await settle(s, async () => executePromotion(promote("prod", V3), await s.deps()));
      expectSettled(s, V1);
    });
  });

  describe("rollback chains", () => {
    async function promoteThrough(...versions: string[]): Promise<void> {
      for (const version of versions) expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--version", version])).exitCode).to.equal(0);
    }

    it("V1 -> V2 -> V3, rollback, rollback: back to V1 through V2; each version restarted with its units", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "RUNNING" });
      s.aws.models[V1] = { status: "RUNNING", minInferenceUnits: 2 };
      await promoteThrough(V2, V3);
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V2);
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      expect(s.aws.models[V1]).to.include({ status: "RUNNING", minInferenceUnits: 2 });
      expect(s.violations).to.deep.equal([]);
    });

    it("a rollback whose switch fails is undone; the next rollback goes to the same target, not further", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "RUNNING" });
      await promoteThrough(V2, V3);
      let fail = true;
      s.workspace.faults.push((op) => (fail && op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V2 ? ((fail = false), "fail") : undefined));
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(1);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V3);
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V2);
      expect(s.violations).to.deep.equal([]);
    });

    it("rollback of a promotion whose clean-up is pending replaces the clean-up: back on the previous version, the new one stopped", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "RUNNING" });
      s.aws.failStop = (arn) => (arn === V1 ? Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }) : undefined);
      expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3])).exitCode).to.equal(1);
      s.aws.failStop = undefined;
      const back = await s.cli(registerRollback, ["rollback", "--env", "prod", "--json"]);
      expect(back.exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
      expect(s.aws.stops).to.include(V3);
      expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(false);
      expect(s.violations).to.deep.equal([]);
    });

    it("rollback --to the oldest version skips the one between; a rollback after it has nowhere further back (no flip-flop to V3)", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "RUNNING" });
      await promoteThrough(V2, V3);
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod", "--to", V1])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      const further = await s.cli(registerRollback, ["rollback", "--env", "prod"]);
      expect(further.error?.message).to.match(/--to is required: the history of prod has no successful promotion to its current version/);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      expect(s.violations).to.deep.equal([]);
    });

    for (const step of ["grant", "switch", "revoke"] as const) {
      it(`a promotion that died at ${step} is undone by \`rollback --env prod\` (exit 0), recorded once as that rollback`, async () => {
        s = new Scenario(TWO_ENVS, MODELS);
        const armed = arm(s, step, "dies there");
        expect(await firstRun(s, async () => executePromotion(promote("prod", V3), await s.deps()), armed.died)).to.equal("died");
        const back = await s.cli(registerRollback, ["rollback", "--env", "prod", "--json"]);
        expect(back.exitCode).to.equal(0);
        expect(historyOf(s, "prod").map((r) => `${r.kind} ${r.outcome} ${r.undid !== undefined}`)).to.deep.equal(["rollback succeeded true"]);
        expectSettled(s, V1);
      });
    }

    it("a rollback interrupted mid-way resumes with the same command, and the history walks on from where it ended", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "RUNNING" });
      await promoteThrough(V2, V3);
      let hang = true;
      s.workspace.faults.push((op) => (hang && op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V2 ? ((hang = false), "hang") : undefined));
      void s.cli(registerRollback, ["rollback", "--env", "prod"]);
      await until(() => !hang);
      s.crashed();
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V2);
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      expect(s.violations).to.deep.equal([]);
    });
  });
});
