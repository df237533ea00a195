import { SSMClient } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { registerDeploy } from "../../src/cli/deploy";
import { registerModel } from "../../src/cli/model";
import { registerPromote } from "../../src/cli/promote";
import { registerRollback } from "../../src/cli/rollback";
import { registerStatus } from "../../src/cli/status";
import { UsageError } from "../../src/cli/common";
import { historyParameterName } from "../../src/contract";
import { HistoryRecord } from "../../src/promotion/types";
import { fakeChange, readStack, V1, V2, V3, writeProject } from "./fakes";
import { runMain, Scenario } from "./harness";

const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

describe("promotion CLI", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  describe("exit code 2 for bad input, before any AWS or Pulumi call", () => {
    beforeEach(() => (s = new Scenario(TWO_ENVS, MODELS)));

    const cases: [string, string[], RegExp][] = [
      ["an unknown environment", ["promote", "--env", "staging", "--from", "qa"], /--env "staging" is not an environment of this project; allowed: prod, qa/],
      ["a malformed version ARN", ["promote", "--env", "prod", "--version", "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector"], /--version "arn:aws:rekognition.*" has resource "project\/defect-detector", expected project\/NAME\/version/],
      ["a version of another account", ["promote", "--env", "prod", "--version", V2.replace("111111111111", "999999999999")], /belongs to account 999999999999 \(the ML account is 111111111111\)/],
      ["both --version and --from", ["promote", "--env", "prod", "--version", V2, "--from", "qa"], /exactly one of --version ARN .* or --from ENV/],
      ["--from the environment itself", ["promote", "--env", "qa", "--from", "qa"], /--from "qa" is the environment being promoted/],
      ["an unknown rollback environment", ["rollback", "--env", "dev"], /--env "dev" is not an environment/],
      ["an unknown stack", ["deploy", "--stacks", "ml,stage"], /--stacks "ml,stage" names "stage", not a stack of this project; allowed: ml, prod, qa/],
      ["a zero concurrency", ["deploy", "--concurrency", "0"], /--concurrency "0" is not allowed; allowed: a whole number from 1 to 64/],
      ["units the wrong way round", ["model", "start", "--version", V3, "--min-units", "3", "--max-units", "2"], /--max-units "2" is below --min-units 3/],
      ["stopping a version in use", ["model", "stop", "--version", V1], /used by prod \(configured\), prod \(granted\).*or add --force/],
      ["an unknown option", ["promote", "--env", "prod", "--versoin", V2], /unknown option '--versoin'/],
    ];
    for (const [what, argv, message] of cases) {
      it(what, async () => {
        // --yes: without it (and without a terminal) deploy, promote and rollback refuse before reading their input.
        const { code, stderr } = await runMain(s.dir, ["deploy", "promote", "rollback"].includes(argv[0]) ? [...argv, "--yes"] : argv);
        expect(code).to.equal(2);
        expect(stderr).to.match(message);
        expect(s.aws.rekognition.calls()).to.have.length(0);
        expect(s.aws.ssm.calls()).to.have.length(0);
        expect(s.aws.sts.calls()).to.have.length(0);
      });
    }

    it("an invalid stack file, naming the key", async () => {
      const dir = writeProject({ ...TWO_ENVS, configured: { qa: V2, prod: "not-an-arn" } });
      const { code, stderr } = await runMain(dir, ["status"]);
      expect(code).to.equal(2);
      expect(stderr).to.contain("modelshare:modelVersionArn").and.contain("not-an-arn");
    });

    it("a consumer without a smoke test cannot be promoted: nothing would prove the switch safe", async () => {
      const dir = writeProject({ ...TWO_ENVS, withoutSmokeTest: ["prod"] });
      const { code, stderr } = await runMain(dir, ["promote", "--env", "prod", "--from", "qa", "--dry-run"]);
      expect(code).to.equal(2);
      expect(stderr).to.match(/has no modelshare:smokeTest/);
    });
  });

  it("every command has --help (exit 0)", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    for (const argv of [["deploy", "--help"], ["promote", "--help"], ["rollback", "--help"], ["status", "--help"], ["model", "start", "--help"], ["model", "stop", "--help"]]) {
      const { code, stdout } = await runMain(s.dir, argv);
      expect(code, argv.join(" ")).to.equal(0);
      expect(stdout).to.match(/Usage: modelshare/);
    }
  });

  describe("promote --dry-run --json", () => {
    it("prints { env, version, previous, steps: [{ id, stack?, detail }] } without any AWS or Pulumi call", async () => {
      s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, MODELS);
      let workspaceAsked = false;
      const { exitCode } = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--dry-run", "--json"], {
        workspace: async () => {
          workspaceAsked = true;
          return s.workspace;
        },
      });
      expect(exitCode).to.equal(0);
      const plan = JSON.parse(s.out.join(""));
      expect(Object.keys(plan)).to.deep.equal(["env", "version", "previous", "steps"]);
      expect(plan).to.include({ env: "prod", version: V2, previous: V1 });
      expect(plan.steps.map((x: { id: string }) => x.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch", "revoke", "stop"]);
      for (const step of plan.steps) {
        expect(Object.keys(step).every((k) => ["id", "stack", "detail"].includes(k))).to.equal(true);
        expect(step.detail).to.be.a("string").and.not.equal("");
      }
      expect(plan.steps.filter((x: { stack?: string }) => x.stack).map((x: { id: string; stack: string }) => `${x.id}@${x.stack}`)).to.deep.equal(["grant@ml", "switch@prod", "revoke@ml"]);
      expect(workspaceAsked).to.equal(false);
      expect(s.aws.rekognition.calls()).to.have.length(0);
      expect(s.workspace.calls).to.have.length(0);
    });

    it("leaves out stop while qa still calls the previous version", async () => {
      s = new Scenario({ configured: { qa: V1, prod: V1 }, granted: { qa: [V1], prod: [V1] } }, MODELS);
      await s.cli(registerPromote, ["promote", "--env", "prod", "--version", V2, "--dry-run", "--json"]);
      const plan = JSON.parse(s.out.join(""));
      expect(plan.steps.map((x: { id: string }) => x.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch", "revoke"]);
    });
  });

  it("promote: exit 0 and a JSON outcome on success; exit 1 naming the failed step on failure", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const ok = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--json"]);
    expect(ok.exitCode).to.equal(0);
    expect(JSON.parse(s.out.join(""))).to.include({ env: "prod", outcome: "succeeded", version: V2, previous: V1 });
    expect(s.progress.some((l) => /^done switch: done in \d+\.\ds/.test(l))).to.equal(true);

    s.out.length = 0;
    s.smoke.labels = [];
    const failed = await s.cli(registerPromote, ["promote", "--env", "qa", "--version", V3]);
    expect(failed.exitCode).to.equal(1);
    expect(s.out.join("")).to.match(/promote qa: defect-detector\.v2 -> defect-detector\.v3: FAILED/).and.match(/step verify failed/);
    expect(readStack(s.dir, "qa")["modelshare:modelVersionArn"]).to.equal(V2);
    expect(s.violations).to.deep.equal([]);
  });

  it("rollback returns to the previous version from the history in the consumer account, and needs --to without one", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const none = await s.cli(registerRollback, ["rollback", "--env", "prod"]);
    expect(none.error).to.be.instanceOf(UsageError);
    expect(none.error?.message).to.match(/--to is required: the history of prod has no successful promotion/);

    await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"]);
    expect(s.aws.stops).to.deep.equal([V1]);
    const back = await s.cli(registerRollback, ["rollback", "--env", "prod", "--json"]);
    expect(back.exitCode).to.equal(0);
    expect(readStack(s.dir, "prod")["modelshare:modelVersionArn"]).to.equal(V1);
    expect(s.aws.status(V1)).to.equal("RUNNING");
    const records = s.aws.parameters[historyParameterName("prod")].map((v) => JSON.parse(v) as HistoryRecord);
    expect(records.map((r) => [r.kind, r.from, r.to, r.outcome])).to.deep.equal([
      ["promote", V1, V2, "succeeded"],
      ["rollback", V2, V1, "succeeded"],
    ]);
    // The history went to prod's account: the SSM client that wrote it signs with prod's deploy role session.
    const put = s.aws.ssm.calls().find((c) => (c.args[0].input as { Name?: string }).Name === historyParameterName("prod"));
    const ssmClient = put?.thisValue as SSMClient;
    const credentials = await ssmClient.config.credentials();
    expect(credentials.sessionToken).to.equal("session-for-arn:aws:iam::333333333333:role/modelshare-deploy");
    const assumeCall = s.aws.sts.calls().find((c) => (c.args[0].input as { RoleArn?: string }).RoleArn?.endsWith("modelshare-deploy"));
    expect(assumeCall?.args[0].input).to.include({ RoleSessionName: "modelshare-history-prod" });
    expect(s.violations).to.deep.equal([]);
  });

  it("status: versions, units, cost, unused running versions and the history; exit 1 when an environment is unhealthy", async () => {
    s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "RUNNING" });
    await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"]);
    s.out.length = 0;
    const healthy = await s.cli(registerStatus, ["status", "--history", "--json"]);
    expect(healthy.exitCode).to.equal(0);
    const report = JSON.parse(s.out.join(""));
    expect(report.environments.map((e: { env: string; configuredVersion: string; healthy: boolean }) => [e.env, e.configuredVersion, e.healthy])).to.deep.equal([
      ["prod", V2, true],
      ["qa", V2, true],
    ]);
    expect(report.unusedRunningVersions).to.deep.equal([V3]);
    expect(report.history.prod[0]).to.include({ from: V1, to: V2, outcome: "succeeded" });
    expect(report.history.qa).to.deep.equal([]);

    s.aws.models[V2].status = "STOPPED";
    s.out.length = 0;
    const unhealthy = await s.cli(registerStatus, ["status", "--env", "qa"]);
    expect(unhealthy.exitCode).to.equal(1);
    expect(s.out.join("")).to.match(/qa \(stack qa\): UNHEALTHY/).and.match(/running versions no environment uses: defect-detector\.v3/);
  });

  it("model start waits until RUNNING with the given units; model stop refuses a used version unless forced", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const started = await s.cli(registerModel, ["model", "start", "--version", V3, "--min-units", "2", "--max-units", "4", "--json"]);
    expect(started.exitCode).to.equal(0);
    expect(s.aws.models[V3]).to.include({ status: "RUNNING", minInferenceUnits: 2, maxInferenceUnits: 4 });
    const stopped = await s.cli(registerModel, ["model", "stop", "--version", V3]);
    expect(stopped.exitCode).to.equal(0);
    expect(s.aws.status(V3)).to.equal("STOPPED");
    const forced = await s.cli(registerModel, ["model", "stop", "--version", V1, "--force"]);
    expect(forced.exitCode).to.equal(0);
    expect(s.aws.status(V1)).to.equal("STOPPED");
  });

  it("deploy: ML stack first, consumers after, output prefixed per stack, a summary; exit 1 when a stack fails", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    // Something to apply: a plan without any change ends after the previews.
    s.workspace.extraPreviewChanges.ml = [fakeChange("ml", "update", "aws:iam/role:Role", "qa-role", "modelshare:index:SharedModelRole")];
    const ok = await s.cli(registerDeploy, ["deploy"]);
    expect(ok.exitCode).to.equal(0);
    expect(s.workspace.calls.filter((c) => c.kind === "up").map((c) => c.stack)[0]).to.equal("ml");
    expect(s.err.join("")).to.match(/^\[ml  \] Updating \(ml\)$/m).and.match(/^\[prod\] Update complete$/m);
    expect(s.out.join("")).to.match(/^ml\s+up\s+ok\s+\d+\.\ds\s+no changes$/m);

    s.out.length = 0;
    s.workspace.faults.push((op) => (op.kind === "up" && op.stack === "ml" ? "fail" : undefined));
    const failed = await s.cli(registerDeploy, ["deploy", "--json"]);
    expect(failed.exitCode).to.equal(1);
    const summary = JSON.parse(s.out.join(""));
    expect(summary.stacks.map((r: { stack: string; status: string }) => `${r.stack}:${r.status}`)).to.deep.equal(["ml:failed", "prod:not-run", "qa:not-run"]);
  });

  it("lets only deploy create stacks that do not exist yet; promotion must find the deployed ones", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const requested: (boolean | undefined)[] = [];
    const recording = { workspace: async (options?: { createMissingStacks?: boolean }) => (requested.push(options?.createMissingStacks), s.workspace) };
    expect((await s.cli(registerDeploy, ["deploy", "--stacks", "ml"], recording)).exitCode).to.equal(0);
    expect(requested.length).to.be.greaterThan(0);
    expect(requested.every((create) => create === true)).to.equal(true);
    requested.length = 0;
    expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--json"], recording)).exitCode).to.equal(0);
    expect(requested.length).to.be.greaterThan(0);
    expect(requested.every((create) => create !== true)).to.equal(true);
  });
});
