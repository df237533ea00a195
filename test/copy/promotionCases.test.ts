import { expect } from "chai";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { registerPromote } from "../../src/cli/promote";
import { registerModel } from "../../src/cli/model";
import { registerRollback } from "../../src/cli/rollback";
import { InterruptedError, runInterruptible } from "../../src/cli/interrupt";
import { executePromotion } from "../../src/promotion/engine";
import { COPY_OF, readStack, V1, V2, V3, writeStack } from "../promotion/fakes";
import { historyOf, promote, Scenario, until } from "../promotion/harness";
import { fakeProcess } from "../helpers/fakeProcess";
import { copyScenario, PROD_V1, seedProjectPolicy } from "./promotionWorld";

/**
 * Copy-mode promotion beyond the fault matrix (test/copy/promotionFaults.test.ts): a copy Rekognition fails, a copy
 * that never finishes (the bounded wait), a project policy write that fails, SIGTERM while a copy is in progress,
 * rollback, and the CLI (`--from qa`, `--dry-run --json`, the project-policy check before any change).
 */
describe("copy mode: promotion cases", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  const isNewCopy = (arn: string) => /project\/prod-models\/version\/defect-detector\.v3-/.test(arn);
  const listed = () => (readStack(s.dir, "prod")["modelshare:copy"].versions as { source: string }[]).map((v) => v.source);

  it("a copy that ends COPYING_FAILED fails the step with Rekognition's status; the failed copy is deleted and the grant undone", async () => {
    s = copyScenario();
    s.aws.copyEndsFailed = (source) => source === V3;
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("failed");
    expect(result.failedStep).to.equal("copy");
    expect(result.reason).to.match(/the copy .*defect-detector\.v3-[a-f0-9]{8}.* failed: it is COPYING_FAILED/);
    expect(Object.keys(s.aws.models).filter(isNewCopy)).to.deep.equal([]);
    expect(s.aws.deletions.filter(isNewCopy)).to.have.length(1);
    expect(s.aws.copyableBy("prod")).to.deep.equal([V1]);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(listed()).to.deep.equal([V1]);
    expect(s.violations).to.deep.equal([]);
  });

  it("the wait for COPYING_COMPLETED is bounded: at the bound the step fails saying so; the undo deletes the copy once it ends", async () => {
    s = copyScenario();
    s.aws.copyPolls = 1_000_000; // does not finish
    const bounded = { modelTiming: { start: fast, stop: fast, copy: { ...fast, maxWaitSeconds: 0.05 } } };
    const first = await executePromotion(promote("prod", V3), await s.deps(bounded));
    // The undo waits for the copy to end before deleting it (Rekognition deletes no version in progress): bounded too.
    expect(first.outcome).to.equal("undo-failed");
    expect(first.reason).to.match(/copy failed \(the copy .* was not done within 0\.05s; it is COPYING_IN_PROGRESS\); undoing copy then failed/);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
    // Once the copy ends, the same command finishes the undo: the copy is deleted, the grant removed.
    s.aws.models[s.aws.copies[0]].settleAfter = 1;
    const again = await executePromotion(promote("prod", V3), await s.deps(bounded));
    expect(again.outcome, again.reason).to.equal("failed");
    expect(s.aws.deletions).to.deep.equal([s.aws.copies[0]]);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(s.violations).to.deep.equal([]);
  });

  it("someone writes prod's project policy between the grant's read and its write: the conditional write is refused, the grant undone", async () => {
    s = copyScenario();
    let once = true;
    s.aws.beforePolicyWrite = (name) => {
      if (!once || name !== "modelshare-copy-prod") return;
      once = false;
      s.aws.projectPolicies[name] = { ...s.aws.projectPolicies[name], revision: "r-someone-else" };
    };
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("failed");
    expect(result.failedStep).to.equal("grant");
    expect(result.reason).to.match(/InvalidPolicyRevisionIdException|is not the current one/);
    expect(result.steps.find((x) => x.id === "grant")?.state).to.equal("undone");
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(s.aws.copyableBy("prod")).to.deep.equal([V1]);
    expect(s.aws.copies).to.deep.equal([]);
    expect(s.violations).to.deep.equal([]);
  });

  it("SIGTERM while the copy is in progress: the wait ends at once, the journal keeps the copy, the same command resumes without copying twice", async () => {
    s = copyScenario();
    s.aws.copyPolls = 1_000_000;
    const p = fakeProcess();
    let outcome: string | undefined;
    const running = runInterruptible(
      async (signal) => {
        outcome = (await executePromotion(promote("prod", V3), await s.deps({ signal, modelTiming: { start: fast, stop: fast, copy: { minDelaySeconds: 1, maxDelaySeconds: 2, maxWaitSeconds: 3600 } } }))).outcome;
        return 0;
      },
      () => 1,
      { ...p.io, graceMs: 60_000 },
    );
    await until(() => s.aws.copies.length === 1);
    p.send("SIGTERM");
    expect(await running).to.equal(143);
    expect(outcome).to.equal("interrupted");
    const journal = JSON.parse(readFileSync(join(s.dir, ".modelshare", "journal", "prod.json"), "utf8")) as { steps: { id: string; effects: { copiedVersion?: string } }[]; interrupted?: { step: string } };
    expect(journal.interrupted?.step).to.equal("copy");
    expect(journal.steps.find((x) => x.id === "copy")?.effects.copiedVersion).to.equal(s.aws.copies[0]);
    expect(s.aws.leaseItem()).to.equal(undefined);
    s.aws.models[s.aws.copies[0]].settleAfter = 1;
    const resumed = await executePromotion(promote("prod", V3), await s.deps());
    expect(resumed.outcome, resumed.reason).to.equal("succeeded");
    expect(s.aws.copies).to.have.length(1);
    expect(s.workspace.deployedCopy("prod")).to.equal(s.aws.copies[0]);
    expect(s.violations).to.deep.equal([]);
  });

  it("rollback restarts the previous copy with the units it last ran with; nothing is copied", async () => {
    s = copyScenario();
    s.aws.models[PROD_V1] = { ...s.aws.models[PROD_V1], minInferenceUnits: 3, maxInferenceUnits: 5 };
    expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--yes"])).exitCode).to.equal(0);
    const back = await s.cli(registerRollback, ["rollback", "--env", "prod", "--yes", "--json"]);
    expect(back.exitCode, s.err.join("")).to.equal(0);
    expect(s.workspace.deployedCopy("prod")).to.equal(PROD_V1);
    expect(s.aws.models[PROD_V1]).to.include({ status: "RUNNING", minInferenceUnits: 3, maxInferenceUnits: 5 });
    expect(s.aws.copies).to.have.length(1);
    expect(historyOf(s, "prod").map((r) => [r.kind, r.from, r.to, r.outcome])).to.deep.equal([
      ["promote", V1, V3, "succeeded"],
      ["rollback", V3, V1, "succeeded"],
    ]);
    expect(s.violations).to.deep.equal([]);
  });

  it("CLI: promote --env prod --from qa copies the version qa calls; --dry-run --json shows the copy plan first", async () => {
    s = copyScenario();
    expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--dry-run", "--json"])).exitCode).to.equal(0);
    const plan = JSON.parse(s.out.join("")) as { version: string; steps: { id: string }[] };
    expect(plan.version).to.equal(V2);
    expect(plan.steps.map((x) => x.id)).to.deep.equal(["grant", "copy", "ensure-running", "verify", "switch", "stop", "revoke"]);
    s.out.length = 0;
    const run = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--yes", "--json"]);
    expect(run.exitCode, s.err.join("")).to.equal(0);
    expect(JSON.parse(s.out.join(""))).to.include({ env: "prod", outcome: "succeeded", version: V2, previous: V1 });
    expect(s.aws.status(s.workspace.deployedCopy("prod")!)).to.equal("RUNNING");
    expect(s.aws.copyableBy("prod")).to.deep.equal([V2]);
    expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.equal(false);
  });

  it("a copy.versions entry naming a copy of another version is refused before anything starts (Rekognition's SourceProjectVersionArn)", async () => {
    s = copyScenario();
    // prod holds a stopped copy of V2, which someone lists as its copy of V3.
    const prodV2 = COPY_OF("prod", V2);
    s.aws.models[prodV2] = { status: "STOPPED", source: V2 };
    const file = readStack(s.dir, "prod");
    file["modelshare:copy"].versions.push({ source: V3, copy: prodV2 });
    writeStack(s.dir, "prod", file);
    s.workspace.deployed.prod["modelshare:copy"] = file["modelshare:copy"];
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("failed");
    expect(result.failedStep).to.equal("copy");
    expect(result.reason).to.match(/lists .*defect-detector\.v2-seed.* as its copy of it, but Rekognition says .* was copied from .*defect-detector\.v2\/.*, not .*defect-detector\.v3/);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
    expect(s.aws.starts).to.deep.equal([]);
    expect(s.violations).to.deep.equal([]);
  });

  it("model stop: an ML version only a copy environment names is no one's running version (stopped without --force); a shared one still needs it", async () => {
    s = copyScenario();
    s.aws.models[V1] = { status: "RUNNING", minInferenceUnits: 1 };
    const stopped = await s.cli(registerModel, ["model", "stop", "--version", V1, "--json"]);
    expect(stopped.exitCode, stopped.error?.message).to.equal(0);
    expect(s.aws.status(V1)).to.equal("STOPPED");
    expect(s.aws.status(PROD_V1), "prod's own copy is untouched").to.equal("RUNNING");
    const refused = await s.cli(registerModel, ["model", "stop", "--version", V2]);
    expect(refused.error?.message).to.match(/is used by qa \(configured\), qa \(granted\)/);
    expect(s.violations).to.deep.equal([]);
  });

  it("CLI: --dry-run to the version the environment already calls says it only re-checks (no switch, no stop, no revoke)", async () => {
    s = copyScenario();
    expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V1, "--dry-run"])).exitCode).to.equal(0);
    const text = s.out.join("");
    expect(text).to.contain(`plan: prod already calls ${V1}: re-check only`);
    expect(text).not.to.match(/^\s+(switch|stop|revoke)\b/m);
  });

  it("CLI: a project policy on the shared project that modelshare did not plan stops the promotion before any change (exit 1)", async () => {
    s = copyScenario();
    s.aws.projectPolicies["modelshare-copy-prod"] = { document: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "rekognition:CopyProjectVersion", Resource: [V1] }] }), revision: "r9" };
    const run = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--yes"]);
    expect(run.exitCode).to.equal(1);
    expect(s.err.join("")).to.match(/project policy "modelshare-copy-prod".*has the name of modelshare's copy policy but not the document modelshare planned/);
    expect(s.aws.copies).to.deep.equal([]);
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
  });
});

