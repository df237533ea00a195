import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { UsageError } from "../../src/cli/common";
import { runDataLakeCheck } from "../../src/cli/dataLake";
import { main } from "../../src/cli/main";
import { runSynth } from "../../src/cli/synth";
import { installMocks } from "../../src/synth/mocks";
import { PROJECT_ROOT, recorder } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";

/** Runs `fn` with process stdout/stderr captured (main() writes to them). */
async function captured(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await fn();
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = undefined;
  }
}

describe("data-lake statements: synth's file and `modelshare data-lake check`", () => {
  let dir: string;
  let grant: any;
  const file = (name: string, content: unknown) => {
    const target = path.join(dir, name);
    writeFileSync(target, typeof content === "string" ? content : JSON.stringify(content));
    return target;
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "modelshare-data-lake-"));
    const io = { cwd: PROJECT_ROOT, stdout: () => {}, stderr: () => {}, progress: { step() {}, waiting() {}, done() {} }, now: Date.now, loadSimulator: sharedSimulator };
    expect(await runSynth({ configDir: PROJECT_ROOT, out: dir }, io)).to.equal(0);
    grant = JSON.parse(readFileSync(path.join(dir, "data-lake-statements.json"), "utf8"));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await installMocks(recorder, "modelshare", "test");
  });

  it("synth writes OUT/data-lake-statements.json: the bucket, its account, the statements and the training principal's policy", () => {
    expect(grant).to.deep.include({ stack: "ml", mode: "statements", bucketName: "example-corp-data-lake", bucketAccountId: "444444444444" });
    expect(grant.statements.map((s: any) => s.Sid)).to.deep.equal(["ModelsharedefectdetectorTrainingList", "ModelsharedefectdetectorTrainingRead", "ModelsharedefectdetectorOutputWrite"]);
    expect(grant.trainingPrincipalPolicy.Statement).to.have.length(3);
  });

  it("passes a policy that holds every statement, also as aws s3api get-bucket-policy prints it", async () => {
    const owners = { Sid: "LakeAdmins", Effect: "Allow", Principal: { AWS: "arn:aws:iam::444444444444:root" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::example-corp-data-lake/*" };
    const policy = { Version: "2012-10-17", Statement: [owners, ...grant.statements] };
    const statements = path.join(dir, "data-lake-statements.json");
    const out: string[] = [];
    expect(runDataLakeCheck({ policy: file("p.json", policy), statements }, { cwd: dir, stdout: (t) => out.push(t) })).to.equal(0);
    expect(out.join("")).to.include("result: the bucket policy holds every statement modelshare needs");
    const cli = await captured(() => main(["data-lake", "check", "--policy", file("s3api.json", { Policy: JSON.stringify(policy) }), "--statements", statements, "--json"]));
    expect(cli.code).to.equal(0);
    expect(JSON.parse(cli.stdout)).to.deep.include({ ok: true, missing: [], different: [] });
  });

  it("exits 1 naming a missing and a widened statement", async () => {
    const [list, read] = grant.statements;
    const policy = { Statement: [list, { ...read, Resource: "arn:aws:s3:::example-corp-data-lake/*" }] };
    const cli = await captured(() => main(["data-lake", "check", "--policy", file("partial.json", policy), "--statements", path.join(dir, "data-lake-statements.json")]));
    expect(cli.code).to.equal(1);
    expect(cli.stdout).to.include("MISSING    ModelsharedefectdetectorOutputWrite");
    expect(cli.stdout).to.include("DIFFERENT  ModelsharedefectdetectorTrainingRead");
    expect(cli.stdout).to.include("result: 1 missing, 1 different");
  });

  it("exits 2 on bad input, naming the flag and the file: missing, a directory, not JSON, not a policy, not a statements file", async () => {
    const statements = path.join(dir, "data-lake-statements.json");
    const cases: [string[], string][] = [
      [["--statements", statements], "--policy is required"],
      [["--policy", path.join(dir, "absent.json"), "--statements", statements], "absent.json\": no such file"],
      [["--policy", dir, "--statements", statements], "is not a regular file"],
      [["--policy", file("bad.json", "{oops"), "--statements", statements], "is not valid JSON"],
      [["--policy", file("list.json", []), "--statements", statements], "is not a JSON object"],
      [["--policy", file("ok.json", { Statement: [] }), "--statements", file("nostatements.json", { statements: [] })], "has no \"statements\" list"],
    ];
    for (const [args, message] of cases) {
      const cli = await captured(() => main(["data-lake", "check", ...args]));
      expect(cli.code, args.join(" ")).to.equal(2);
      expect(cli.stderr, args.join(" ")).to.include(message);
    }
    expect(() => runDataLakeCheck({}, { cwd: dir, stdout: () => {} })).to.throw(UsageError);
    const help = await captured(() => main(["data-lake", "check", "--help"]));
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include("Exit codes: 0 every statement is present and unchanged; 1 a statement is missing or different; 2 bad input");
  });
});
