import { expect } from "chai";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { registerPromote } from "../../src/cli/promote";
import { registerRollback } from "../../src/cli/rollback";
import { exitCodeFor } from "../../src/promotion/cliContext";
import { StaleCheckoutError } from "../../src/promotion/drift";
import { EngineDeps, executePromotion } from "../../src/promotion/engine";
import { FileLocks, JournalCorruptError } from "../../src/promotion/journal";
import { Owner } from "../../src/promotion/types";
import { readStack, V1, V2, V3 } from "./fakes";
import { dieDuringSwitch, historyOf, promote, Scenario, until } from "./harness";

/**
 * The seven failures issue 9 names, one `describe` each: every test here failed on the code before the issue
 * (exit 0 with an environment calling a version that is not granted or not running, or a misleading record).
 */

const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("issue 9: the seven failures", () => {
  let s: Scenario;
  afterEach(() => s.restore());

  describe("1. the deployed stacks, not a checkout's files, are the truth for every environment's grants", () => {
    it("refuses a promotion from a checkout whose Pulumi.ml.yaml predates another promotion, naming env, versions and how to update; nothing changes", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      const stale = s.checkout(); // another operator's checkout, taken before qa moved to V3
      expect((await executePromotion(promote("qa", V3), await s.deps())).outcome).to.equal("succeeded");
      const upsBefore = s.workspace.calls.filter((c) => c.kind === "up").length;

      const refused = await rejection(executePromotion(promote("prod", V2), await stale.deps()));
      expect(refused).to.be.instanceOf(StaleCheckoutError);
      expect(refused.message)
        .to.match(/qa: .*Pulumi\.ml\.yaml has modelshare:consumers\.qa\.grantedVersions = \[defect-detector\.v2\], the deployed stack has \[defect-detector\.v3\]/)
        .and.match(/git pull/)
        .and.contain(`modelshare:consumers.qa.grantedVersions = [${V3}]`)
        .and.match(/nothing was changed/);
      expect(s.workspace.calls.filter((c) => c.kind === "up").length).to.equal(upsBefore);
      expect(s.workspace.deployedGrants("qa")).to.deep.equal([V3]);
      expect(s.aws.leaseItem()).to.equal(undefined); // released
      expect(s.violations).to.deep.equal([]);

      // Updated to what is deployed, the same checkout promotes prod, and qa keeps its grant.
      for (const stack of ["ml", "qa", "prod"]) copyFileSync(join(s.dir, `Pulumi.${stack}.yaml`), join(stale.dir, `Pulumi.${stack}.yaml`));
      expect((await executePromotion(promote("prod", V2), await stale.deps())).outcome).to.equal("succeeded");
      expect(s.workspace.deployedGrants("qa")).to.deep.equal([V3]);
      expect(s.workspace.deployedGrants("prod")).to.deep.equal([V2]);
      // The files follow what was deployed.
      expect(readStack(stale.dir, "ml")["modelshare:consumers"].prod.grantedVersions).to.deep.equal([V2]);
      expect(s.violations).to.deep.equal([]);
    });

    it("two checkouts at the same commit promoting qa and prod at once: one waits for the lease, then is refused as stale; no grant is lost", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      const other = s.checkout();
      const [qa, prod] = await Promise.allSettled([executePromotion(promote("qa", V3), await s.deps()), executePromotion(promote("prod", V2), await other.deps())]);
      const outcomes = [qa, prod].map((r) => (r.status === "fulfilled" ? r.value.outcome : (r.reason as Error).name));
      expect(outcomes.filter((o) => o === "succeeded")).to.have.length(1);
      expect(outcomes.filter((o) => o === "StaleCheckoutError")).to.have.length(1);
      // Whichever ran, every environment calls a version it is granted, allowed and RUNNING; the other kept its grant.
      expect(s.workspace.deployedGrants("qa")).to.include(s.workspace.deployedConfigured("qa"));
      expect(s.workspace.deployedGrants("prod")).to.include(s.workspace.deployedConfigured("prod"));
      expect(s.progress.concat().some((l) => /waiting the promotion lease, held by promote/.test(l))).to.equal(true);
      expect(s.violations).to.deep.equal([]);
    });

    it("an undo never deploys its own stale file: it refuses, keeps the journal, and a re-run from an updated checkout finishes it", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.smoke.labels = [{ name: "dent", confidence: 99 }]; // verify fails: the grant is undone
      // While prod verifies, qa is granted V1 too by an update outside modelshare (someone's own `pulumi up`).
      s.smoke.beforeCall = () => {
        const ml = s.workspace.world.stacks.ml;
        ml["modelshare:consumers"] = { ...ml["modelshare:consumers"], qa: { ...ml["modelshare:consumers"].qa, grantedVersions: [V2, V1] } };
      };
      const result = await executePromotion(promote("prod", V3), await s.deps());
      expect(result.outcome).to.equal("undo-failed");
      expect(exitCodeFor(result)).to.equal(1);
      expect(result.reason).to.match(/undoing grant then failed \(refused: this checkout's stack files disagree/).and.match(/qa: /);
      expect(s.workspace.deployedGrants("qa")).to.deep.equal([V2, V1]); // not taken away by the undo
      expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(true);
      expect(s.violations).to.deep.equal([]);

      const ml = readStack(s.dir, "ml");
      ml["modelshare:consumers"].qa.grantedVersions = [V2, V1];
      writeFileSync(join(s.dir, "Pulumi.ml.yaml"), (await import("yaml")).stringify({ config: ml }));
      s.smoke.labels = [{ name: "scratch", confidence: 91 }];
      const finished = await executePromotion(promote("prod", V3), await s.deps());
      expect(finished.outcome).to.equal("failed");
      expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
      expect(s.workspace.deployedGrants("qa")).to.deep.equal([V2, V1]);
      expect(s.violations).to.deep.equal([]);
    });
  });

  describe("2. a resumed run re-checks what a crash could have invalidated", () => {
    it("the new version was stopped while the run was dead: the resume restarts and re-verifies it before switching", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      await dieDuringSwitch(s, V3);
      s.aws.models[V3] = { status: "STOPPED" }; // stopped meanwhile (by hand, or another run's clean-up)
      const verifiedBefore = s.smoke.calls.length;

      const result = await executePromotion(promote("prod", V3), await s.deps());
      expect(result.outcome).to.equal("succeeded");
      expect(s.aws.starts).to.deep.equal([V3, V3]); // restarted before the switch
      expect(s.smoke.calls.length).to.equal(verifiedBefore + 1); // verified again
      expect(s.workspace.deployedConfigured("prod")).to.equal(V3);
      expect(s.aws.status(V3)).to.equal("RUNNING");
      expect(s.violations).to.deep.equal([]);
    });

    it("the new version's grant was taken away while the run was dead: the resume grants it again before switching", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      await dieDuringSwitch(s, V3);
      const ml = s.workspace.world.stacks.ml;
      ml["modelshare:consumers"] = { ...ml["modelshare:consumers"], prod: { ...ml["modelshare:consumers"].prod, grantedVersions: [V1] } };

      const result = await executePromotion(promote("prod", V3), await s.deps());
      expect(result.outcome).to.equal("succeeded");
      expect(s.workspace.deployedGrants("prod")).to.deep.equal([V3]);
      expect(s.violations).to.deep.equal([]);
    });
  });

  describe("3. stop and start decisions do not race across environments", () => {
    it("two environments leaving a shared version: the one that leaves it last stops it (no cost leak)", async () => {
      s = new Scenario({ configured: { qa: V1, prod: V1 }, granted: { qa: [V1], prod: [V1] } }, MODELS);
      const [qa, prod] = await Promise.all([executePromotion(promote("qa", V2), await s.deps()), executePromotion(promote("prod", V2), await s.deps())]);
      expect([qa.outcome, prod.outcome]).to.deep.equal(["succeeded", "succeeded"]);
      expect(s.aws.stops).to.deep.equal([V1]);
      expect([qa, prod].map((r) => r.steps.find((x) => x.id === "stop")?.state).sort()).to.deep.equal(["done", "skipped"]);
      expect(s.violations).to.deep.equal([]);
    });

    it("forced interleaving: another environment switching to the version being stopped waits for the lease, then restarts it", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      let second: Promise<unknown> | undefined;
      s.aws.beforeStop = async (arn) => {
        if (arn !== V1 || second) return;
        // Right after prod's stop step decided V1 is unused, qa's promotion to V1 starts from the same checkout.
        second = executePromotion(promote("qa", V1), await s.deps());
        await new Promise((done) => setTimeout(done, 20));
      };
      const first = await executePromotion(promote("prod", V2), await s.deps());
      expect(first.outcome).to.equal("succeeded");
      const qa = (await second) as Awaited<ReturnType<typeof executePromotion>>;
      expect(qa.outcome).to.equal("succeeded");
      expect(s.aws.stops).to.include(V1);
      expect(s.aws.starts).to.deep.equal([V1]); // restarted by qa's ensure-running, after the stop
      expect(s.workspace.deployedConfigured("qa")).to.equal(V1);
      expect(s.aws.status(V1)).to.equal("RUNNING");
      expect(s.violations).to.deep.equal([]);
    });

    it("a version someone else started a moment before our StartProjectVersion is waited for, not a failure", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.aws.beforeStart = (arn) => {
        if (arn === V3 && s.aws.status(V3) === "TRAINING_COMPLETED") s.aws.models[V3] = { status: "STARTING", minInferenceUnits: 1, settleAfter: 2 };
      };
      const result = await executePromotion(promote("prod", V3), await s.deps());
      expect(result.outcome).to.equal("succeeded");
      expect(result.steps[0].note).to.match(/was being started by another run; it is RUNNING/);
      expect(s.aws.status(V3)).to.equal("RUNNING");
      expect(s.violations).to.deep.equal([]);
    });
  });

  describe("4. a failed clean-up does not undo a verified switch; capacity is kept", () => {
    it("a failing revoke leaves prod on the new version (exit 1, cleanup-pending in the journal and status); a re-run finishes it", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      let failing = true;
      s.workspace.faults.push((op) => (failing && op.kind === "up" && op.stack === "ml" && !op.config["modelshare:consumers"].prod.grantedVersions.includes(V1) ? "fail" : undefined));
      const first = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V2, "--json"]);
      expect(first.exitCode).to.equal(1);
      expect(JSON.parse(s.out.join(""))).to.include({ outcome: "cleanup-pending", failedStep: "revoke" });
      expect(s.workspace.deployedConfigured("prod")).to.equal(V2); // switched once, not back
      expect(s.workspace.calls.filter((c) => c.kind === "up" && c.stack === "prod").map((c) => c.config["modelshare:modelVersionArn"])).to.deep.equal([V1, V2]);
      expect(s.aws.starts).to.deep.equal([]);

      failing = false;
      s.out.length = 0;
      const again = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V2, "--json"]);
      expect(again.exitCode).to.equal(0);
      expect(s.workspace.deployedGrants("prod")).to.deep.equal([V2]);
      expect(s.aws.stops).to.deep.equal([V1]);
      expect(s.violations).to.deep.equal([]);
    });

    it("rollback restarts the previous version with the inference units it ran with, not modelshare:promotion's", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.aws.models[V1] = { status: "RUNNING", minInferenceUnits: 3, maxInferenceUnits: 5 };
      expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"])).exitCode).to.equal(0);
      expect(historyOf(s, "prod")[0].units?.[V1]).to.deep.equal({ min: 3, max: 5 });
      s.aws.models[V1] = { status: "STOPPED" };
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      const start = s.aws.rekognition.calls().map((c) => c.args[0].input as { ProjectVersionArn?: string; MinInferenceUnits?: number; MaxInferenceUnits?: number }).find((i) => i.MinInferenceUnits !== undefined);
      expect(start).to.deep.include({ ProjectVersionArn: V1, MinInferenceUnits: 3, MaxInferenceUnits: 5 });
      expect(s.violations).to.deep.equal([]);
    });

    it("undoing an interrupted promotion restarts the version its stop step stopped with the units it ran with", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.aws.models[V1] = { status: "RUNNING", minInferenceUnits: 4 };
      const deps = await s.deps();
      // The run dies right after its last step, before the outcome is recorded.
      const dying: EngineDeps = { ...deps, history: { ...deps.history, append: () => new Promise(() => undefined), list: deps.history.list.bind(deps.history) } };
      void executePromotion(promote("prod", V2), dying);
      await until(() => s.aws.stops.includes(V1));
      await new Promise((done) => setTimeout(done, 20));
      s.crashed();
      s.aws.models[V1] = { status: "STOPPED" };

      const undone = await executePromotion({ intent: { kind: "rollback", env: "prod" }, request: async () => expect.fail("undo, not a new request") }, await s.deps());
      expect(undone.outcome).to.equal("succeeded");
      expect(s.aws.models[V1]).to.include({ status: "RUNNING", minInferenceUnits: 4 });
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      expect(s.violations).to.deep.equal([]);
    });
  });

  describe("5. taking over a dead owner's lock is atomic", () => {
    it("of two runs that find the same dead owner, exactly one gets the lock", () => {
      s = new Scenario(TWO_ENVS, MODELS);
      const dir = join(s.dir, ".modelshare");
      mkdirSync(join(dir, "locks"), { recursive: true });
      const owner = (pid: number): Owner => ({ user: "u", host: "h", pid, since: "2025-03-01T10:00:00Z", command: `run ${pid}` });
      writeFileSync(join(dir, "locks", "env-prod.lock"), JSON.stringify(owner(111))); // crashed
      let interleaved = false;
      const winners: string[] = [];
      // Run A checks the dead owner's liveness; at that moment run B does its whole takeover.
      const b = new FileLocks(dir, (o) => o.pid !== 111);
      const a = new FileLocks(dir, (o) => {
        if (o.pid === 111 && !interleaved) {
          interleaved = true;
          if ("release" in b.tryAcquire("env-prod", owner(333))) winners.push("B");
          return false;
        }
        return o.pid !== 111;
      });
      const result = a.tryAcquire("env-prod", owner(222));
      if ("release" in result) winners.push("A");
      expect(interleaved).to.equal(true);
      expect(winners).to.deep.equal(["B"]);
      expect(result).to.deep.include({ heldBy: owner(333), alive: true });
    });
  });

  describe("6. no misleading output after a crash", () => {
    it("--dry-run plans from the journal: what the resume will run, or the same refusal (exit 1) as the real run", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      await dieDuringSwitch(s, V3);
      const calls = s.workspace.calls.length;
      const resume = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--dry-run", "--json"]);
      expect(resume.exitCode).to.equal(0);
      const plan = JSON.parse(s.out.join(""));
      expect(plan).to.include({ env: "prod", version: V3, previous: V1 });
      expect(plan.resumes).to.include({ kind: "promote", phase: "forward" });
      expect(plan.steps.map((x: { id: string }) => x.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch", "revoke", "stop"]);
      expect(plan.steps[0].detail).to.match(/^re-check \(done before the interruption\)/);
      expect(plan.steps[3].detail).to.not.match(/re-check/);

      const other = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V2, "--dry-run", "--json"]);
      expect(other.exitCode).to.equal(-1); // thrown: main() exits 1
      expect(other.error?.name).to.equal("InterruptedPromotionError");
      expect(other.error?.message).to.contain(`modelshare promote --env prod --version ${V3}`);
      expect(s.workspace.calls.length).to.equal(calls); // no Pulumi call
    });

    it("a run that dies after writing the outcome to the history does not write it again when resumed", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      const deps = await s.deps();
      const dying: EngineDeps = {
        ...deps,
        history: { append: async (r) => (await deps.history.append(r), new Promise(() => undefined)), list: (env) => deps.history.list(env) },
      };
      void executePromotion(promote("prod", V2), dying);
      await until(() => historyOf(s, "prod").length === 1);
      s.crashed();
      const resumed = await executePromotion(promote("prod", V2), await s.deps());
      expect(resumed).to.include({ outcome: "succeeded", resumed: true });
      expect(historyOf(s, "prod").map((r) => r.outcome)).to.deep.equal(["succeeded"]);
      expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(false);
    });

    it("a rollback that undid an interrupted promotion is recorded as a successful rollback (exit 0), not `promote failed`", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      await dieDuringSwitch(s, V3);
      const { exitCode } = await s.cli(registerRollback, ["rollback", "--env", "prod", "--json"]);
      expect(exitCode).to.equal(0);
      expect(JSON.parse(s.out.join(""))).to.deep.include({ kind: "rollback", outcome: "succeeded", version: V1, undid: { kind: "promote", version: V3 } });
      expect(historyOf(s, "prod").map((r) => `${r.kind} ${r.outcome}`)).to.deep.equal(["rollback succeeded"]);
      expect(s.violations).to.deep.equal([]);
    });

    it("a corrupt journal is named, with how to recover, before any AWS or Pulumi call (exit 2)", async () => {
      s = new Scenario(TWO_ENVS, MODELS);
      mkdirSync(join(s.dir, ".modelshare", "journal"), { recursive: true });
      const file = join(s.dir, ".modelshare", "journal", "prod.json");
      writeFileSync(file, '{"id": "x", "kind": "promote", "env": "prod", "steps": [');
      const { error } = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V2]);
      expect(error).to.be.instanceOf(JournalCorruptError); // a UsageError: main() exits 2
      expect(error?.message).to.contain(file).and.match(/not JSON/).and.contain(`mv ${file} ${file}.corrupt`).and.match(/modelshare status --env prod/);
      writeFileSync(file, JSON.stringify({ id: "x", kind: "promote", env: "prod" }));
      const missing = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V2]);
      expect(missing.error?.message).to.contain(file).and.match(/version: /);
      expect(s.aws.dynamodb.calls()).to.have.length(0);
      expect(s.workspace.calls).to.have.length(0);
    });
  });

  describe("7. rollbacks walk back through the history", () => {
    it("rollback twice goes two versions back; a third needs --to", async () => {
      s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "RUNNING" });
      expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V2])).exitCode).to.equal(0);
      expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3])).exitCode).to.equal(0);
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V2);
      expect((await s.cli(registerRollback, ["rollback", "--env", "prod"])).exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
      const third = await s.cli(registerRollback, ["rollback", "--env", "prod"]);
      expect(third.error?.message).to.match(/--to is required/);
      expect(historyOf(s, "prod").map((r) => `${r.kind} ${r.outcome}`)).to.deep.equal(["promote succeeded", "promote succeeded", "rollback succeeded", "rollback succeeded"]);
      expect(s.violations).to.deep.equal([]);
    });
  });
});
