import { expect } from "chai";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { copyOf } from "../../src/config/copy";
import { executePromotion } from "../../src/promotion/engine";
import { planPromotion } from "../../src/promotion/plan";
import { loadProjectFiles } from "../../src/promotion/project";
import { readStack, V1, V2, V3 } from "../promotion/fakes";
import { historyOf, promote, Scenario } from "../promotion/harness";
import { copyScenario, PROD_V1 } from "./promotionWorld";

/**
 * Promotion of a copy environment (issue 14): grant (project policy) > copy > ensure-running (the copy, in the
 * environment's account) > verify (directly) > switch > stop (the previous copy) > delete-copy > revoke, in the
 * simulated world whose invariant (test/promotion/harness.ts, checkCopyInvariant) is checked after every change: the
 * copy environment's parameter always names a listed, RUNNING copy of a version granted to it.
 */
describe("copy mode: promotion of a copy environment", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  const copies = (dir: string) => (readStack(dir, "prod")["modelshare:copy"].versions as { source: string; copy: string }[]).map((v) => `${v.source} -> ${v.copy}`);

  describe("the plan", () => {
    it("runs grant, copy, ensure-running, verify, switch, stop, revoke; no bake and no shared role", () => {
      s = copyScenario();
      const plan = planPromotion(loadProjectFiles(s.dir), { kind: "promote", environment: "prod", version: V3, keepOld: false });
      expect(plan.steps.map((x) => x.id)).to.deep.equal(["grant", "copy", "ensure-running", "verify", "switch", "stop", "revoke"]);
      expect(plan.steps.find((x) => x.id === "grant")!.detail).to.contain("put project policy modelshare-copy-prod");
      expect(plan.steps.find((x) => x.id === "copy")!.detail).to.contain("CopyProjectVersion defect-detector.v3 into project prod-models");
      expect(plan.steps.find((x) => x.id === "verify")!.detail).to.contain("directly (no shared role)");
    });

    it("adds delete-copy with copy.deleteOldCopies; --keep-old keeps the previous copy running and granted", () => {
      s = copyScenario({ deleteOldCopies: true });
      const project = loadProjectFiles(s.dir);
      expect(planPromotion(project, { kind: "promote", environment: "prod", version: V3, keepOld: false }).steps.map((x) => x.id)).to.deep.equal(["grant", "copy", "ensure-running", "verify", "switch", "stop", "delete-copy", "revoke"]);
      expect(planPromotion(project, { kind: "promote", environment: "prod", version: V3, keepOld: true }).steps.map((x) => x.id)).to.deep.equal(["grant", "copy", "ensure-running", "verify", "switch"]);
    });

    it("a shared environment's plan is unchanged by a copy environment beside it", () => {
      s = copyScenario();
      const plan = planPromotion(loadProjectFiles(s.dir), { kind: "promote", environment: "qa", version: V3, keepOld: false });
      expect(plan.steps.map((x) => x.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch", "revoke", "stop"]);
    });
  });

  describe("a promotion that succeeds", () => {
    it("copies V3 into prod's account, starts and verifies the copy there, switches, stops the old copy, and narrows the project policy", async () => {
      s = copyScenario();
      const result = await executePromotion(promote("prod", V3), await s.deps());
      expect(result.outcome, JSON.stringify(result, null, 1)).to.equal("succeeded");
      expect(s.violations).to.deep.equal([]);
      const copy = s.workspace.deployedCopy("prod")!;
      expect(copy).to.match(/project\/prod-models\/version\/defect-detector\.v3-[a-f0-9]{8}\/\d+$/);
      expect(s.aws.status(copy)).to.equal("RUNNING");
      expect(s.aws.models[copy].source).to.equal(V3);
      // The ML account never ran V3 for prod; the copy ran with modelshare:promotion's units.
      expect(s.aws.starts).to.deep.equal([copy]);
      expect(s.aws.models[copy]).to.include({ minInferenceUnits: 1, maxInferenceUnits: 2 });
      expect(["STOPPING", "STOPPED"]).to.include(s.aws.status(PROD_V1));
      expect(s.aws.copyableBy("prod")).to.deep.equal([V3]);
      expect(s.workspace.deployedGrants("prod")).to.deep.equal([V3]);
      // The old copy stays listed (a rollback restarts it without copying); the new one is listed next to it.
      expect(copies(s.dir)).to.deep.equal([`${V1} -> ${PROD_V1}`, `${V3} -> ${copy}`]);
      expect(s.smoke.calls.map((c) => [c.modelVersionArn, c.sharedRoleArn])).to.deep.equal([[copy, undefined]]);
      expect(historyOf(s, "prod").map((r) => [r.from, r.to, r.outcome])).to.deep.equal([[V1, V3, "succeeded"]]);
      expect(historyOf(s, "prod")[0].units).to.deep.equal({ [V1]: { min: 1 }, [V3]: { min: 1, max: 2 } });
      expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(false);
    });

    it("with copy.deleteOldCopies, the old copy is unlisted and deleted once STOPPED", async () => {
      s = copyScenario({ deleteOldCopies: true });
      s.aws.stopPolls = 3;
      const result = await executePromotion(promote("prod", V3), await s.deps());
      expect(result.outcome, JSON.stringify(result, null, 1)).to.equal("succeeded");
      expect(s.violations).to.deep.equal([]);
      expect(s.aws.deletions).to.deep.equal([PROD_V1]);
      expect(copies(s.dir)).to.deep.equal([`${V3} -> ${s.workspace.deployedCopy("prod")}`]);
      expect(s.workspace.copyAllows("prod")).to.deep.equal([s.workspace.deployedCopy("prod")]);
    });

    it("a version prod already holds a copy of is not copied again: the stopped copy is started", async () => {
      s = copyScenario();
      await executePromotion(promote("prod", V3), await s.deps());
      const back = await executePromotion(promote("prod", V1), await s.deps());
      expect(back.outcome, JSON.stringify(back, null, 1)).to.equal("succeeded");
      expect(s.violations).to.deep.equal([]);
      expect(s.aws.copies).to.have.length(1);
      expect(s.workspace.deployedCopy("prod")).to.equal(PROD_V1);
      expect(s.aws.status(PROD_V1)).to.equal("RUNNING");
      expect(s.aws.copyableBy("prod")).to.deep.equal([V1]);
    });

    it("a shared environment leaving a version stops it in the ML account although a copy environment is configured for it", async () => {
      s = copyScenario();
      // prod copies V2 (configured and granted in copy mode): the ML account's V2 runs only for qa.
      await executePromotion(promote("prod", V2), await s.deps());
      const result = await executePromotion(promote("qa", V3), await s.deps());
      expect(result.outcome, JSON.stringify(result, null, 1)).to.equal("succeeded");
      expect(result.steps.find((x) => x.id === "stop")!.state).to.equal("done");
      expect(["STOPPING", "STOPPED"]).to.include(s.aws.status(V2));
      expect(s.aws.status(copyOf(loadProjectFiles(s.dir).consumers.prod.config.copy, V2)!)).to.equal("RUNNING");
      expect(s.violations).to.deep.equal([]);
    });
  });
});
