import { expect } from "chai";
import { checkoutDrift, deployHazards, StaleCheckoutError } from "../../src/promotion/drift";
import { loadProjectFiles } from "../../src/promotion/project";
import { V1, V2, V3, writeProject } from "./fakes";

/** The checkout against what is deployed: pure, no mocks. */
describe("checkout drift (pure)", () => {
  const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));

  it("finds nothing when the files say what is deployed, whatever the order of a list", () => {
    expect(checkoutDrift(project, { grants: { qa: [V2], prod: [V1] }, configured: { qa: V2, prod: V1 } })).to.deep.equal([]);
    const twice = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2, V1], prod: [V1] } }));
    expect(checkoutDrift(twice, { grants: { qa: [V1, V2], prod: [V1] }, configured: {} })).to.deep.equal([]);
  });

  it("names every environment whose grants or configured version differ, with both values", () => {
    const problems = checkoutDrift(project, { grants: { qa: [V3], prod: [V1] }, configured: { qa: V3, prod: V1 } });
    expect(problems.map((p) => [p.env, p.key, p.inCheckout, p.deployed])).to.deep.equal([
      ["qa", "modelshare:consumers.qa.grantedVersions", [V2], [V3]],
      ["qa", "modelshare:modelVersionArn", V2, V3],
    ]);
  });

  it("an environment deployed but missing from the file, or in the file but never deployed, is drift (an up would delete or create its role)", () => {
    const problems = checkoutDrift(project, { grants: { qa: [V2], prod: [V1], staging: [V1] }, configured: {} });
    expect(problems.map((p) => [p.env, p.inCheckout, p.deployed])).to.deep.equal([["staging", undefined, [V1]]]);
    expect(checkoutDrift(project, { grants: { qa: [V2] }, configured: {} }).map((p) => p.env)).to.deep.equal(["prod"]);
  });

  it("lets through only the differences a promotion's own journal explains, for its environment", () => {
    const explained = { env: "prod", grantVersions: [V1, V3], configuredVersions: [V1, V3] };
    // prod's file already has V3 granted and switched (edited, not yet deployed): explained.
    const edited = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V3 }, granted: { qa: [V2], prod: [V1, V3] }, catalogue: [V1, V2, V3] }));
    expect(checkoutDrift(edited, { grants: { qa: [V2], prod: [V1] }, configured: { prod: V1 } }, explained)).to.deep.equal([]);
    // ...but another version, or another environment, is not.
    expect(checkoutDrift(edited, { grants: { qa: [V2], prod: [V2] }, configured: { prod: V2 } }, explained).map((p) => p.key)).to.deep.equal([
      "modelshare:consumers.prod.grantedVersions",
      "modelshare:modelVersionArn",
    ]);
    expect(checkoutDrift(edited, { grants: { qa: [V3], prod: [V1] }, configured: {} }, explained).map((p) => p.env)).to.deep.equal(["qa"]);
  });

  it("the refusal says what to set, with the full ARNs, and how to update the checkout", () => {
    const error = new StaleCheckoutError(checkoutDrift(project, { grants: { qa: [V3], prod: [V1] }, configured: {} }));
    expect(error.message).to.match(/^refused: this checkout's stack files disagree with what is deployed/).and.contain(`modelshare:consumers.qa.grantedVersions = [${V3}]`).and.match(/git pull/);
  });

  describe("deployHazards", () => {
    it("refuses an ML deploy whose file no longer grants an environment the version it calls (as deployed)", () => {
      const hazards = deployHazards(project, { grants: { qa: [V3], prod: [V1] }, configured: { qa: V3, prod: V1 } }, { ml: "ml", consumers: [] });
      expect(hazards.map((h) => [h.env, h.key])).to.deep.equal([["qa", "modelshare:consumers.qa.grantedVersions"]]);
    });

    it("refuses a consumer deploy that would switch its version (promote's job), and allows one that changes nothing else", () => {
      expect(deployHazards(project, { grants: {}, configured: { qa: V3 } }, { consumers: ["qa"] }).map((h) => h.key)).to.deep.equal(["modelshare:modelVersionArn"]);
      expect(deployHazards(project, { grants: {}, configured: { qa: V2, prod: V1 } }, { consumers: ["qa", "prod"] })).to.deep.equal([]);
    });

    it("has nothing to say about stacks never deployed (the first deploy)", () => {
      expect(deployHazards(project, { grants: {}, configured: {} }, { ml: "ml", consumers: ["qa", "prod"] })).to.deep.equal([]);
    });
  });
});
