import { expect } from "chai";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { exitCodeFor } from "../../src/promotion/cliContext";
import { EngineDeps, executePromotion, InterruptedPromotionError, PromotionResult } from "../../src/promotion/engine";
import { PromotionConflictError } from "../../src/promotion/journal";
import { StepId } from "../../src/promotion/types";
import { StackBusyError } from "../../src/promotion/workspace";
import { readStack, V1, V2, V3 } from "./fakes";
import { dieDuringSwitch, historyOf, promote, Scenario, until } from "./harness";

const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

const history = historyOf;

function stepStates(result: PromotionResult): Record<string, string> {
  return Object.fromEntries(result.steps.map((s) => [s.id, s.state]));
}

describe("promotion engine (fake workspace, aws-sdk-client-mock)", () => {
  let s: Scenario;
  afterEach(() => s.restore());

  it("promotes prod to the version qa calls, in order, and stops the old version nobody uses", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const result = await executePromotion(promote("prod", V2), await s.deps());

    expect(result.outcome).to.equal("succeeded");
    expect(exitCodeFor(result)).to.equal(0);
    expect(result.steps.map((x) => `${x.id}:${x.state}`)).to.deep.equal(["ensure-running:done", "grant:done", "verify:done", "switch:done", "revoke:done", "stop:done"]);
    // The files say what was deployed: prod calls V2, which alone is granted to it; V1 is catalogued still.
    expect(readStack(s.dir, "prod")["modelshare:modelVersionArn"]).to.equal(V2);
    expect(readStack(s.dir, "ml")["modelshare:consumers"].prod.grantedVersions).to.deep.equal([V2]);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V2);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V2]);
    // Stopped, not waited for: once StopProjectVersion is accepted nobody calls V1 and its billing ends on its own.
    expect(s.aws.stops).to.deep.equal([V1]);
    expect(s.aws.status(V1)).to.equal("STOPPING");
    expect(s.aws.starts).to.deep.equal([]); // V2 was RUNNING already
    expect(s.violations).to.deep.equal([]);
    expect(s.checks).to.be.greaterThan(10);
    // The switch happened only after the grant was deployed to both stacks and verified.
    const order = s.workspace.calls.filter((c) => c.kind === "up").map((c) => c.stack);
    expect(order).to.deep.equal(["ml", "prod", "prod", "ml", "prod"]);
    const [record] = history(s, "prod");
    expect(record).to.include({ kind: "promote", env: "prod", from: V1, to: V2, outcome: "succeeded" });
    expect(record.who).to.match(/assumed-role\/modelshare-pipeline/);
    expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(false);
  });

  it("starts a trained version with the configured inference units before granting it, and keeps a shared old version running", async () => {
    s = new Scenario({ configured: { qa: V1, prod: V1 }, granted: { qa: [V1], prod: [V1] } }, MODELS);
    const result = await executePromotion(promote("qa", V3), await s.deps());

    expect(result.outcome).to.equal("succeeded");
    expect(s.aws.starts).to.deep.equal([V3]);
    expect(s.aws.models[V3]).to.include({ status: "RUNNING", minInferenceUnits: 1, maxInferenceUnits: 2 });
    // prod still calls V1: the stop step (decided when it runs, from the deployed state) keeps it running.
    expect(result.steps.map((x) => `${x.id}:${x.state}`)).to.deep.equal(["ensure-running:done", "grant:done", "verify:done", "switch:done", "revoke:done", "stop:skipped"]);
    expect(result.steps.find((x) => x.id === "stop")?.note).to.match(/still used by prod \(configured\), prod \(granted\)/);
    expect(s.aws.stops).to.deep.equal([]);
    expect(s.aws.status(V1)).to.equal("RUNNING");
    // V3 was not catalogued: grant added it to model.versions first (the ML schema requires it).
    expect(readStack(s.dir, "ml")["modelshare:model"].versions).to.deep.equal([V1, V2, V3]);
    expect(s.violations).to.deep.equal([]);
  });

  it("rides out IAM propagation: access denied a few times, then success, with growing backoff and no fixed sleep", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.smoke.propagationCalls = 3;
    const result = await executePromotion(promote("prod", V2), await s.deps());

    expect(result.outcome).to.equal("succeeded");
    expect(result.steps.find((x) => x.id === "verify")?.note).to.match(/attempt 4/);
    expect(s.smoke.calls).to.have.length(4);
    expect(s.clock.sleeps.slice(0, 3)).to.deep.equal([1000, 2000, 4000]);
    // The only other waits: the drain after the switch (promotion.drainSeconds, 90 s by default), before revoke.
    expect(s.clock.sleeps.slice(3).reduce((a, b) => a + b, 0)).to.equal(90_000);
    expect(s.progress.filter((l) => l.includes("IAM propagation"))).to.have.length(3);
    expect(s.violations).to.deep.equal([]);
  });

  it("gives up verify at the environment's deadline and undoes the grant", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.smoke.propagationCalls = Number.POSITIVE_INFINITY;
    const result = await executePromotion(promote("prod", V2), await s.deps());

    expect(result.outcome).to.equal("failed");
    expect(result.failedStep).to.equal("verify");
    expect(result.reason).to.match(/after 120s/);
    const waited = s.clock.sleeps.reduce((a, b) => a + b, 0);
    expect(waited).to.equal(120_000); // bounded by smokeTest.deadlineSeconds, never beyond
    expect(Math.max(...s.clock.sleeps)).to.be.at.most(15_000);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(s.violations).to.deep.equal([]);
  });

  describe("a fault at each step before the switch is undone in reverse; after it, the clean-up is left pending; the invariant holds throughout", () => {
    // The bake (issue 13) has its own cases: test/promotion/bake.test.ts and faults.test.ts; copy mode's: test/copy/promotion.test.ts.
    const faults: Record<Exclude<StepId, "bake" | "copy" | "delete-copy">, (s: Scenario) => void> = {
      "ensure-running": (x) => (x.aws.startEndsFailed = () => true),
      grant: (x) => x.workspace.faults.push((op) => (op.kind === "up" && op.stack === "ml" && op.config["modelshare:consumers"].prod.grantedVersions.includes(V3) ? "fail" : undefined)),
      verify: (x) => (x.smoke.labels = [{ name: "dent", confidence: 99 }]),
      switch: (x) => x.workspace.faults.push((op) => (op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V3 ? "fail" : undefined)),
      revoke: (x) => x.workspace.faults.push((op) => (op.kind === "up" && op.stack === "ml" && !op.config["modelshare:consumers"].prod.grantedVersions.includes(V1) ? "fail" : undefined)),
      stop: (x) => (x.aws.failStop = (arn) => (arn === V1 ? Object.assign(new Error("StopProjectVersion throttled"), { name: "ThrottlingException" }) : undefined)),
    };

    for (const [step, inject] of Object.entries(faults).filter(([id]) => ["revoke", "stop"].includes(id)) as [StepId, (s: Scenario) => void][]) {
      it(`fault at ${step}: prod stays on the verified new version, exit 1, clean-up pending in the journal; a re-run finishes it`, async () => {
        s = new Scenario(TWO_ENVS, MODELS);
        inject(s);
        const result = await executePromotion(promote("prod", V3), await s.deps());

        expect(result.outcome, result.reason).to.equal("cleanup-pending");
        expect(result.failedStep).to.equal(step);
        expect(exitCodeFor(result)).to.equal(1);
        expect(result.reason).to.match(/prod calls defect-detector\.v3 \(verified\); .* re-run the same command to finish the clean-up/);
        expect(s.workspace.deployedConfigured("prod")).to.equal(V3);
        expect(s.aws.status(V3)).to.equal("RUNNING");
        expect(result.steps.filter((x) => x.state === "undone")).to.deep.equal([]);
        expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(true);
        expect(history(s, "prod").map((r) => r.outcome)).to.deep.equal(["cleanup-pending"]);
        expect(s.violations).to.deep.equal([]);

        s.workspace.faults.length = 0;
        delete s.aws.failStop;
        const again = await executePromotion(promote("prod", V3), await s.deps());
        expect(again.outcome).to.equal("succeeded");
        expect(again.resumed).to.equal(true);
        expect(s.workspace.deployedGrants("prod")).to.deep.equal([V3]);
        expect(s.aws.stops).to.deep.equal([V1]);
        expect(history(s, "prod").map((r) => r.outcome)).to.deep.equal(["cleanup-pending", "succeeded"]);
        expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(false);
        expect(s.violations).to.deep.equal([]);
      });
    }

    for (const [step, inject] of Object.entries(faults).filter(([id]) => !["revoke", "stop"].includes(id)) as [StepId, (s: Scenario) => void][]) {
      it(`fault at ${step}`, async () => {
        s = new Scenario(TWO_ENVS, MODELS);
        inject(s);
        const result = await executePromotion(promote("prod", V3), await s.deps());

        expect(result.outcome, result.reason).to.equal("failed");
        expect(result.failedStep).to.equal(step);
        expect(exitCodeFor(result)).to.equal(1);
        // Back where it started: prod calls V1, V1 is granted and RUNNING, in the files and as deployed.
        expect(readStack(s.dir, "prod")["modelshare:modelVersionArn"]).to.equal(V1);
        expect(readStack(s.dir, "ml")["modelshare:consumers"].prod.grantedVersions).to.deep.equal([V1]);
        expect(readStack(s.dir, "ml")["modelshare:model"].versions).to.deep.equal([V1, V2]);
        expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
        expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
        expect(s.aws.status(V1)).to.equal("RUNNING");
        // The version this promotion started is stopped again (it costs money and nobody uses it).
        expect(["STOPPED", "FAILED"]).to.include(s.aws.status(V3));
        const taken = result.steps.filter((x) => x.state === "undone").map((x) => x.id);
        const expectedTaken = ["ensure-running", "grant", "verify", "switch"].slice(0, Object.keys(faults).indexOf(step) + 1);
        expect(taken).to.deep.equal(expectedTaken);
        expect(s.violations).to.deep.equal([]);
        const [record] = history(s, "prod");
        expect(record).to.include({ outcome: "failed", failedStep: step, from: V1, to: V3 });
      });
    }
  });

  it("keeps an incomplete undo in the journal, and the next run finishes it", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.workspace.faults.push((op) => (op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V3 ? "fail" : undefined));
    let failUndo = true;
    s.workspace.faults.push((op) => (failUndo && op.kind === "up" && op.stack === "ml" && !op.config["modelshare:consumers"].prod.grantedVersions.includes(V3) ? "fail" : undefined));
    const first = await executePromotion(promote("prod", V3), await s.deps());
    expect(first.outcome).to.equal("undo-failed");
    expect(first.reason).to.match(/switch failed .*undoing grant then failed/);
    expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(true);
    expect(s.violations).to.deep.equal([]);

    failUndo = false;
    const second = await executePromotion(promote("prod", V3), await s.deps());
    expect(second.outcome).to.equal("failed");
    expect(second.resumed).to.equal(true);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(s.aws.status(V3)).to.equal("STOPPED");
    expect(history(s, "prod").map((r) => r.outcome)).to.deep.equal(["undo-failed", "failed"]);
    expect(s.violations).to.deep.equal([]);
  });

  it("resumes after a crash without repeating the steps already done", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    // The first run dies while updating prod in the switch step (its promise never settles, like a killed process).
    await dieDuringSwitch(s, V3);
    const smokeCalls = s.smoke.calls.length;
    const mlUps = s.workspace.upsOf("ml"); // the crashed process is gone
    const result = await executePromotion(promote("prod", V3), await s.deps());

    expect(result.outcome).to.equal("succeeded");
    expect(result.resumed).to.equal(true);
    expect(s.aws.starts).to.deep.equal([V3]); // not started twice: re-checked, found RUNNING
    // The switch had not finished: verify runs again before it (a crash may have invalidated it), once.
    expect(s.smoke.calls.length).to.equal(smokeCalls + 1);
    expect(s.workspace.upsOf("ml")).to.equal(mlUps + 1); // the grant is deployed still: only revoke's update
    expect(s.workspace.deployedConfigured("prod")).to.equal(V3);
    expect(s.aws.stops).to.deep.equal([V1]);
    expect(history(s, "prod")).to.have.length(1);
    expect(s.violations).to.deep.equal([]);
  });

  it("decides at the stop step, from what is deployed, who uses the old version: a change since the plan keeps it running", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    // After the plan, just before the stop step reads who uses what, qa has been moved to V1 (granted, endpoint
    // updated, switched; by a deploy the lease does not cover): V1 must not be stopped now.
    let moved = false;
    s.workspace.faults.push((op) => {
      if (moved || op.kind !== "outputs" || op.stack !== "qa") return undefined;
      moved = true;
      const world = s.workspace.world;
      world.stacks.ml = { ...world.stacks.ml, "modelshare:consumers": { ...world.stacks.ml["modelshare:consumers"], qa: { ...world.stacks.ml["modelshare:consumers"].qa, grantedVersions: [V2, V1] } } };
      world.endpointAllows.qa = [V2, V1];
      world.stacks.qa = { ...world.stacks.qa, "modelshare:modelVersionArn": V1 };
      return undefined;
    });
    const result = await executePromotion(promote("prod", V2), await s.deps());

    expect(result.outcome).to.equal("succeeded");
    expect(stepStates(result).stop).to.equal("skipped");
    expect(result.steps.find((x) => x.id === "stop")?.note).to.match(/still used by qa \(configured\)/);
    expect(s.aws.stops).to.deep.equal([]);
    expect(s.violations).to.deep.equal([]);
  });

  it("refuses a second promotion of the same environment while the first runs, naming its owner and start", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.workspace.faults.push((op) => (op.kind === "up" && op.stack === "prod" ? "hang" : undefined));
    s.liveness = () => true;
    void executePromotion(promote("prod", V3), await s.deps({ commandLine: "modelshare promote --env prod --version V3" }));
    await until(() => s.workspace.calls.some((c) => c.kind === "up" && c.stack === "prod"));
    const describes = s.aws.rekognition.calls().length;

    let refused: unknown;
    try {
      await executePromotion(promote("prod", V2), await s.deps());
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(PromotionConflictError);
    expect((refused as Error).message).to.match(/refused: another promotion or update of prod is in progress: `modelshare promote --env prod --version V3` run by .+@.+ \(pid \d+\) since 2025-03-01T10:00:00/);
    expect(s.aws.rekognition.calls().length).to.equal(describes); // refused before any AWS call
  });

  it("reports Pulumi's stack-lock conflict with the same words, and undoes what it did", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.workspace.busyError = (stack) => new StackBusyError(stack, "error: the stack is currently locked by 1 lock(s)");
    let busy = true;
    s.workspace.faults.push((op) => (busy && op.kind === "up" && op.stack === "ml" ? ((busy = false), "busy") : undefined));
    const result = await executePromotion(promote("prod", V2), await s.deps());

    expect(result.outcome).to.equal("failed");
    expect(result.failedStep).to.equal("grant");
    expect(result.reason).to.match(/^refused: another promotion or update of prod is in progress: stack "ml" is being updated by another process/);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(s.violations).to.deep.equal([]);
  });

  it("refuses a different promotion on top of an interrupted one, and `rollback` undoes the interrupted one", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    await dieDuringSwitch(s, V3);

    let refused: unknown;
    try {
      await executePromotion(promote("prod", V2), await s.deps());
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(InterruptedPromotionError);
    expect((refused as Error).message).to.contain(`modelshare promote --env prod --version ${V3}`).and.contain("modelshare rollback --env prod");

    const undone = await executePromotion({ intent: { kind: "rollback", env: "prod" }, request: async () => expect.fail("no new request") }, await s.deps());
    // The rollback did what was asked: prod is back where it was. Recorded once, as that rollback (not "promote failed").
    expect(undone.outcome).to.equal("succeeded");
    expect(exitCodeFor(undone)).to.equal(0);
    expect(undone).to.include({ kind: "rollback", version: V1, previous: V3 });
    expect(undone.undid).to.deep.equal({ kind: "promote", version: V3 });
    expect(undone.reason).to.match(/undid the interrupted promote to defect-detector\.v3/);
    expect(history(s, "prod").map((r) => [r.kind, r.from, r.to, r.outcome, r.undid !== undefined])).to.deep.equal([["rollback", V3, V1, "succeeded", true]]);
    expect(readStack(s.dir, "prod")["modelshare:modelVersionArn"]).to.equal(V1);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
    expect(s.aws.status(V3)).to.equal("STOPPED");
    expect(s.violations).to.deep.equal([]);
  });

  it("returns exit code 1 when the outcome could not be recorded, though the promotion itself succeeded", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const deps: EngineDeps = { ...(await s.deps()), history: { append: async () => Promise.reject(new Error("AccessDeniedException: ssm:PutParameter")), list: async () => [] } };
    const result = await executePromotion(promote("prod", V2), deps);
    expect(result.outcome).to.equal("succeeded");
    expect(result.historyError).to.match(/not written to the history parameter: AccessDeniedException/);
    expect(exitCodeFor(result)).to.equal(1);
  });
});
