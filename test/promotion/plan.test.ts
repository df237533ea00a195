import { expect } from "chai";
import { configPath } from "../../src/promotion/engine";
import { startActionFor, stopActionFor } from "../../src/promotion/model";
import { planPromotion, resolveInterrupted, rollbackTarget, usageAfter, usageState, usersOf } from "../../src/promotion/plan";
import { loadProjectFiles } from "../../src/promotion/project";
import { summarizeStatus } from "../../src/promotion/status";
import { HistoryRecord, Journal, PromotionRequest } from "../../src/promotion/types";
import { backoffDelay, DEFAULT_BACKOFF, findExpectedLabel, isPropagationError, smokeImageFile, VerifyFailedError } from "../../src/promotion/verify";
import { accessDenied, V1, V2, V3, writeProject } from "./fakes";

/** Pure decisions: no mocks, no fakes beyond config files on disk. */

const request = (environment: string, version: string, keepOld = false): PromotionRequest => ({ kind: "promote", environment, version, keepOld });

function journal(partial: Partial<Journal>): Journal {
  return {
    id: "j1",
    kind: "promote",
    env: "prod",
    version: V3,
    previous: V1,
    keepOld: false,
    startedAt: "2025-03-01T10:00:00.000Z",
    who: "alice",
    owner: { user: "alice", host: "ci", pid: 1, since: "2025-03-01T10:00:00.000Z", command: "modelshare promote" },
    phase: "forward",
    steps: [
      { id: "ensure-running", detail: "", state: "done", effects: { startedVersion: true } },
      { id: "grant", detail: "", state: "running", effects: {} },
    ],
    ...partial,
  };
}