const fast = { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 5 };

/** Found by review (helper report, issue 14): each of these failed before its fix. */
describe("copy mode: promotion cases found by review", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  it("the first promotion of a copy environment that holds no copy yet copies, switches, and from then on always names a copy", async () => {
    s = new Scenario(
      { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] }, catalogue: [V1, V2, V3], copyEnvs: { prod: { copies: {} } } },
      { [V1]: "STOPPED", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" },
    );
    seedProjectPolicy(s.aws);
    expect(s.workspace.deployedCopy("prod")).to.equal(undefined);
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome, result.reason).to.equal("succeeded");
    expect(result.steps.find((x) => x.id === "stop")?.state).to.equal(undefined); // no previous copy: no stop step
    expect(s.aws.status(s.workspace.deployedCopy("prod")!)).to.equal("RUNNING");
    expect(s.violations).to.deep.equal([]);
  });

  it("a run stopped while copying is resumed by the same CLI command (the preview of its end state is accepted)", async () => {
    s = copyScenario();
    s.aws.copyPolls = 1_000_000;
    // Stopped for good before the resume (awaited): a run left polling would call the next tests' mocks.
    const stop = new AbortController();
    const first = executePromotion(promote("prod", V3), await s.deps({ signal: stop.signal, modelTiming: { start: fast, stop: fast, copy: { minDelaySeconds: 1, maxDelaySeconds: 2, maxWaitSeconds: 3600 } } }));
    await until(() => s.aws.copies.length === 1);
    stop.abort(new InterruptedError("SIGTERM"));
    expect((await first).outcome).to.equal("interrupted");
    s.aws.models[s.aws.copies[0]].settleAfter = 1;
    const run = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--yes"]);
    expect(run.exitCode, (run.error?.message ?? "") + s.err.join("").slice(-800)).to.equal(0);
    expect(s.workspace.deployedCopy("prod")).to.equal(s.aws.copies[0]);
    expect(s.aws.copies).to.have.length(1);
    expect(s.violations).to.deep.equal([]);
  });

  it("a journal whose copy name names the copy prod calls (crafted or corrupted) cannot make the undo stop or delete it", async () => {
    s = copyScenario();
    s.aws.beforeCopy = () => new Promise<never>(() => undefined); // dies inside CopyProjectVersion
    void executePromotion(promote("prod", V3), await s.deps());
    const path = join(s.dir, ".modelshare", "journal", "prod.json");
    await until(() => existsSync(path) && JSON.parse(readFileSync(path, "utf8")).steps.find((x: { id: string }) => x.id === "copy")?.effects.copyVersionName !== undefined);
    s.crashed();
    const journal = JSON.parse(readFileSync(path, "utf8"));
    journal.steps.find((x: { id: string }) => x.id === "copy").effects.copyVersionName = "defect-detector.v1-seed";
    writeFileSync(path, JSON.stringify(journal));
    s.aws.beforeCopy = () => undefined;
    const back = await s.cli(registerRollback, ["rollback", "--env", "prod", "--yes"]);
    expect(back.exitCode).to.equal(1);
    expect(s.out.join("") + s.err.join("")).to.match(/was copied from .*defect-detector\.v1\/.*, not from .*defect-detector\.v3\/.*: not touched/);
    expect(s.aws.deletions).to.deep.equal([]);
    expect(s.aws.status(PROD_V1)).to.equal("RUNNING");
    expect(s.violations).to.deep.equal([]);
  });

  it("a CopyProjectVersion whose response was lost and that the SDK retried (a name conflict) adopts its own copy", async () => {
    s = copyScenario();
    let first = true;
    s.aws.afterCopy = () => {
      if (!first) return;
      first = false;
      throw Object.assign(new Error("a version with this name exists"), { name: "ResourceInUseException" }); // what the retry met
    };
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome, result.reason).to.equal("succeeded");
    expect(s.aws.copies).to.have.length(1);
    expect(s.workspace.deployedCopy("prod")).to.equal(s.aws.copies[0]);
    expect(s.violations).to.deep.equal([]);
  });
});

