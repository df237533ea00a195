import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { StartProjectVersionCommand } from "@aws-sdk/client-rekognition";
import { expect } from "chai";
import { registerDeploy } from "../../src/cli/deploy";
import { registerPromote } from "../../src/cli/promote";
import { registerRollback } from "../../src/cli/rollback";
import { UsageError } from "../../src/cli/common";
import { PlanDeclinedError, terminalConfirm } from "../../src/promotion/approval";
import { changesFromSteps, criticalReason, formatPlan } from "../../src/promotion/changes";
import { applyConfigEdits } from "../../src/promotion/promotionPreview";
import { fakeChange, readStack, V1, V2, V3, writeStack } from "./fakes";
import { runMain, Scenario } from "./harness";

const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };
const SHARED_ROLE = "modelshare:index:SharedModelRole";

describe("plan before apply", () => {
  describe("changes from a preview's step events (pure)", () => {
    it("counts a replacement once (create-replacement, replace, delete-replaced), drops same/read, keeps the keys that forced it", () => {
      const urn = `urn:pulumi:ml::modelshare::${SHARED_ROLE}$aws:iam/role:Role::prod-role`;
      const changes = changesFromSteps([
        { op: "same", urn: "urn:pulumi:ml::modelshare::pulumi:pulumi:Stack::modelshare-ml", type: "pulumi:pulumi:Stack" },
        { op: "read", urn: "urn:pulumi:ml::modelshare::aws:index/getCallerIdentity::id", type: "aws:index/getCallerIdentity" },
        { op: "create-replacement", urn, type: "aws:iam/role:Role", keys: ["name"] },
        { op: "replace", urn, type: "aws:iam/role:Role", keys: ["name"] },
        { op: "update", urn: "urn:pulumi:ml::modelshare::aws:ssm/parameter:Parameter::p", type: "aws:ssm/parameter:Parameter", diffs: ["value"] },
        { op: "delete-replaced", urn, type: "aws:iam/role:Role" },
        { op: "delete", urn: "urn:pulumi:ml::modelshare::aws:iam/rolePolicy:RolePolicy::old", type: "aws:iam/rolePolicy:RolePolicy" },
      ]);
      expect(changes.map((c) => `${c.kind} ${c.name}`)).to.deep.equal(["replace prod-role", "update p", "delete old"]);
      expect(changes[0].properties).to.deep.equal(["name"]);
    });

    it("marks the replacement or deletion of a shared role, an endpoint, the project or the lease table, never an update or another role", () => {
      expect(criticalReason(fakeChange("ml", "replace", "aws:iam/role:Role", "prod-role", SHARED_ROLE))).to.match(/shared role/);
      expect(criticalReason(fakeChange("qa", "delete", "aws:ec2/vpcEndpoint:VpcEndpoint", "rekognition", "modelshare:index:PrivateRekognitionEndpoint"))).to.match(/VPC endpoint/);
      expect(criticalReason(fakeChange("ml", "replace", "aws:rekognition/project:Project", "project"))).to.match(/every trained version/);
      expect(criticalReason(fakeChange("ml", "update", "aws:iam/role:Role", "prod-role", SHARED_ROLE))).to.equal(undefined);
      expect(criticalReason(fakeChange("ml", "replace", "aws:iam/role:Role", "someone-elses", "other:index:Thing"))).to.equal(undefined);
    });

    it("shows per stack what will be created, updated, replaced and deleted, and lists the critical ones again at the end", () => {
      const text = formatPlan([
        { stack: "ml", changes: [fakeChange("ml", "replace", "aws:iam/role:Role", "prod-role", SHARED_ROLE), fakeChange("ml", "update", "aws:iam/rolePolicy:RolePolicy", "qa-detect", SHARED_ROLE)] },
        { stack: "qa", changes: [fakeChange("qa", "create", "aws:ssm/parameter:Parameter", "use-fips-endpoint")], note: "a note" },
        { stack: "prod", changes: [] },
      ]);
      expect(text).to.match(/^ml: 1 to update, 1 to replace$/m).and.match(/^qa: 1 to create$/m).and.match(/^prod: no changes$/m);
      expect(text).to.match(/^\s+!! replace\s+aws:iam\/role:Role\s+prod-role/m).and.match(/^\s+update\s+aws:iam\/rolePolicy:RolePolicy\s+qa-detect/m);
      expect(text).to.contain("(a note)").and.match(/!! replacements or deletions that interrupt consumers or lose data:\n {2}- ml: REPLACE prod-role \(aws:iam\/role:Role\): a shared role/);
    });

    it("edits a copy of a stack file's config, keeping its other keys and comments", () => {
      const text = "# the prod stack\nconfig:\n  aws:region: us-east-1 # region\n  modelshare:modelVersionArn: old\n";
      const edited = applyConfigEdits(text, [{ stack: "prod", path: ["modelshare:modelVersionArn"], value: "new" }]);
      expect(edited).to.contain("# the prod stack").and.contain("aws:region: us-east-1 # region").and.contain("modelshare:modelVersionArn: new");
    });
  });

  describe("without a terminal, deploy, promote and rollback need --yes (exit 2 before any change: no update, preview, config edit or AWS call)", () => {
    let s: Scenario;
    beforeEach(() => (s = new Scenario(TWO_ENVS, MODELS)));
    afterEach(() => s.restore());

    const refusal = (command: string) => new RegExp(`${command} changes infrastructure and asks before applying, but there is no terminal to ask in: pass --yes`);
    const awsCalls = () => s.aws.rekognition.calls().length + s.aws.ssm.calls().length + s.aws.sts.calls().length + s.aws.dynamodb.calls().length;

    // The real main() with a stand-in pulumi CLI on PATH that logs every call: stdin is not a terminal under mocha.
    for (const argv of [["deploy"], ["deploy", "--stacks", "ml"], ["promote", "--env", "prod", "--from", "qa"], ["rollback", "--env", "prod", "--to", V1]]) {
      it(`modelshare ${argv.join(" ")}: exit 2 with no pulumi run at all (not even the config read)`, async () => {
        const before = readFileSync(join(s.dir, "Pulumi.ml.yaml"), "utf8");
        const { code, stderr, pulumiCalls } = await runMain(s.dir, argv);
        expect(code).to.equal(2);
        expect(pulumiCalls, pulumiCalls.join("\n")).to.deep.equal([]);
        expect(stderr).to.match(refusal(argv[0])).and.contain("nothing was changed");
        expect(s.workspace.calls).to.deep.equal([]);
        expect(awsCalls()).to.equal(0);
        expect(readFileSync(join(s.dir, "Pulumi.ml.yaml"), "utf8")).to.equal(before);
      });
    }

    // The injected context: the workspace factory itself is never asked for, so no stack is selected or created.
    // Each case also carries input that would be refused later (or a project that cannot be read): the --yes check
    // comes first, so the project was not read at all.
    const cases: { register: typeof registerDeploy; argv: string[]; breakProject?: boolean }[] = [
      { register: registerDeploy, argv: ["deploy"] },
      { register: registerDeploy, argv: ["deploy", "--stacks", "nosuchstack", "--concurrency", "0"] },
      { register: registerDeploy, argv: ["deploy"], breakProject: true },
      { register: registerPromote, argv: ["promote", "--env", "prod", "--from", "qa"] },
      { register: registerPromote, argv: ["promote", "--env", "nosuchenv", "--version", "not-an-arn"], breakProject: true },
      { register: registerRollback, argv: ["rollback", "--env", "prod"] },
      { register: registerRollback, argv: ["rollback", "--env", "nosuchenv", "--to", "not-an-arn"], breakProject: true },
    ];
    for (const { register, argv, breakProject } of cases) {
      it(`${argv.join(" ")}${breakProject ? " (unreadable stack file)" : ""}: refused first, the workspace never asked for`, async () => {
        if (breakProject) writeFileSync(join(s.dir, "Pulumi.ml.yaml"), "config: [unclosed\n");
        let workspaceRequests = 0;
        const result = await s.cli(register, argv, {
          interactive: false,
          confirm: async () => expect.fail("asked"),
          workspace: async () => {
            workspaceRequests++;
            return s.workspace;
          },
        });
        expect(result.error).to.be.instanceOf(UsageError);
        expect(result.error?.message).to.match(refusal(argv[0]));
        expect(workspaceRequests).to.equal(0);
        expect(s.workspace.calls).to.deep.equal([]);
        expect(s.workspace.world.configReads).to.deep.equal([]);
        expect(awsCalls()).to.equal(0);
        expect(s.err.join("")).to.equal(""); // no warning from a project read
      });
    }

    it("deploy --preview needs no --yes (it changes nothing)", async () => {
      const result = await s.cli(registerDeploy, ["deploy", "--preview"], { interactive: false, confirm: async () => expect.fail("asked") });
      expect(result.exitCode).to.equal(0);
      expect(s.workspace.calls.filter((c) => c.kind === "up")).to.deep.equal([]);
    });

    it("promote --dry-run keeps its JSON contract without a terminal or --yes", async () => {
      const { code, stdout, pulumiCalls } = await runMain(s.dir, ["promote", "--env", "prod", "--from", "qa", "--dry-run", "--json"]);
      expect(code).to.equal(0);
      expect(pulumiCalls).to.deep.equal([]);
      const plan = JSON.parse(stdout);
      expect(Object.keys(plan)).to.deep.equal(["env", "version", "previous", "steps"]);
      expect(plan.steps.map((step: { id: string }) => step.id)).to.deep.equal(["ensure-running", "grant", "verify", "switch", "revoke", "stop"]);
    });
  });

  describe("deploy", () => {
    let s: Scenario;
    beforeEach(() => {
      s = new Scenario(TWO_ENVS, MODELS);
      s.workspace.extraPreviewChanges.ml = [fakeChange("ml", "replace", "aws:iam/role:Role", "prod-role", SHARED_ROLE)];
    });
    afterEach(() => s.restore());

    it("previews every stack, shows the plan with the shared role's replacement highlighted, asks, and applies only after yes", async () => {
      const questions: string[] = [];
      const result = await s.cli(registerDeploy, ["deploy"], { confirm: async (q) => (questions.push(q), s.workspace.calls.some((c) => c.kind === "up") ? false : true) });
      expect(result.exitCode).to.equal(0);
      expect(questions).to.have.length(1);
      const kinds = s.workspace.calls.map((c) => c.kind).filter((k) => k === "preview" || k === "up");
      expect(kinds.slice(0, 3)).to.deep.equal(["preview", "preview", "preview"]);
      expect(kinds.slice(3)).to.deep.equal(["up", "up", "up"]);
      const err = s.err.join("");
      expect(err).to.match(/^ml: 1 to replace$/m).and.match(/!! replace\s+aws:iam\/role:Role\s+prod-role/).and.contain("- ml: REPLACE prod-role");
    });

    it("declined in the terminal: nothing is updated and no lease is taken", async () => {
      const result = await s.cli(registerDeploy, ["deploy"], { confirm: async () => false });
      expect(result.error).to.be.instanceOf(PlanDeclinedError);
      expect(result.error?.message).to.equal("deploy: the plan was declined; nothing was changed");
      expect(s.workspace.calls.filter((c) => c.kind === "up")).to.deep.equal([]);
      expect(s.aws.dynamodb.calls()).to.have.length(0);
    });

    it("with --yes and no terminal: shows the plan and applies without asking", async () => {
      const result = await s.cli(registerDeploy, ["deploy", "--yes", "--json"], { interactive: false, confirm: async () => expect.fail("asked") });
      expect(result.exitCode).to.equal(0);
      expect(s.workspace.upsOf("ml")).to.equal(1);
      expect(s.err.join("")).to.contain("Plan (deploy)");
      expect(JSON.parse(s.out.join("")).stacks.map((r: { operation: string }) => r.operation)).to.deep.equal(["up", "up", "up"]);
    });

    it("a plan without changes applies nothing and asks nothing; a failed preview applies nothing (exit 1)", async () => {
      s.workspace.extraPreviewChanges.ml = [];
      const unchanged = await s.cli(registerDeploy, ["deploy"], { confirm: async () => expect.fail("asked") });
      expect(unchanged.exitCode).to.equal(0);
      expect(s.err.join("")).to.contain("no changes to apply");
      s.workspace.faults.push((op) => (op.kind === "preview" && op.stack === "qa" ? "fail" : undefined));
      s.workspace.extraPreviewChanges.ml = [fakeChange("ml", "update", "aws:iam/rolePolicy:RolePolicy", "qa-detect", SHARED_ROLE)];
      const failed = await s.cli(registerDeploy, ["deploy", "--yes"]);
      expect(failed.exitCode).to.equal(1);
      expect(s.workspace.calls.filter((c) => c.kind === "up")).to.deep.equal([]);
    });
  });

  describe("promote and rollback", () => {
    let s: Scenario;
    beforeEach(() => (s = new Scenario(TWO_ENVS, MODELS)));
    afterEach(() => s.restore());

    it("previews the ML and consumer stacks with the config the promotion ends with, without editing the stack files", async () => {
      const files = () => ["ml", "prod"].map((stack) => readFileSync(join(s.dir, `Pulumi.${stack}.yaml`), "utf8"));
      const before = files();
      let filesWhenAsked: string[] = [];
      const result = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"], { confirm: async () => ((filesWhenAsked = files()), false) });
      expect(result.error).to.be.instanceOf(PlanDeclinedError);
      expect(filesWhenAsked).to.deep.equal(before);
      expect(files()).to.deep.equal(before);
      const previewed = Object.fromEntries(s.workspace.previewedConfigs.map((p) => [p.stack, p.config]));
      expect(previewed.ml["modelshare:consumers"].prod.grantedVersions).to.deep.equal([V2]); // granted V2, V1 revoked
      expect(previewed.ml["modelshare:consumers"].qa.grantedVersions).to.deep.equal([V2]);
      // Not granted to prod by the deployed ML stack yet: the program would refuse it, so the switch is left out.
      expect(previewed.prod["modelshare:modelVersionArn"]).to.equal(V1);
      const err = s.err.join("");
      expect(err).to.match(/Steps:\n {2}ensure-running/).and.match(/^ml: 1 to update$/m).and.match(/^prod: no changes$/m).and.contain("prod-detect");
      expect(err).to.match(/the switch to \S+ \(its model-version-arn parameter\) follows the grant and is not in this preview/);
    });

    it("previews the switch itself when the deployed ML stack already grants the version (a resumed run after the grant)", async () => {
      // Granted in the files and as deployed (e.g. a run interrupted after its grant step).
      const ml = readStack(s.dir, "ml");
      ml["modelshare:consumers"].prod.grantedVersions = [V1, V2];
      writeStack(s.dir, "ml", ml);
      s.workspace.world.stacks.ml = ml;
      const result = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"], { confirm: async () => false });
      expect(result.error).to.be.instanceOf(PlanDeclinedError);
      const previewed = Object.fromEntries(s.workspace.previewedConfigs.map((p) => [p.stack, p.config]));
      expect(previewed.prod["modelshare:modelVersionArn"]).to.equal(V2);
      expect(s.err.join("")).to.match(/^prod: 1 to update$/m).and.not.match(/follows the grant and is not in this preview/);
    });

    it("declined: no journal, no model started, no update, and the lease is free for the next run", async () => {
      s.aws.models[V2] = { status: "STOPPED" };
      const declined = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa"], { confirm: async () => false });
      expect(declined.error).to.be.instanceOf(PlanDeclinedError);
      expect(s.aws.rekognition.commandCalls(StartProjectVersionCommand)).to.have.length(0);
      expect(s.workspace.calls.filter((c) => c.kind === "up" || c.kind === "setConfig")).to.deep.equal([]);
      expect(() => readFileSync(join(s.dir, ".modelshare", "journal", "prod.json"))).to.throw(/ENOENT/);
      const approved = await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--yes"], { interactive: false });
      expect(approved.exitCode).to.equal(0);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V2);
    });

    it("rollback previews its way back, and applies with --yes without a terminal", async () => {
      expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--yes"])).exitCode).to.equal(0);
      s.workspace.previewedConfigs.length = 0;
      const result = await s.cli(registerRollback, ["rollback", "--env", "prod", "--yes"], { interactive: false });
      expect(result.exitCode).to.equal(0);
      const previewed = Object.fromEntries(s.workspace.previewedConfigs.map((p) => [p.stack, p.config]));
      // V1 was revoked by the promotion: the rollback grants it again before switching back, so the ML preview shows the grant.
      expect(previewed.ml["modelshare:consumers"].prod.grantedVersions).to.include(V1);
      expect(s.workspace.deployedConfigured("prod")).to.equal(V1);
    });
  });

  describe("the terminal prompt", () => {
    const ask = async (answer: string | null, timeoutMs = 2000) => {
      const input = new PassThrough();
      const output = new PassThrough();
      const answered = terminalConfirm(input, output, timeoutMs)("Apply? ");
      if (answer === null) input.end();
      else if (answer !== "") input.write(`${answer}\n`);
      return answered;
    };

    it("applies only on yes or y; no, anything else, end of input and no answer in time are a no", async () => {
      expect(await ask("yes")).to.equal(true);
      expect(await ask(" Y ")).to.equal(true);
      expect(await ask("no")).to.equal(false);
      expect(await ask("yess")).to.equal(false);
      expect(await ask(null)).to.equal(false);
      expect(await ask("", 50)).to.equal(false);
    });
  });
});
