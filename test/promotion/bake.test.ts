import { expect } from "chai";
import { registerPromote } from "../../src/cli/promote";
import { AlarmReader } from "../../src/promotion/alarms";
import { bakePollMs, BakeFailedError, watchAlarms } from "../../src/promotion/bake";
import { executePromotion } from "../../src/promotion/engine";
import { planPromotion } from "../../src/promotion/plan";
import { loadProjectFiles } from "../../src/promotion/project";
import { STEP_IDS } from "../../src/promotion/types";
import { silentProgress } from "../../src/cli/common";
import { pipelinePolicyInputFromConfig, pipelinePromotionPolicy } from "../../src/policies/pipeline";
import { V1, V2, V3 } from "./fakes";
import { historyOf, promote, Scenario, until } from "./harness";

/**
 * The canary bake (promotion.bakeSeconds): after the switch, the new version's alarms are watched for that long, in
 * fake time; one that fires undoes the switch. The invariant (each environment calls a granted, allowed, RUNNING
 * version) is checked by the harness after every change, undo included.
 */

const LAYOUT = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] }, bakeSeconds: 600 };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };
const V3_ERRORS = "modelshare-model-defect-detector.v3-server-errors";

describe("promotion's canary bake", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  describe("the plan", () => {
    it("adds bake after switch, keeping every other step id and their order; a rollback and a bake of 0 have none", () => {
      s = new Scenario(LAYOUT, MODELS);
      // Copy mode (issue 14) appended its steps: the existing ids keep their order.
      expect(STEP_IDS).to.deep.equal(["ensure-running", "grant", "verify", "switch", "bake", "revoke", "stop", "copy", "delete-copy"]);
      const project = loadProjectFiles(s.dir);
      const plan = planPromotion(project, { kind: "promote", environment: "prod", version: V3, keepOld: false });
      expect(plan.steps.map((x) => x.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch", "bake", "revoke", "stop"]);
      expect(plan.steps.find((x) => x.id === "bake")!.detail).to.equal(
        "watch defect-detector.v3's alarms (modelshare-model-defect-detector.v3-server-errors, modelshare-model-defect-detector.v3-throttled, modelshare-model-defect-detector.v3-capacity) for 600 s; if one fires, undo the switch (and the grant and start before it)",
      );
      expect(planPromotion(project, { kind: "rollback", environment: "prod", version: V2, keepOld: false }).steps.map((x) => x.id)).not.to.include("bake");
      s.restore();
      s = new Scenario({ ...LAYOUT, bakeSeconds: 0 }, MODELS);
      expect(planPromotion(loadProjectFiles(s.dir), { kind: "promote", environment: "prod", version: V3, keepOld: false }).steps.map((x) => x.id)).not.to.include("bake");
    });

    it("shows it in promote --dry-run --json, in the same shape as every other step", async () => {
      s = new Scenario(LAYOUT, MODELS);
      expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--dry-run", "--json"])).exitCode).to.equal(0);
      const plan = JSON.parse(s.out.join(""));
      const bake = plan.steps.find((x: { id: string }) => x.id === "bake");
      expect(Object.keys(bake)).to.deep.equal(["id", "detail"]);
      expect(s.aws.cloudwatch.calls()).to.have.length(0);
    });
  });

  it("watches for the whole bake, in polls of at most a minute, renewing the lease, and succeeds when nothing fires", async () => {
    s = new Scenario(LAYOUT, MODELS);
    s.aws.alarms[V3_ERRORS] = { state: "INSUFFICIENT_DATA" }; // a new alarm before its first datapoint: not firing
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome, result.reason).to.equal("succeeded");
    expect(result.steps.find((x) => x.id === "bake")).to.deep.include({ state: "done" });
    expect(result.steps.find((x) => x.id === "bake")!.note).to.match(/^prod ran on defect-detector\.v3 for 600 s with none of its 3 alarms firing \(\d+ reads\)$/);
    const bakeSleeps = s.clock.sleeps.filter((ms) => ms === 60_000);
    expect(bakeSleeps.length).to.be.at.least(10);
    expect(Math.max(...s.clock.sleeps)).to.be.at.most(60_000);
    // Renewed while it waited (10-minute leases renewed every 2 minutes).
    expect(s.aws.dynamodb.calls().filter((c) => c.args[0].constructor.name === "UpdateItemCommand").length).to.be.at.least(4);
    expect(s.violations).to.deep.equal([]);
  });

  it("undoes the switch, the grant and the start when an alarm of the new version fires, and records why", async () => {
    s = new Scenario(LAYOUT, MODELS);
    let reads = 0;
    s.aws.beforeDescribeAlarms = () => {
      if (++reads === 4) s.aws.alarms[V3_ERRORS] = { state: "ALARM", reason: "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (0.0)" };
    };
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("failed");
    expect(result.failedStep).to.equal("bake");
    expect(result.reason).to.include(`alarm fired during the bake: ${V3_ERRORS} is ALARM`).and.to.include("Threshold Crossed: 1 datapoint [12.0]");
    expect(result.steps.map((x) => `${x.id} ${x.state}`)).to.deep.equal(["ensure-running undone", "grant undone", "verify undone", "switch undone", "bake undone", "revoke pending", "stop pending"]);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(["STOPPING", "STOPPED"]).to.include(s.aws.status(V3));
    expect(historyOf(s, "prod").map((r) => `${r.outcome} ${r.failedStep}`)).to.deep.equal(["failed bake"]);
    expect(s.violations).to.deep.equal([]);
  });

  it("fails (and undoes) when the version's alarms do not exist: nothing would vouch for it", async () => {
    s = new Scenario(LAYOUT, MODELS);
    s.aws.missingAlarms.add("modelshare-model-defect-detector.v3-capacity");
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("failed");
    expect(result.reason).to.include("alarm modelshare-model-defect-detector.v3-capacity does not exist");
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
    expect(s.violations).to.deep.equal([]);
  });

  it("retries a failing CloudWatch, and gives up (undoing) once no read succeeded for the grace period after the bake's end", async () => {
    s = new Scenario(LAYOUT, MODELS);
    s.aws.beforeDescribeAlarms = () => {
      throw Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" });
    };
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("failed");
    expect(result.reason).to.match(/the alarms could not be read for \d+ s after the bake's end \(TimeoutError: connect ETIMEDOUT\)/);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
    expect(s.violations).to.deep.equal([]);
  });

  it("keeps the bake's deadline across a crash: the resumed run watches only what was left", async () => {
    s = new Scenario(LAYOUT, MODELS);
    let reads = 0;
    let hang = true;
    s.aws.beforeDescribeAlarms = async () => {
      if (++reads === 6 && hang) await new Promise(() => undefined); // the run dies 5 minutes into its bake
    };
    void executePromotion(promote("prod", V3), await s.deps());
    await until(() => reads >= 6);
    hang = false;
    s.crashed();
    const before = s.clock.sleeps.length;
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("succeeded");
    expect(result.resumed).to.equal(true);
    const resumedBake = s.clock.sleeps.slice(before).filter((ms) => ms <= 60_000).reduce((a, b) => a + b, 0);
    expect(resumedBake).to.be.at.most(300_000);
    expect(s.violations).to.deep.equal([]);
  });

  it("lets the pipeline read the model's alarms, and no other alarm (pipeline policy)", () => {
    s = new Scenario(LAYOUT, MODELS);
    const project = loadProjectFiles(s.dir);
    const policy = pipelinePromotionPolicy(pipelinePolicyInputFromConfig(project.ml.config, Object.values(project.consumers).map((c) => c.config)));
    expect(policy.Statement.find((x) => x.Sid === "ReadModelAlarms")).to.deep.equal({
      Sid: "ReadModelAlarms",
      Effect: "Allow",
      Action: "cloudwatch:DescribeAlarms",
      Resource: "arn:aws:cloudwatch:us-east-1:111111111111:alarm:modelshare-model-*",
    });
  });

  describe("watchAlarms (the loop on its own)", () => {
    const clock = () => {
      let t = 0;
      return { now: () => t, sleep: async (ms: number) => void (t += ms), advance: (ms: number) => (t += ms) };
    };
    const reader = (states: string[]): AlarmReader => ({ read: async (names) => names.map((name) => ({ name, state: states.shift() ?? "OK" } as never)) });

    it("polls every tenth of the bake, between 10 s and 60 s", () => {
      expect([bakePollMs(30_000), bakePollMs(300_000), bakePollMs(7_200_000)]).to.deep.equal([10_000, 30_000, 60_000]);
    });

    it("stops at the first ALARM without waiting for the deadline, and needs a successful read at or after it", async () => {
      const c = clock();
      const input = { alarmNames: ["a"], startedAt: 0, deadline: 100_000, pollMs: 10_000, graceMs: 30_000, now: c.now, sleep: c.sleep, guard: async () => undefined, progress: silentProgress };
      const error = await watchAlarms({ ...input, reader: reader(["OK", "OK", "ALARM"]) }).catch((e: Error) => e);
      expect(error).to.be.instanceOf(BakeFailedError);
      expect(c.now()).to.equal(20_000);
      const d = clock();
      const result = await watchAlarms({ ...input, now: d.now, sleep: d.sleep, reader: reader([]) });
      expect(result.reads).to.equal(11);
      expect(d.now()).to.equal(100_000);
    });
  });
});
