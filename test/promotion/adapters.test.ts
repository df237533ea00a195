import { DescribeProjectVersionsCommand, DetectCustomLabelsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { GetParameterHistoryCommand, ParameterNotFound, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import * as automation from "@pulumi/pulumi/automation";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { historyParameterName } from "../../src/contract";
import { decodeRecord, encodeRecord, SsmHistoryStore } from "../../src/promotion/history";
import { currentOwner, FileJournalStore, FileLocks, PromotionConflictError } from "../../src/promotion/journal";
import { ModelLifecycle } from "../../src/promotion/model";
import { mapStackErrors, PulumiWorkspace } from "../../src/promotion/pulumiWorkspace";
import { ModelClientSmokeTester } from "../../src/promotion/smokeTestAdapter";
import { HistoryRecord } from "../../src/promotion/types";
import { PulumiNotFoundError, StackBusyError } from "../../src/promotion/workspace";
import { makePng } from "../client/helpers/images";
import { AwsWorld, PROJECT_ARN, V1, V2, V3 } from "./fakes";
import { withPulumiScript } from "../helpers/fakePulumi";

const FAST = { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 2 };

/** What a smoke test meets: STS issuing credentials named after each role, Rekognition answering "scratch", an image. */
function smokeTestWorld() {
  const sts = mockClient(STSClient);
  const rekognition = mockClient(RekognitionClient);
  const dir = mkdtempSync(join(tmpdir(), "modelshare-smoke-"));
  writeFileSync(join(dir, "smoke.png"), makePng(100, 100));
  sts.on(AssumeRoleCommand).callsFake((input) => ({
    Credentials: { AccessKeyId: `AKIA-${input.RoleArn.split("/").pop()}`, SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 3600_000) },
  }));
  rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [{ Name: "scratch", Confidence: 91.5 }] });
  const tester = new ModelClientSmokeTester((region) => new STSClient({ region }));
  return { sts, rekognition, tester, image: { path: join(dir, "smoke.png") } };
}

