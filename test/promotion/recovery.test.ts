import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { registerDeploy } from "../../src/cli/deploy";
import { registerPromote } from "../../src/cli/promote";
import { registerRollback } from "../../src/cli/rollback";
import { promotionLeaseTableName } from "../../src/contract";
import { executePromotion } from "../../src/promotion/engine";
import { DynamoLeaseStore, PromotionLease } from "../../src/promotion/lease";
import { readStack, V1, V2, V3, writeStack } from "./fakes";
import { historyOf, promote, Scenario, until } from "./harness";

/** SRE review S6, S9, S10, S11, S12: what a run leaves for the next one, and what it waits for. */
const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

describe("promotion recovery: pending records, resumes after the switch, deploy's fence, dry runs, drain", () => {
  let s: Scenario;
  afterEach(() => s.restore());

  it("a history write that failed is kept pending in the journal and written by the next run, once; rollback then finds its target", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const deps = await s.deps();
    const first = await executePromotion(promote("prod", V3), { ...deps, history: { append: async () => Promise.reject(new Error("ThrottlingException")), list: (env) => deps.history.list(env) } });
    expect(first.historyError).to.match(/ThrottlingException/);
    await executePromotion(promote("prod", V3), await s.deps()); // the operator re-runs the same command
    const moves = historyOf(s, "prod").filter((r) => r.from !== r.to).map((r) => `${r.kind} ${r.from === V1 ? "V1" : r.from} -> ${r.to === V3 ? "V3" : r.to}`);
    const rollback = await s.cli(registerRollback, ["rollback", "--env", "prod", "--json"]);
    expect({ moves, rollback: rollback.error?.message ?? `exit ${rollback.exitCode}` }).to.deep.equal({ moves: ["promote V1 -> V3"], rollback: "exit 0" });
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
  });

  it("a resume after the switch does not stop the fallback version, nor report success, while the environment calls a version that is not RUNNING", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    let dying = true;
    const atRevoke = (op: { kind: string; stack: string; config: Record<string, any> }) => op.kind === "up" && op.stack === "ml" && !op.config["modelshare:consumers"].prod.grantedVersions.includes(V1);
    s.workspace.faults.push((op) => (dying && atRevoke(op) ? "hang" : undefined));
    void executePromotion(promote("prod", V3), await s.deps());
    await until(() => s.workspace.calls.some(atRevoke));
    dying = false;
    s.crashed();
    s.aws.models[V3] = { status: "STOPPED" }; // while the run was dead (model stop --force, the console)
    const resumed = await executePromotion(promote("prod", V3), await s.deps());
    expect({ outcome: resumed.outcome, prodCalls: s.workspace.deployedConfigured("prod") === V3 ? "V3" : "?", v3: s.aws.status(V3), v1: s.aws.status(V1) }).to.deep.equal({
      outcome: "cleanup-pending",
      prodCalls: "V3",
      v3: "STOPPED",
      v1: "RUNNING",
    });
    expect(resumed.reason).to.match(/calls defect-detector\.v3, which is STOPPED: defect-detector\.v1 is kept granted and running/);
  });

  it("deploy stops before its next `up` once its lease was broken and taken by another operator (exit 1)", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    let taken = -1;
    s.workspace.faults.push((op) => {
      if (op.kind === "up" && op.stack === "ml" && taken < 0) {
        taken = 0;
        void (async () => {
          const lease = new PromotionLease(new DynamoLeaseStore(new DynamoDBClient({ region: "us-east-1" }), promotionLeaseTableName("modelshare"), "x"), s.clock, () => "unknown");
          await lease.breakLease();
          await lease.acquire({ user: "b", host: "laptop", pid: 9, who: "b", command: "modelshare promote --env qa", purpose: "promote qa" });
          taken = s.workspace.calls.length;
        })();
      }
      return undefined;
    });
    s.workspace.upDelayMs = 50; // the ML `up` takes a while; B takes the lease meanwhile
    // Something to apply (deploy previews first and applies nothing when nothing would change).
    s.workspace.deployed.ml = { ...s.workspace.deployed.ml, "modelshare:promotion": { pricePerInferenceUnitHour: 3 } };
    const result = await s.cli(registerDeploy, ["deploy", "--json"]);
    const upsAfter = s.workspace.calls.slice(taken).filter((c) => c.kind === "up").map((c) => c.stack);
    expect({ exit: result.exitCode, upsAfterLeaseTaken: upsAfter }).to.deep.equal({ exit: 1, upsAfterLeaseTaken: [] });
    expect(JSON.parse(s.out.join("")).stacks.filter((r: { error?: string }) => /broken or taken over/.test(r.error ?? "")).length).to.be.greaterThan(0);
  });

  it("--dry-run while another run of this checkout is alive gives the real run's answer (PromotionConflictError, exit 1), not a resume plan", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.workspace.faults.push((op) => (op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V3 ? "hang" : undefined));
    void executePromotion(promote("prod", V3), await s.deps());
    await until(() => s.workspace.calls.some((c) => c.kind === "up" && c.stack === "prod" && c.config["modelshare:modelVersionArn"] === V3));
    const real = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--json"]);
    s.out.length = 0;
    const dry = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--dry-run", "--json"]);
    expect({ real: real.error?.name, dry: dry.error?.name, dryOutput: s.out.join("") }).to.deep.equal({ real: "PromotionConflictError", dry: "PromotionConflictError", dryOutput: "" });
    expect(dry.error?.message).to.equal(real.error?.message.replace("--json", "--dry-run --json"));
  });

  it("revoke waits promotion.drainSeconds after the switch, shown as progress", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const ml = readStack(s.dir, "ml");
    writeStack(s.dir, "ml", { ...ml, "modelshare:promotion": { drainSeconds: 45 } });
    s.workspace.deployed.ml = { ...s.workspace.deployed.ml, "modelshare:promotion": { drainSeconds: 45 } };
    const switchedAt: number[] = [];
    const revokedAt: number[] = [];
    s.workspace.faults.push((op) => {
      if (op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V3 && switchedAt.length === 0) switchedAt.push(s.clock.now());
      if (op.kind === "up" && op.stack === "ml" && !op.config["modelshare:consumers"].prod.grantedVersions.includes(V1)) revokedAt.push(s.clock.now());
      return undefined;
    });
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("succeeded");
    expect(revokedAt[0] - switchedAt[0]).to.be.at.least(45_000);
    expect(s.progress.some((l) => /waiting 45s more for applications to re-read the configured version/.test(l))).to.equal(true);
  });
});
