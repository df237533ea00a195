import { expect } from "chai";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDataLakeCheck } from "../../src/cli/dataLake";
import { main } from "../../src/cli/main";
import { registerStatus } from "../../src/cli/status";
import { V1, V2, V3 } from "../promotion/fakes";
import { dieDuringSwitch, Scenario } from "../promotion/harness";

/** SRE / new-user review S13, S14: what a failing `--json` command prints, defaults and status words. */
describe("CLI output for pipelines and new users", () => {
  it("a --json command that fails prints a JSON error object on stdout (name, message, exit code), the text on stderr", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["promote", "--env", "nope", "--from", "qa", "--dry-run", "--json"], { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) });
    expect(code).to.equal(2);
    const parsed = JSON.parse(out.join("")) as { error: { name: string; message: string; exitCode: number } };
    expect(parsed.error).to.include({ name: "UsageError", exitCode: 2 });
    expect(parsed.error.message).to.match(/--env "nope".*allowed: prod, qa/);
    expect(err.join("")).to.match(/^error: --env "nope"/);
  });

  it("without --json stdout stays empty on failure", async () => {
    const out: string[] = [];
    expect(await main(["promote", "--env", "nope", "--from", "qa", "--dry-run"], { stdout: (t) => void out.push(t), stderr: () => undefined })).to.equal(2);
    expect(out).to.deep.equal([]);
  });

  it("data-lake check reads its default statements from out/ of the project directory, not the working directory, and names where it looked", () => {
    const project = mkdtempSync(join(tmpdir(), "modelshare-project-"));
    const elsewhere = mkdtempSync(join(tmpdir(), "modelshare-cwd-"));
    writeFileSync(join(elsewhere, "policy.json"), JSON.stringify({ Version: "2012-10-17", Statement: [] }));
    const missing = (() => {
      try {
        runDataLakeCheck({ policy: "policy.json" }, { cwd: elsewhere, projectDir: project, stdout: () => undefined });
        return "no error";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(missing).to.contain(`looked for ${join(project, "out", "data-lake-statements.json")}`);
    mkdirSync(join(project, "out"));
    const statement = { Sid: "ModelshareRead", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::lake/*" };
    writeFileSync(join(project, "out", "data-lake-statements.json"), JSON.stringify({ mode: "statements", bucketName: "lake", bucketAccountId: "222222222222", statements: [statement] }));
    const out: string[] = [];
    expect(runDataLakeCheck({ policy: "policy.json", json: true }, { cwd: elsewhere, projectDir: project, stdout: (t) => void out.push(t) })).to.equal(1);
    expect(JSON.parse(out.join("")).missing).to.deep.equal(["ModelshareRead"]);
  });

  describe("status of an environment whose promotion's run is gone", () => {
    let s: Scenario;
    afterEach(() => s.restore());

    it("says INTERRUPTED with the commands to continue or undo it, not 'in progress'", async () => {
      s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" });
      await dieDuringSwitch(s, V3);
      s.out.length = 0;
      await s.cli(registerStatus, ["status", "--env", "prod", "--json"]);
      const prod = (JSON.parse(s.out.join("")) as { environments: { env: string; promotionInProgress?: { state: string; resume: string } }[] }).environments.find((e) => e.env === "prod");
      expect(prod?.promotionInProgress).to.include({ state: "interrupted", resume: `modelshare promote --env prod --version ${V3}` });
      s.out.length = 0;
      await s.cli(registerStatus, ["status", "--env", "prod"]);
      expect(s.out.join("")).to.match(/promote to defect-detector\.v3 INTERRUPTED \(its run is gone\).*continue it with `modelshare promote --env prod --version .*`, or undo it with `modelshare rollback --env prod`/);
    });
  });
});