describe("promotion adapters", () => {
  describe("ModelLifecycle (Rekognition)", () => {
    let aws: AwsWorld;
    afterEach(() => aws.restore());

    it("scopes every DescribeProjectVersions to the one version, so the running waiter ignores the others", async () => {
      // V1 is STOPPED: an unscoped running waiter would never succeed for V3.
      aws = new AwsWorld({ [V1]: "STOPPED", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" });
      const models = new ModelLifecycle(new RekognitionClient({ region: "us-east-1" }), PROJECT_ARN, { start: FAST, stop: FAST });
      await models.start(V3, { min: 1 });
      await models.waitRunning(V3);
      expect(aws.status(V3)).to.equal("RUNNING");
      const describes = aws.rekognition.commandCalls(DescribeProjectVersionsCommand).map((c) => c.args[0].input);
      expect(describes.length).to.be.greaterThan(1);
      for (const input of describes) expect(input).to.deep.equal({ ProjectArn: PROJECT_ARN, VersionNames: ["defect-detector.v3"] });
    });

    it("waits until STOPPED with a waiter of its own, and names the status when a wait fails", async () => {
      aws = new AwsWorld({ [V1]: "RUNNING", [V3]: "TRAINING_COMPLETED" });
      aws.startEndsFailed = () => true;
      const models = new ModelLifecycle(new RekognitionClient({ region: "us-east-1" }), PROJECT_ARN, { start: FAST, stop: FAST });
      await models.stop(V1);
      await models.waitStopped(V1);
      expect(aws.status(V1)).to.equal("STOPPED");

      await models.start(V3, { min: 1 });
      let failure: Error | undefined;
      await models.waitRunning(V3).catch((error: Error) => (failure = error));
      expect(failure?.message).to.equal(`model version ${V3} cannot become RUNNING: it is FAILED`);
    });

    it("times out with the deadline in the message", async () => {
      const rekognition = mockClient(RekognitionClient);
      rekognition.on(DescribeProjectVersionsCommand).resolves({ ProjectVersionDescriptions: [{ ProjectVersionArn: V2, Status: "STOPPING" }] });
      try {
        const models = new ModelLifecycle(new RekognitionClient({ region: "us-east-1" }), PROJECT_ARN, { start: FAST, stop: { ...FAST, maxWaitSeconds: 0.05 } });
        let failure: Error | undefined;
        await models.waitStopped(V2).catch((error: Error) => (failure = error));
        expect(failure?.message).to.equal(`model version ${V2} did not become STOPPED within 0.05s; it is STOPPING`);
      } finally {
        rekognition.restore();
      }
    });
  });

  describe("ModelClientSmokeTester (the real verify call)", () => {
    it("assumes the shared role through regional STS as the smoke-test principal, calls the version, and closes its clients after each attempt", async () => {
      const { sts, rekognition, tester, image } = smokeTestWorld();
      const destroy = RekognitionClient.prototype.destroy;
      let destroyed = 0;
      RekognitionClient.prototype.destroy = function (this: RekognitionClient) {
        destroyed++;
        return destroy.call(this);
      };
      try {
        const request = {
          environment: "prod", region: "us-east-1", modelVersionArn: V2, sharedRoleArn: "arn:aws:iam::111111111111:role/modelshare/modelshare-prod",
          principalRoleArn: "arn:aws:iam::333333333333:role/smoke", runner: "direct" as const, image, minConfidence: 60,
        };
        for (let attempt = 0; attempt < 3; attempt++) expect(await tester.detectLabels(request)).to.deep.equal([{ name: "scratch", confidence: 91.5 }]);
        expect(rekognition.commandCalls(DetectCustomLabelsCommand)[0].args[0].input).to.deep.include({ ProjectVersionArn: V2, MinConfidence: 60 });

        // The mock skips signing: resolve the credentials the first call would have signed with, as the SDK does.
        const client = rekognition.commandCalls(DetectCustomLabelsCommand)[0].thisValue as RekognitionClient;
        expect((await client.config.credentials()).accessKeyId).to.equal("AKIA-modelshare-prod");
        const sharedRoleCall = sts.commandCalls(AssumeRoleCommand).find((c) => c.args[0].input.RoleArn === request.sharedRoleArn)!;
        const sharedRoleSts = sharedRoleCall.thisValue as STSClient;
        expect((await sharedRoleSts.config.endpoint!()).hostname).to.equal("sts.us-east-1.amazonaws.com");
        expect((await sharedRoleSts.config.credentials()).accessKeyId).to.equal("AKIA-smoke"); // signed as the smoke-test principal
        // Each attempt's fresh client assumes the shared role once (signed as the principal, assumed once here).
        const assumed = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn);
        expect(assumed.filter((arn) => arn === request.sharedRoleArn)).to.have.length(3);
        expect(assumed.filter((arn) => arn === request.principalRoleArn)).to.have.length(1);
        expect(destroyed).to.equal(3); // one client per attempt, each closed
      } finally {
        RekognitionClient.prototype.destroy = destroy;
        sts.restore();
        rekognition.restore();
      }
    });
  });

  describe("ModelClientSmokeTester in a copy environment (no sharedRoleArn)", () => {
    it("calls the copy directly as the smoke-test principal: one AssumeRole (the principal), none on a shared role", async () => {
      const { sts, rekognition, tester, image } = smokeTestWorld();
      const copy = "arn:aws:rekognition:us-east-1:333333333333:project/defect-detector-prod/version/v2/1727000000000";
      try {
        const request = {
          environment: "prod", region: "us-east-1", modelVersionArn: copy, sharedRoleArn: undefined,
          principalRoleArn: "arn:aws:iam::333333333333:role/smoke", runner: "direct" as const, image, minConfidence: 60,
        };
        expect(await tester.detectLabels(request)).to.deep.equal([{ name: "scratch", confidence: 91.5 }]);
        expect(rekognition.commandCalls(DetectCustomLabelsCommand)[0].args[0].input).to.deep.include({ ProjectVersionArn: copy });
        const client = rekognition.commandCalls(DetectCustomLabelsCommand)[0].thisValue as RekognitionClient;
        expect((await client.config.credentials()).accessKeyId).to.equal("AKIA-smoke");
        expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).to.deep.equal([request.principalRoleArn]);
      } finally {
        sts.restore();
        rekognition.restore();
      }
    });
  });

  describe("SsmHistoryStore", () => {
    let ssm: AwsClientStub<SSMClient>;
    beforeEach(() => (ssm = mockClient(SSMClient)));
    afterEach(() => ssm.restore());

    const record = (n: number): HistoryRecord => ({
      id: `r${n}`, kind: "promote", env: "qa", from: V1, to: V2, who: "ci", startedAt: `2025-01-${String(n).padStart(2, "0")}T00:00:00Z`, finishedAt: `2025-01-${String(n).padStart(2, "0")}T00:01:00Z`, outcome: "succeeded",
    });

    it("writes one parameter version per record, without labels, and reads every page back newest first", async () => {
      const store = new SsmHistoryStore(() => new SSMClient({ region: "us-east-1" }));
      ssm.on(PutParameterCommand).resolves({ Version: 1 });
      await store.append(record(1));
      const put = ssm.commandCalls(PutParameterCommand)[0].args[0].input;
      expect(put).to.include({ Name: historyParameterName("qa"), Type: "String", Overwrite: true });
      expect(JSON.parse(put.Value as string)).to.deep.equal(record(1));

      ssm.on(GetParameterHistoryCommand, { NextToken: undefined }).resolves({ Parameters: [{ Value: encodeRecord(record(1)) }, { Value: "hand-written" }], NextToken: "p2" });
      ssm.on(GetParameterHistoryCommand, { NextToken: "p2" }).resolves({ Parameters: [{ Value: encodeRecord(record(3)) }, { Value: encodeRecord(record(2)) }] });
      expect((await store.list("qa")).map((r) => r.id)).to.deep.equal(["r3", "r2", "r1"]);
    });

    it("reads an environment without history as empty, and keeps a long reason within the parameter's size", async () => {
      ssm.on(GetParameterHistoryCommand).rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));
      expect(await new SsmHistoryStore(() => new SSMClient({ region: "us-east-1" })).list("prod")).to.deep.equal([]);
      const encoded = encodeRecord({ ...record(1), outcome: "failed", reason: "x".repeat(10_000) });
      expect(encoded.length).to.be.lessThan(4096);
      expect(decodeRecord(encoded)?.reason).to.match(/\.\.\.$/);
    });

    it("keeps a record within the parameter's 4,096 characters when its reason is mostly characters JSON escapes", () => {
      // A failed `pulumi up` quotes paths and values: each quote, backslash or newline takes two characters once
      // encoded, a control character six.
      for (const reason of ['"C:\\\\stack"\n'.repeat(400), "\u0001".repeat(1500)]) {
        const encoded = encodeRecord({ ...record(1), outcome: "failed", failedStep: "grant", reason });
        expect(encoded.length).to.be.at.most(4096);
        const decoded = decodeRecord(encoded);
        expect(decoded?.reason).to.match(/\.\.\.$/);
        expect(decoded?.reason?.length).to.be.greaterThan(100);
        expect(decoded).to.include({ outcome: "failed", failedStep: "grant", from: V1, to: V2 });
      }
    });
  });

  describe("journal and locks (.modelshare/ in the project directory)", () => {
    it("lets one owner hold an environment, takes over from a crashed one, and names a live one", () => {
      const dir = mkdtempSync(join(tmpdir(), "modelshare-locks-"));
      const alive = new Set<number>([111]);
      const locks = new FileLocks(dir, (owner) => alive.has(owner.pid));
      const first = { ...currentOwner("modelshare promote --env qa"), pid: 111 };
      const lock = locks.acquireEnvironment("qa", first);
      expect(() => locks.acquireEnvironment("qa", { ...first, pid: 222 })).to.throw(PromotionConflictError, /`modelshare promote --env qa` run by .+ \(pid 111\) since/);
      alive.delete(111); // crashed, lock file left behind
      const taken = locks.acquireEnvironment("qa", { ...first, pid: 222 });
      taken.release();
      lock.release();
      expect(() => locks.acquireEnvironment("qa", first).release()).to.not.throw();
    });

    it("does not take over a lock held on another host, and says how to clear it", () => {
      const dir = mkdtempSync(join(tmpdir(), "modelshare-locks-"));
      mkdirSync(join(dir, "locks"));
      writeFileSync(join(dir, "locks", "env-prod.lock"), JSON.stringify({ user: "bob", host: `not-${hostname()}`, pid: 1, since: "2025-01-01T00:00:00Z", command: "modelshare promote" }));
      expect(() => new FileLocks(dir).acquireEnvironment("prod", currentOwner("x"))).to.throw(PromotionConflictError, /on another host; if that run is gone, delete .*env-prod\.lock/);
    });

    it("refuses, naming the file, a lock file that names no owner (e.g. left empty by a crash mid-write) instead of failing on its JSON", () => {
      const dir = mkdtempSync(join(tmpdir(), "modelshare-locks-"));
      mkdirSync(join(dir, "locks"));
      writeFileSync(join(dir, "locks", "env-qa.lock"), "");
      const locks = new FileLocks(dir, () => false);
      expect(() => locks.acquireEnvironment("qa", currentOwner("modelshare promote --env qa"))).to.throw(PromotionConflictError, /lock file .*env-qa\.lock names no owner; if no promotion of qa is running, delete it/);
    });

    it("creates a lock file whole: it holds its owner and no temporary file is left beside it", () => {
      const dir = mkdtempSync(join(tmpdir(), "modelshare-locks-"));
      const owner = currentOwner("modelshare promote --env qa");
      const lock = new FileLocks(dir, () => true).acquireEnvironment("qa", owner);
      expect(readdirSync(join(dir, "locks"))).to.deep.equal(["env-qa.lock"]);
      expect(JSON.parse(readFileSync(join(dir, "locks", "env-qa.lock"), "utf8"))).to.deep.equal(owner);
      lock.release();
      expect(readdirSync(join(dir, "locks"))).to.deep.equal([]);
    });

    it("writes the journal atomically and lists the promotions in flight", () => {
      const store = new FileJournalStore(mkdtempSync(join(tmpdir(), "modelshare-journal-")));
      expect(store.read("qa")).to.equal(undefined);
      const journal = { id: "1", kind: "promote", env: "qa", version: V2, previous: V1, keepOld: false, startedAt: "t", who: "w", owner: currentOwner("c"), phase: "forward", steps: [] } as const;
      store.write({ ...journal, steps: [] });
      expect(store.read("qa")?.version).to.equal(V2);
      expect(store.list().map((j) => j.env)).to.deep.equal(["qa"]);
      store.remove("qa");
      expect(store.list()).to.deep.equal([]);
    });
  });

  describe("Pulumi adapter", () => {
    it("turns Pulumi's stack-lock conflict (ConcurrentUpdateError) into StackBusyError", async () => {
      const internals = automation as unknown as { createCommandError: (r: unknown) => Error; CommandResult: new (stdout: string, stderr: string, code: number) => unknown };
      const conflict = internals.createCommandError(new internals.CommandResult("", "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file", 255));
      expect(conflict).to.be.instanceOf(automation.ConcurrentUpdateError);
      let mapped: unknown;
      await mapStackErrors("ml", async () => Promise.reject(conflict)).catch((e) => (mapped = e));
      expect(mapped).to.be.instanceOf(StackBusyError);
      expect((mapped as Error).message).to.match(/^stack "ml" is being updated by another process \(Pulumi's stack lock\).*the stack is currently locked by 1 lock/);
      const other = new Error("boom");
      await mapStackErrors("ml", async () => Promise.reject(other)).catch((e) => (mapped = e));
      expect(mapped).to.equal(other);
    });

    /**
     * Runs `test` with a stand-in `pulumi` first on PATH: it logs every call, answers `version`, runs
     * `selectBehaviour` (shell) on `stack select`, and succeeds otherwise. Gives the project dir and the call log.
     */
    async function withFakePulumi(selectBehaviour: (bin: string) => string, test: (project: string, calls: () => string[]) => Promise<void>): Promise<void> {
      const bin = mkdtempSync(join(tmpdir(), "fake-pulumi-log-"));
      const log = join(bin, "calls.log");
      const script = [
        `echo "$*" >> "${log}"`,
        'if [ "$1" = "version" ]; then echo "v3.239.0"; exit 0; fi',
        `if [ "$1" = "stack" ] && [ "$2" = "select" ]; then ${selectBehaviour(bin)}; fi`,
        "exit 0",
      ];
      await withPulumiScript(script, (project) => test(project, () => readFileSync(log, "utf8").trim().split("\n")));
    }

    it("selects a stack again after a failed select, instead of failing every later operation on it (the undo included)", async () => {
      // The first `stack select` fails (an unreachable backend).
      const failOnce = (bin: string) => `if [ ! -e "${bin}/selected-once" ]; then touch "${bin}/selected-once"; echo "error: failed to reach the backend" >&2; exit 255; fi`;
      await withFakePulumi(failOnce, async (project, calls) => {
        const workspace = await PulumiWorkspace.create(project);
        let first: unknown;
        await workspace.setConfig("ml", "modelshare:modelVersionArn", V1, { path: false }).catch((e) => (first = e));
        expect((first as Error)?.message).to.contain("failed to reach the backend");
        await workspace.setConfig("ml", "modelshare:modelVersionArn", V1, { path: false });
        expect(calls().filter((c) => c.startsWith("stack select"))).to.have.length(2);
        expect(calls().some((c) => c.startsWith("config set") && c.includes("modelshare:modelVersionArn"))).to.equal(true);
      });
    });

    it("never creates a missing stack unless asked to (deploy), and says how to fix a missing one", async () => {
      // A backend with no stacks: `stack select` fails the way the CLI does.
      const noSuchStack = () => `echo "error: no stack named 'ml' found" >&2; exit 255`;
      await withFakePulumi(noSuchStack, async (project, calls) => {
        let error: unknown;
        await (await PulumiWorkspace.create(project)).setConfig("ml", "modelshare:modelVersionArn", V1, { path: false }).catch((e) => (error = e));
        expect((error as Error)?.message).to.equal(
          "stack ml does not exist in the backend pulumi is logged in to: deploy it first (modelshare deploy --stacks ml), or check `pulumi whoami` and `pulumi login`",
        );
        expect(calls().some((c) => c.startsWith("stack init"))).to.equal(false);
        await (await PulumiWorkspace.create(project, { createMissingStacks: true })).setConfig("ml", "modelshare:modelVersionArn", V1, { path: false });
        expect(calls().some((c) => c.startsWith("stack init ml"))).to.equal(true);
      });
    });

    it("fails with a clear error naming PATH when there is no pulumi CLI, and never installs one", async () => {
      const path = process.env.PATH;
      process.env.PATH = mkdtempSync(join(tmpdir(), "empty-path-"));
      try {
        let error: unknown;
        await PulumiWorkspace.create(process.cwd()).catch((e) => (error = e));
        expect(error).to.be.instanceOf(PulumiNotFoundError);
        expect((error as Error).message).to.match(/the pulumi CLI was not found on PATH \(`pulumi version` could not be run; PATH=.*empty-path-.*\)\. Install it .* never downloads one/);
      } finally {
        process.env.PATH = path;
      }
    });
  });
});
