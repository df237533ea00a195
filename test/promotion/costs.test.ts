import { expect } from "chai";
import { addCosts, copyToShare, ModeOf, PricedVersion, runningCost, runsFor, sharedEnvironmentCosts, shareToCopy } from "../../src/promotion/costs";
import { environmentCosts } from "../../src/promotion/status";
import { versionLabel } from "../../src/promotion/plan";
import { V1, V2, V3 } from "./fakes";

/** Issue 14: what each mode costs per hour, and what the other one would add and save (pure arithmetic). */
describe("status costs: share vs copy (issue 14)", () => {
  const PRICE = 4;
  const modes: Record<string, "share" | "copy"> = { qa: "share", prod: "share", staging: "copy" };
  const modeOf: ModeOf = (env) => modes[env] ?? "share";
  const running = (arn: string, users: PricedVersion["usedBy"], units: { min: number; max?: number } = { min: 1 }): PricedVersion => ({ arn, status: "RUNNING", ...runningCost("RUNNING", units, PRICE), usedBy: users });
  const stopped = (arn: string, users: PricedVersion["usedBy"]): PricedVersion => ({ arn, status: "STOPPED", costPerHour: 0, usedBy: users });
  const label = versionLabel;

  it("prices a running version at its minimum units, gives the maximum with auto-scaling, and bills nothing else", () => {
    expect(runningCost("RUNNING", { min: 2 }, PRICE)).to.deep.equal({ costPerHour: 8 });
    expect(runningCost("RUNNING", { min: 1, max: 3 }, PRICE)).to.deep.equal({ costPerHour: 4, maxCostPerHour: 12 });
    expect(runningCost("RUNNING", undefined, PRICE)).to.deep.equal({ costPerHour: 4 });
    for (const status of ["STOPPED", "STARTING", "STOPPING", "COPYING_IN_PROGRESS", "COPYING_COMPLETED", "TRAINING_COMPLETED", "FAILED"]) {
      expect(runningCost(status, { min: 5, max: 9 }, PRICE), status).to.deep.equal({ costPerHour: 0 });
    }
    expect(addCosts([{ costPerHour: 4 }, { costPerHour: 4, maxCostPerHour: 12 }])).to.deep.equal({ costPerHour: 8, maxCostPerHour: 16 });
    expect(addCosts([{ costPerHour: 4 }, { costPerHour: 0 }])).to.deep.equal({ costPerHour: 4 });
  });

  it("splits a running ML version among the shared environments only: a copy environment's grant keeps nothing running", () => {
    const v2 = running(V2, [{ env: "qa", how: "configured" }, { env: "staging", how: "configured" }, { env: "staging", how: "granted" }], { min: 1, max: 2 });
    const v1 = running(V1, [{ env: "prod", how: "configured" }, { env: "qa", how: "granted" }]);
    expect(sharedEnvironmentCosts([v2, v1], modeOf)).to.deep.equal({ qa: { costPerHour: 4 + 2, maxCostPerHour: 8 + 2 }, prod: { costPerHour: 2 } });
    expect(runsFor(v2, modeOf)).to.deep.equal(["qa"]);
    // The old signature, where every environment shares, is unchanged: in-flight uses pay nothing.
    expect(environmentCosts([{ costPerHour: 6, usedBy: [{ env: "a", how: "configured" }, { env: "b", how: "granted" }, { env: "c", how: "in-flight" }] }])).to.deep.equal({ a: 3, b: 3 });
    expect(environmentCosts([{ costPerHour: 6, usedBy: [{ env: "qa", how: "configured" }, { env: "staging", how: "granted" }] }], modeOf)).to.deep.equal({ qa: 6 });
  });

  describe("a shared environment that copied instead", () => {
    const units = { min: 1, max: 2 };

    it("adds a copy at promotion's units in its account and frees the version only it keeps running", () => {
      const versions = [running(V2, [{ env: "qa", how: "configured" }, { env: "qa", how: "granted" }, { env: "staging", how: "granted" }], { min: 2 })];
      const alt = shareToCopy({ env: "qa", configured: V2, versions, modeOf, units, price: PRICE, label });
      expect(alt).to.include({ mode: "copy", addedPerHour: 4, addedMaxPerHour: 8, savedPerHour: 8, netPerHour: -4 });
      expect(alt.explanation).to.contain("could stop defect-detector.v2");
    });

    it("saves nothing when another shared environment uses the version (it keeps running for it)", () => {
      const versions = [running(V2, [{ env: "qa", how: "configured" }, { env: "prod", how: "configured" }])];
      const alt = shareToCopy({ env: "qa", configured: V2, versions, modeOf, units: { min: 1 }, price: PRICE, label });
      expect(alt).to.include({ addedPerHour: 4, savedPerHour: 0, netPerHour: 4 });
      expect(alt).to.not.have.property("addedMaxPerHour");
      expect(alt.explanation).to.contain("keeps running in the ML account for prod");
    });

    it("counts a version granted to it (kept for rollback) and a promotion in flight elsewhere keeps a version running", () => {
      const versions = [
        running(V2, [{ env: "qa", how: "configured" }]),
        running(V1, [{ env: "qa", how: "granted" }]),
        running(V3, [{ env: "qa", how: "granted" }, { env: "prod", how: "in-flight" }]),
      ];
      const alt = shareToCopy({ env: "qa", configured: V2, versions, modeOf, units: { min: 1 }, price: PRICE, label });
      expect(alt).to.include({ savedPerHour: 8, netPerHour: -4 });
    });

    it("saves nothing when its version is not running (an unhealthy environment), and still prices the copy", () => {
      const alt = shareToCopy({ env: "qa", configured: V2, versions: [stopped(V2, [{ env: "qa", how: "configured" }])], modeOf, units: { min: 3 }, price: PRICE, label });
      expect(alt).to.include({ addedPerHour: 12, savedPerHour: 0, netPerHour: 12 });
    });
  });

  describe("a copy environment that shared instead", () => {
    const units = { min: 1, max: 2 };

    it("adds nothing when the version already runs for another environment, and saves its copies", () => {
      const versions = [running(V2, [{ env: "qa", how: "configured" }, { env: "staging", how: "configured" }])];
      const alt = copyToShare({ env: "staging", configured: V2, versions, modeOf, units, price: PRICE, copiesCost: { costPerHour: 4, maxCostPerHour: 12 }, label });
      expect(alt).to.include({ mode: "share", addedPerHour: 0, savedPerHour: 4, netPerHour: -4 });
      expect(alt.explanation).to.contain("already runs in the ML account for qa");
    });

    it("adds nothing for a version that runs for nobody (billed all the same)", () => {
      const alt = copyToShare({ env: "staging", configured: V2, versions: [running(V2, [{ env: "staging", how: "granted" }])], modeOf, units, price: PRICE, copiesCost: { costPerHour: 0 }, label });
      expect(alt).to.include({ addedPerHour: 0, netPerHour: 0 });
      expect(alt.explanation).to.contain("for no environment");
    });

    it("adds the version's start at promotion's units when it does not run, the maximum with auto-scaling", () => {
      const alt = copyToShare({ env: "staging", configured: V2, versions: [stopped(V2, [{ env: "staging", how: "configured" }])], modeOf, units, price: PRICE, copiesCost: { costPerHour: 4 }, label });
      expect(alt).to.include({ addedPerHour: 4, addedMaxPerHour: 8, savedPerHour: 4, netPerHour: 0 });
      expect(alt.explanation).to.contain("is STOPPED in the ML account: it would start at 1-2 inference units (auto-scaling)");
      const missing = copyToShare({ env: "staging", configured: V3, versions: [], modeOf, units: { min: 2 }, price: PRICE, copiesCost: { costPerHour: 0 }, label });
      expect(missing).to.include({ addedPerHour: 8, netPerHour: 8 });
      expect(missing.explanation).to.contain("NOT_FOUND");
    });

    it("says the estimate is incomplete when its account could not be read", () => {
      const alt = copyToShare({ env: "staging", configured: V2, versions: [stopped(V2, [])], modeOf, units: { min: 1 }, price: PRICE, copiesCost: undefined, label });
      expect(alt).to.include({ addedPerHour: 4, savedPerHour: 0, incomplete: "staging's account could not be read" });
    });
  });
});