describe("copy mode: the plan shown before applying", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  it("previews the switch only once the copy exists: a version granted in advance is not shown as the parameter saying 'not copied yet'", async () => {
    s = new Scenario(
      { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1, V3] }, catalogue: [V1, V2, V3], copyEnvs: { prod: { copies: { [V1]: PROD_V1 } } } },
      { [V1]: "STOPPED", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED", [PROD_V1]: "RUNNING" },
    );
    s.aws.models[PROD_V1].source = V1;
    seedProjectPolicy(s.aws, [V1, V3]);
    const run = await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V3, "--yes"]);
    expect(run.exitCode, (run.error?.message ?? "") + s.err.join("").slice(-800)).to.equal(0);
    expect(s.err.join("")).to.contain("the switch to defect-detector.v3 (its model-version-arn parameter) follows the grant and the copy and is not in this preview");
    expect(s.workspace.previewedConfigs.filter((p) => p.stack === "prod").map((p) => p.config["modelshare:modelVersionArn"])).to.deep.equal([V1]);
    expect(s.aws.status(s.workspace.deployedCopy("prod")!)).to.equal("RUNNING");
    expect(s.violations).to.deep.equal([]);
  });
});

describe("copy mode: several operators", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  it("a checkout that does not list a copy the deployed stack lists is refused before any change (its up would unlist it)", async () => {
    s = copyScenario();
    const stale = s.checkout();
    await executePromotion(promote("prod", V3), await s.deps());
    // The second operator rolls the files back to prod on V1 by hand but keeps the old copy list (as before the pull).
    const file = readStack(stale.dir, "prod");
    expect(file["modelshare:copy"].versions).to.have.length(1);
    const ml = readStack(s.dir, "ml");
    writeStack(stale.dir, "ml", ml);
    const mine = readStack(s.dir, "prod");
    writeStack(stale.dir, "prod", { ...mine, "modelshare:copy": file["modelshare:copy"] });
    const ups = s.workspace.calls.filter((c) => c.kind === "up").length;
    const error = await stale.deps().then((deps) => executePromotion(promote("prod", V2), deps)).catch((e: Error) => e);
    expect((error as Error).name).to.equal("StaleCheckoutError");
    expect((error as Error).message).to.contain("modelshare:copy.versions");
    expect(s.workspace.calls.filter((c) => c.kind === "up").length).to.equal(ups);
    expect(s.violations).to.deep.equal([]);
  });
});