describe("promotion decisions (pure)", () => {
  describe("planPromotion", () => {
    it("plans all six steps when the old version is used by nobody else", () => {
      const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));
      const plan = planPromotion(project, request("prod", V2));
      expect(plan.env).to.equal("prod");
      expect(plan.previous).to.equal(V1);
      expect(plan.steps.map((s) => s.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch", "revoke", "stop"]);
      expect(plan.steps.find((s) => s.id === "grant")?.stack).to.equal("ml");
      expect(plan.steps.find((s) => s.id === "switch")?.stack).to.equal("prod");
      expect(plan.steps.find((s) => s.id === "grant")?.detail).to.contain("modelshare:consumers.prod.grantedVersions").and.contain("then up prod");
    });

    it("leaves out stop while another environment calls the old version, and grant when it is already granted", () => {
      const project = loadProjectFiles(writeProject({ configured: { qa: V1, prod: V1 }, granted: { qa: [V1, V2], prod: [V1] } }));
      const plan = planPromotion(project, request("qa", V2));
      expect(plan.steps.map((s) => s.id)).to.deep.equal(["ensure-running", "verify", "switch", "revoke"]);
    });

    it("with --keep-old leaves out revoke and stop (the old version stays granted, so in use)", () => {
      const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));
      expect(planPromotion(project, request("prod", V2, true)).steps.map((s) => s.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch"]);
    });

    it("counts a promotion in flight elsewhere as a use of its versions", () => {
      const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));
      const inFlight = journal({ env: "qa", version: V1, previous: V2 });
      expect(planPromotion(project, request("prod", V2), [inFlight]).steps.map((s) => s.id)).to.not.include("stop");
    });

    it("plans only the checks when the environment already calls the version", () => {
      const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));
      expect(planPromotion(project, request("qa", V2)).steps.map((s) => s.id)).to.deep.equal(["ensure-running", "verify"]);
    });
  });

  it("usersOf lists configured, granted and in-flight uses per environment; usageAfter applies the promotion", () => {
    const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2, V1], prod: [V1] } }));
    const state = usageState(project, [journal({ env: "qa", version: V3, previous: V2 })]);
    expect(usersOf(V1, state)).to.deep.equal([
      { env: "prod", how: "configured" },
      { env: "prod", how: "granted" },
      { env: "qa", how: "granted" },
    ]);
    expect(usersOf(V3, state)).to.deep.equal([{ env: "qa", how: "in-flight" }]);
    const after = usageAfter(usageState(project), request("prod", V2), V1);
    expect(usersOf(V1, after)).to.deep.equal([{ env: "qa", how: "granted" }]);
  });

  describe("rollbackTarget", () => {
    const record = (from: string, to: string, finishedAt: string, outcome: HistoryRecord["outcome"] = "succeeded"): HistoryRecord => ({
      id: finishedAt, kind: "promote", env: "prod", from, to, who: "ci", startedAt: finishedAt, finishedAt, outcome,
    });

    it("goes back to where the last successful move to the current version came from", () => {
      const history = [record(V1, V2, "2025-01-01T00:00:00Z"), record(V2, V3, "2025-02-01T00:00:00Z"), record(V3, V1, "2025-03-01T00:00:00Z", "failed")];
      expect(rollbackTarget(history, V3)).to.equal(V2);
      expect(rollbackTarget(history, V2)).to.equal(V1);
    });

    it("has no target when the history never moved to the current version", () => {
      expect(rollbackTarget([record(V1, V2, "2025-01-01T00:00:00Z")], V3)).to.equal(undefined);
      expect(rollbackTarget([], V3)).to.equal(undefined);
    });
  });

  describe("resolveInterrupted", () => {
    it("starts when there is no journal, resumes the same request, finishes an undo whatever was asked", () => {
      expect(resolveInterrupted(undefined, { kind: "promote", env: "prod", version: V2 })).to.deep.equal({ action: "start" });
      expect(resolveInterrupted(journal({}), { kind: "promote", env: "prod", version: V3 }).action).to.equal("resume");
      expect(resolveInterrupted(journal({ phase: "undoing" }), { kind: "promote", env: "prod", version: V2 }).action).to.equal("resume");
    });

    it("lets rollback undo an interrupted promotion, and refuses anything else with the commands that would help", () => {
      expect(resolveInterrupted(journal({}), { kind: "rollback", env: "prod" }).action).to.equal("undo");
      const refused = resolveInterrupted(journal({}), { kind: "promote", env: "prod", version: V2 });
      expect(refused.action).to.equal("refuse");
      expect(refused.action === "refuse" && refused.message).to.contain("stopped at grant").and.contain(`promote --env prod --version ${V3}`);
    });
  });

  describe("verify's retry decisions", () => {
    it("backs off exponentially, capped, and never past the deadline", () => {
      expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(DEFAULT_BACKOFF, n, 60_000))).to.deep.equal([1000, 2000, 4000, 8000, 15000, 15000]);
      expect(backoffDelay(DEFAULT_BACKOFF, 5, 3000)).to.equal(3000);
    });

    it("retries what IAM propagation explains, and nothing else", () => {
      expect(isPropagationError(accessDenied())).to.equal(true);
      expect(isPropagationError(Object.assign(new Error("denied"), { name: "NotGrantedError" }))).to.equal(true);
      expect(isPropagationError(new Error("wrapped", { cause: accessDenied() }))).to.equal(true);
      expect(isPropagationError(Object.assign(new Error("slow down"), { $metadata: { httpStatusCode: 429 } }))).to.equal(true);
      expect(isPropagationError(Object.assign(new Error("bad image"), { name: "ImageValidationError" }))).to.equal(false);
      expect(isPropagationError(Object.assign(new Error("no such version"), { name: "ResourceNotFoundException", $metadata: { httpStatusCode: 400 } }))).to.equal(false);
    });

    it("accepts the expected label only at or above the confidence, case-insensitively", () => {
      const labels = [{ name: "Scratch", confidence: 59.9 }, { name: "dent", confidence: 99 }];
      expect(findExpectedLabel(labels, "scratch", 60)).to.equal(undefined);
      expect(findExpectedLabel(labels, "scratch", 50)?.name).to.equal("Scratch");
    });

    it("reads the smoke-test image as a file relative to the project, and refuses s3:// saying the shared role cannot read S3", () => {
      expect(smokeImageFile("examples/smoke.png", "/project")).to.deep.equal({ path: "/project/examples/smoke.png" });
      expect(smokeImageFile("/abs/smoke.png", "/project")).to.deep.equal({ path: "/abs/smoke.png" });
      for (const image of ["s3://bucket/tests/smoke.png", "S3://bucket/x.png"]) {
        expect(() => smokeImageFile(image, "/project")).to.throw(VerifyFailedError, /s3:\/\/ image cannot be used: Rekognition reads it with the caller's permissions and the shared role may call only DetectCustomLabels/);
      }
    });
  });

  it("knows which model statuses can be started, waited for or stopped", () => {
    expect(["RUNNING", "STARTING", "STOPPING", "STOPPED", "TRAINING_COMPLETED"].map((s) => startActionFor(s))).to.deep.equal(["none", "wait", "wait-stopped-then-start", "start", "start"]);
    expect(startActionFor("TRAINING_FAILED")).to.have.property("refuse").that.contains("only a trained version");
    // A STARTING version is someone's start in progress: stopping it is refused unless forced.
    expect(["RUNNING", "STARTING", "STOPPING", "STOPPED"].map(stopActionFor)).to.deep.equal(["stop", "starting", "wait", "none"]);
  });

  it("quotes config path segments that are not identifiers, as Pulumi's --path syntax requires", () => {
    expect(configPath("consumers", "qa", "grantedVersions")).to.equal("modelshare:consumers.qa.grantedVersions");
    expect(configPath("consumers", "pre-prod", "grantedVersions")).to.equal('modelshare:consumers["pre-prod"].grantedVersions');
  });

  describe("summarizeStatus", () => {
    it("flags an unhealthy environment and a running version nobody uses, and prices running units", () => {
      const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] }, catalogue: [V1, V2, V3] }));
      const report = summarizeStatus(
        project,
        [
          { arn: V1, status: "STOPPED" },
          { arn: V2, status: "RUNNING", minInferenceUnits: 2, maxInferenceUnits: 3 },
          { arn: V3, status: "RUNNING", minInferenceUnits: 1 },
        ],
        [],
      );
      expect(report.environments.map((e) => [e.env, e.healthy])).to.deep.equal([["prod", false], ["qa", true]]);
      expect(report.environments[0].problems[0]).to.match(/is STOPPED, not RUNNING/);
      expect(report.unusedRunningVersions).to.deep.equal([V3]);
      expect(report.totalCostPerHour).to.equal(2 * 4 + 1 * 4);
      expect(report.versions.find((v) => v.arn === V2)).to.include({ costPerHour: 8, maxCostPerHour: 12, unusedButRunning: false });
    });

    it("with --env keeps that environment's versions and every running version nobody uses", () => {
      const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] }, catalogue: [V1, V2, V3] }));
      const report = summarizeStatus(project, [{ arn: V1, status: "RUNNING" }, { arn: V2, status: "RUNNING" }, { arn: V3, status: "RUNNING" }], [], "qa");
      expect(report.environments.map((e) => e.env)).to.deep.equal(["qa"]);
      expect(report.versions.map((v) => v.arn)).to.deep.equal([V2, V3]);
    });
  });
});
