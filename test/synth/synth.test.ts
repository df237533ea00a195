import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { defaultConfigDir, runSynth, SynthIo } from "../../src/cli/synth";
import { UsageError } from "../../src/cli/common";
import { CATEGORIES, CATEGORY_IDS, SimulatorUnavailableError } from "../../src/matrix";
import { RULES } from "../../src/rules";
import { installMocks } from "../../src/synth/mocks";
import { PROJECT_ROOT, recorder } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";

/** Runs the real CLI in a child process: synth installs Pulumi mocks of its own, which must not leak into this one. */
function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runNode([path.join(PROJECT_ROOT, "bin", "modelshare.js"), ...args]);
}

function runNode(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { cwd: PROJECT_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** An io that records what synth prints, for in-process runs. */
function capturingIo(cwd: string, overrides: Partial<SynthIo> = {}): SynthIo & { out: string[]; err: string[]; steps: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const steps: string[] = [];
  return {
    cwd,
    out,
    err,
    steps,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    progress: { step: (id, detail) => steps.push(`${id}: ${detail}`), waiting: () => {}, done: (id, outcome) => steps.push(`${id}: ${outcome}`) },
    now: Date.now,
    loadSimulator: sharedSimulator,
    ...overrides,
  };
}

/** A copy of the example Pulumi.<stack>.yaml files in a temporary directory, with `edit` applied to one. */
function exampleCopy(edit?: { stack: "ml" | "qa" | "prod"; change: (config: Record<string, any>) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "modelshare-synth-test-"));
  for (const stack of ["ml", "qa", "prod"] as const) {
    const document = parse(readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, any> };
    if (edit?.stack === stack) edit.change(document.config);
    writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify(document, { aliasDuplicateObjects: false }));
  }
  // The smoke-test image the example consumers name, relative to the config directory.
  mkdirSync(path.join(dir, "examples"));
  writeFileSync(path.join(dir, "examples", "smoke-test.png"), readFileSync(path.join(PROJECT_ROOT, "examples", "smoke-test.png")));
  return dir;
}

describe("modelshare synth", function () {
  const temporary: string[] = [];
  const track = (dir: string) => (temporary.push(dir), dir);
  after(async () => {
    temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    // In-process runs install synth's own mocks: give the rest of the suite its shared recorder back.
    await installMocks(recorder, "modelshare", "test");
  });

  describe("on the example configuration (the real CLI, in a child process)", () => {
    let outDir: string;
    let result: { code: number; stdout: string; stderr: string };
    let summary: any;
    before(async function () {
      // The child loads the compiled CLI (dist/), Pulumi and iam-simulate, synthesizes and builds the matrix: about 3 s of
      // CPU, 5-7 s of wall time at a load of 9 on 2 cores; 20 s and more at a load of 14 (review S15), hence the bound.
      this.timeout(90_000);
      outDir = track(mkdtempSync(path.join(tmpdir(), "modelshare-synth-out-")));
      result = await runCli(["synth", "--config-dir", PROJECT_ROOT, "--out", outDir, "--json"]);
      summary = JSON.parse(result.stdout);
    });

    it("exits 0 with a JSON summary: resources per stack, checks, matrix rows and mismatches", () => {
      expect(result.code, result.stderr).to.equal(0);
      expect(summary.ok).to.equal(true);
      expect(summary.stacks.map((s: any) => s.stack)).to.deep.equal(["ml", "prod", "qa"]);
      for (const stack of summary.stacks) expect(stack.resources).to.be.greaterThan(10);
      // The rules, and the check that judges the archive rules against the matrix once it is built.
      expect(summary.checks).to.deep.include({ rules: RULES.length + 1, passed: RULES.length + 1, failed: 0, failures: [] });
      expect(summary.matrix.rows).to.be.greaterThan(200);
      expect(summary.matrix.mismatches).to.equal(0);
      // Every registered red-team category has rows, in report order.
      // (but copy, which needs a copy environment: examples/copy has one, test/matrix/mutations.test.ts)
      expect(summary.matrix.categories.map((c: any) => c.category)).to.deep.equal(CATEGORY_IDS.filter((id) => id !== "copy" && CATEGORIES.some((c) => c.id === id)));
    });

    it("shows progress on stderr: each stack as it is synthesized, with the elapsed time", () => {
      for (const stack of ["ml", "prod", "qa"]) expect(result.stderr).to.match(new RegExp(`^\\[\\d+\\.\\ds\\] synth ${stack}: running the (ml|consumer) program`, "m"));
      expect(result.stderr).to.match(/\] matrix: \d+ rows, 0 mismatches/);
    });

    it("writes OUT/<stack>.json with each resource's type, name, parent, provider and inputs as the provider gets them", () => {
      const ml = JSON.parse(readFileSync(path.join(outDir, "ml.json"), "utf8"));
      expect(Object.keys(ml)).to.deep.equal(["stack", "resources", "outputs"]);
      expect(ml.stack).to.equal("ml");
      const role = ml.resources.find((r: any) => r.name === "shared-qa-role");
      expect(role).to.include({ type: "aws:iam/role:Role", parent: "modelshare:index:SharedModelRole::shared-qa", provider: "ml-account", account: "111111111111" });
      // Policy documents are the JSON strings the provider receives.
      expect(role.inputs.assumeRolePolicy).to.be.a("string");
      expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Condition.StringEquals["aws:PrincipalOrgID"]).to.equal("o-a1b2c3d4e5");
      expect(ml.outputs.sharedRoleArns.qa).to.equal("arn:aws:iam::111111111111:role/modelshare/modelshare-qa");
      const qa = JSON.parse(readFileSync(path.join(outDir, "qa.json"), "utf8"));
      expect(qa.resources.find((r: any) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint").provider).to.equal("qa-account");
    });

    it("writes OUT/access-matrix.json rows with principal, action, resource, expected, decision and reason", () => {
      const matrix = JSON.parse(readFileSync(path.join(outDir, "access-matrix.json"), "utf8"));
      expect(matrix.rows).to.have.length(summary.matrix.rows);
      for (const row of matrix.rows) {
        expect(Object.keys(row).slice(0, 6)).to.deep.equal(["principal", "action", "resource", "expected", "decision", "reason"]);
      }
      expect(matrix.assumptions.join(" ")).to.include("FullAWSAccess");
    });

    it("writes OUT/policies/<stack>/<name>.json: every policy document of every stack, pretty-printed, as the provider gets it", () => {
      const ml = JSON.parse(readFileSync(path.join(outDir, "ml.json"), "utf8"));
      const role = ml.resources.find((r: any) => r.name === "shared-qa-role");
      const text = readFileSync(path.join(outDir, "policies", "ml", "shared-qa-role.json"), "utf8");
      expect(text).to.equal(`${JSON.stringify(JSON.parse(role.inputs.assumeRolePolicy), null, 2)}\n`);
      const qaEndpoints = readdirSync(path.join(outDir, "policies", "qa"));
      expect(qaEndpoints.length).to.be.greaterThan(3);
      expect(summary.policies.files).to.equal(["ml", "prod", "qa"].reduce((n, s) => n + readdirSync(path.join(outDir, "policies", s)).length, 0));
    });

    it("writes OUT/access-matrix.csv: a header row and the same rows as access-matrix.json", () => {
      const matrix = JSON.parse(readFileSync(path.join(outDir, "access-matrix.json"), "utf8"));
      const records: Record<string, string>[] = parseCsv(readFileSync(path.join(outDir, "access-matrix.csv"), "utf8"), { columns: true });
      expect(records).to.have.length(matrix.rows.length);
      expect(records.map((r) => [r.principal, r.action, r.resource, r.decision])).to.deep.equal(matrix.rows.map((r: any) => [r.principal, r.action, r.resource, r.decision]));
      expect(summary.matrix.csvFile).to.equal(path.join(outDir, "access-matrix.csv"));
    });

    it("writes OUT/architecture.md: a Mermaid diagram of the accounts and the matrix as a table", () => {
      const markdown = readFileSync(path.join(outDir, "architecture.md"), "utf8");
      expect(markdown).to.include("```mermaid\nflowchart LR");
      for (const account of ["111111111111", "222222222222", "333333333333", "444444444444", "999999999999"]) expect(markdown).to.include(`subgraph acct_${account}`);
      expect(markdown).to.match(/ApplicationAccess qa-app \[qa\]/);
      expect(markdown).to.match(/-->\|"sts:AssumeRole"\|/);
      expect(markdown).to.include("|  | category | scenario | principal | action | resource | reason |");
      const allowed = summary.matrix.categories.reduce((n: number, c: any) => n + c.allowed, 0);
      expect(markdown.split("\n").filter((l) => l.startsWith("| ✓ |"))).to.have.length(allowed);
      expect(markdown).to.include("### Denied, by category");
    });

    it("draws diagrams mermaid itself parses: the generated architecture and every diagram in the docs", async () => {
      // Every Markdown file of docs/, so a new page's diagrams are parsed too.
      const docs = readdirSync(path.join(PROJECT_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
      expect(docs).to.include.members(["docs/promotion.md", "docs/synth.md", "docs/detective.md"]);
      const files = [path.join(outDir, "architecture.md"), ...["README.md", ...docs].map((f) => path.join(PROJECT_ROOT, f))];
      const parsed = await runNode([path.join(PROJECT_ROOT, "test/tools/mermaid-parse.mjs"), ...files]);
      const results: { file: string; block: number; error?: string }[] = JSON.parse(parsed.stdout);
      expect(results.filter((r) => r.file.endsWith("architecture.md"))).to.have.length(1);
      expect(results.filter((r) => r.file.endsWith("README.md"))).to.have.length(1);
      expect(results.filter((r) => r.error !== undefined)).to.deep.equal([]);
    });
  });

  describe("failures (in process)", () => {
    it("exits 2 on invalid config, naming the file and the key", async () => {
      const dir = track(exampleCopy({ stack: "qa", change: (c) => (c["modelshare:accountId"] = "22222222222x") }));
      const io = capturingIo(dir);
      const code = await runSynth({ configDir: dir, out: path.join(dir, "out"), json: true }, io);
      expect(code).to.equal(2);
      expect(io.err.join("")).to.include("invalid configuration in Pulumi.qa.yaml");
      expect(io.err.join("")).to.include('modelshare:accountId = "22222222222x": must be an AWS account id of exactly 12 digits');
      const json = JSON.parse(io.out.join(""));
      expect(json.error.kind).to.equal("config");
      expect(json.error.problems[0]).to.deep.include({ source: "Pulumi.qa.yaml" });
      expect(existsSync(path.join(dir, "out"))).to.equal(false);
    });

    it("exits 2 when a consumer's mlStack names no ML stack of the directory, naming the file, the key and the choices", async () => {
      for (const [mlStack, why] of [["organization/modelshare/mlx", 'names the stack "mlx", which is not an ML stack'], ["organization/modelshare/prod", 'names the stack "prod", which is not an ML stack']]) {
        const dir = track(exampleCopy({ stack: "qa", change: (c) => (c["modelshare:mlStack"] = mlStack) }));
        const io = capturingIo(dir);
        const code = await runSynth({ configDir: dir, out: path.join(dir, "out"), json: true }, io);
        expect(code, mlStack).to.equal(2);
        expect(io.err.join(""), mlStack).to.include("invalid configuration in Pulumi.qa.yaml");
        expect(io.err.join(""), mlStack).to.include(`modelshare:mlStack = "${mlStack}": ${why} (modelshare:stackKind ml) of this project; allowed: ml, <org>/ml or <org>/modelshare/ml`);
        expect(JSON.parse(io.out.join("")).error.kind, mlStack).to.equal("config");
      }
    });

    it("exits 1 with the budget error when a grant would exceed the inline-policy quota", async () => {
      const versions = Array.from({ length: 60 }, (_, i) => `arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.v${i}/${1730000000000 + i}`);
      const dir = track(
        exampleCopy({
          stack: "ml",
          change: (c) => {
            c["modelshare:model"].versions.push(...versions);
            c["modelshare:consumers"].qa.grantedVersions.push(...versions);
          },
        }),
      );
      const io = capturingIo(dir);
      const code = await runSynth({ configDir: dir, out: path.join(dir, "out") }, io);
      expect(code).to.equal(1);
      expect(io.err.join("")).to.match(/over quota \(1\):\n  - shared role for environment "qa": inline policies together is \d+ characters, over the limit of 10240 \(modelshare:quotas.inlinePoliciesChars/);
    });

    it("exits 1 and lists each failed check with its rule id and resource", async () => {
      const dir = track(exampleCopy({ stack: "ml", change: (c) => (c["modelshare:consumers"].qa.maxSessionDurationSeconds = 7200) }));
      // A policy file of an earlier run must not survive as if it were still deployed; files synth does not own stay.
      mkdirSync(path.join(dir, "out", "policies", "gone-stack"), { recursive: true });
      writeFileSync(path.join(dir, "out", "policies", "gone-stack", "old-role.json"), "{}");
      writeFileSync(path.join(dir, "out", "policies", "README.txt"), "mine");
      const io = capturingIo(dir);
      const code = await runSynth({ configDir: dir, out: path.join(dir, "out") }, io);
      expect(existsSync(path.join(dir, "out", "policies", "gone-stack"))).to.equal(false);
      expect(readFileSync(path.join(dir, "out", "policies", "README.txt"), "utf8")).to.equal("mine");
      expect(existsSync(path.join(dir, "out", "policies", "ml", "shared-qa-role.json"))).to.equal(true);
      expect(code).to.equal(1);
      const text = io.out.join("");
      expect(text).to.include(`checks: ${RULES.length + 1} rules, ${RULES.length} passed, 1 failed (1 findings)`);
      expect(text).to.include("FAIL [chained-session-max-duration] ml/aws:iam/role:Role::shared-qa-role: maxSessionDuration is 7200 s");
      expect(text).to.match(/^ {2}category +rows +allowed +denied +mismatches$/m);
      expect(text).to.match(/^ {2}legitimate +\d+ +\d+ +0 +0$/m);
      expect(text).to.include("result: FAILED");
      // The files are written even so: a reviewer needs them most when something fails.
      expect(existsSync(path.join(dir, "out", "architecture.md"))).to.equal(true);
    });

    it("exits 1 when a shared role trusts a role the consumer guardrail does not protect: a failed check and a guardrails mismatch", async () => {
      const legacy = "arn:aws:iam::222222222222:role/legacy-app";
      const dir = track(exampleCopy({ stack: "ml", change: (c) => c["modelshare:consumers"].qa.applicationPrincipalArns.push(legacy) }));
      const io = capturingIo(dir);
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out") }, io)).to.equal(1);
      const text = io.out.join("");
      expect(text).to.include(`FAIL [trusted-principals-protected] ml/aws:iam/role:Role::shared-qa-role: assumeRolePolicy statement AssumeFromConsumerApplication trusts ${legacy}`);
      expect(text).to.match(new RegExp(`MISMATCH \\[guardrails\\] qa: account administrator -> UpdateAssumeRolePolicy on legacy-app.*expected Denied, got Allowed`));
    });

    it("honours a waiver with its reason: exit 0, WAIVED in the terminal, and the waiver in --json, OUT/checks.json and architecture.md", async () => {
      const reason = "nightly batch re-assumes after 1 h; accepted by security (SEC-7)";
      const dir = track(
        exampleCopy({
          stack: "ml",
          change: (c) => {
            c["modelshare:consumers"].qa.maxSessionDurationSeconds = 7200;
            c["modelshare:waivers"] = [
              { rule: "chained-session-max-duration", resource: "shared-qa-role", reason, expires: "2027-01-31" },
              { rule: "no-wildcard-allow", resource: "aws:iam/role:Role::shared-prod-role", reason: "kept for the next change" },
            ];
          },
        }),
      );
      const now = () => Date.parse("2027-01-31T12:00:00Z");
      const io = capturingIo(dir, { now });
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out") }, io), io.out.join("")).to.equal(0);
      const text = io.out.join("");
      // The rules and archive-rules-within-matrix (judged after the matrix, never waived).
      expect(text).to.include(`checks: ${RULES.length + 1} rules, ${RULES.length + 1} passed, 0 failed (1 waived)`);
      expect(text).to.include(`WAIVED [chained-session-max-duration] ml/aws:iam/role:Role::shared-qa-role: maxSessionDuration is 7200 s`);
      expect(text).to.include(`(Pulumi.ml.yaml modelshare:waivers[0]: ${reason})`);
      expect(text).to.include("waivers: 2 (1 applied, 1 unused, 0 expired)");
      expect(text).to.include("UNUSED  Pulumi.ml.yaml modelshare:waivers[1]: no-wildcard-allow on aws:iam/role:Role::shared-prod-role, 0 findings: kept for the next change");
      const checks = JSON.parse(readFileSync(path.join(dir, "out", "checks.json"), "utf8"));
      expect(checks.waived).to.have.length(1);
      expect(checks.waivers.map((w: any) => [w.key, w.status, w.reason])).to.deep.equal([["modelshare:waivers[0]", "applied", reason], ["modelshare:waivers[1]", "unused", "kept for the next change"]]);
      const markdown = readFileSync(path.join(dir, "out", "architecture.md"), "utf8");
      expect(markdown).to.include("### Waivers (2)");
      expect(markdown).to.include(`| ml | Pulumi.ml.yaml modelshare:waivers[0] | chained-session-max-duration | shared-qa-role | ${reason} | 2027-01-31 | applied | 1 |`);
      const json = capturingIo(dir, { now });
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out"), json: true }, json)).to.equal(0);
      expect(JSON.parse(json.out.join("")).checks.waivers).to.deep.equal(checks.waivers);

      // The next day the waiver has expired: the finding fails again, and so does the waiver (exit 1).
      const later = capturingIo(dir, { now: () => Date.parse("2027-02-01T00:00:00Z") });
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out") }, later)).to.equal(1);
      const expired = later.out.join("");
      expect(expired).to.include("FAIL [chained-session-max-duration] ml/aws:iam/role:Role::shared-qa-role");
      expect(expired).to.include("FAIL [waivers-valid] ml/Pulumi.ml.yaml::modelshare:waivers[0]: waiver of chained-session-max-duration on shared-qa-role expired after 2027-01-31");
      expect(expired).to.include("EXPIRED Pulumi.ml.yaml modelshare:waivers[0]");
    });

    it("never lets a waiver hide a matrix mismatch: waiving the finding leaves the mismatch and exit 1; waiving the matrix is bad input", async () => {
      const legacy = "arn:aws:iam::222222222222:role/legacy-app";
      const waiver = { rule: "trusted-principals-protected", resource: "shared-qa-role", reason: "legacy app, migration planned" };
      const dir = track(
        exampleCopy({
          stack: "ml",
          change: (c) => {
            c["modelshare:consumers"].qa.applicationPrincipalArns.push(legacy);
            c["modelshare:waivers"] = [waiver];
          },
        }),
      );
      const io = capturingIo(dir);
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out"), json: true }, io)).to.equal(1);
      const summary = JSON.parse(io.out.join(""));
      expect(summary.checks.failures).to.deep.equal([]);
      expect(summary.checks.waived.map((w: any) => w.ruleId)).to.include("trusted-principals-protected");
      expect(summary.matrix.mismatches).to.be.greaterThan(0);
      expect(summary.matrix.mismatchedRows.some((r: any) => r.category === "guardrails" && r.resource.includes("legacy-app"))).to.equal(true);
      expect(summary.ok).to.equal(false);

      // A waiver that names the matrix, one of its categories, a rule that does not exist or a resource the stack
      // lacks is refused, all problems at once, before anything is written.
      const bad = track(
        exampleCopy({
          stack: "qa",
          change: (c) => {
            c["modelshare:waivers"] = [
              { rule: "access-matrix", resource: "qa-app-role", reason: "no" },
              { rule: "guardrails", resource: "qa-app-role", reason: "no" },
              { rule: "no-wildcard-allow", resource: "shared-qa-role", reason: "that role is in the ml stack" },
            ];
          },
        }),
      );
      const refused = capturingIo(bad);
      expect(await runSynth({ configDir: bad, out: path.join(bad, "out"), json: true }, refused)).to.equal(2);
      const err = refused.err.join("");
      expect(err).to.include("invalid configuration in Pulumi.qa.yaml (3 problems)");
      expect(err).to.include('modelshare:waivers[0].rule = "access-matrix": is not a rule id');
      expect(err).to.include("the access matrix is a proof, not a lint: its rows cannot be waived");
      expect(err).to.include('modelshare:waivers[1].rule = "guardrails"');
      expect(err).to.include('modelshare:waivers[2].resource = "shared-qa-role": is not a resource of stack qa');
      expect(JSON.parse(refused.out.join("")).error.kind).to.equal("config");
      expect(existsSync(path.join(bad, "out"))).to.equal(false);
    });

    it("--policy-pack-config: an advisory rule warns instead of failing; an unknown policy, a bad level or a missing file is exit 2", async () => {
      const dir = track(exampleCopy({ stack: "ml", change: (c) => (c["modelshare:consumers"].qa.maxSessionDurationSeconds = 7200) }));
      writeFileSync(path.join(dir, "pack.json"), JSON.stringify({ "chained-session-max-duration": "advisory" }));
      const io = capturingIo(dir);
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out"), policyPackConfig: "pack.json" }, io)).to.equal(0);
      expect(io.out.join("")).to.include("WARN [chained-session-max-duration] ml/aws:iam/role:Role::shared-qa-role: maxSessionDuration is 7200 s");

      writeFileSync(path.join(dir, "typo.json"), JSON.stringify({ "chained-session-max-duraton": "disabled", all: "optional" }));
      const typo = capturingIo(dir);
      expect(await runSynth({ configDir: dir, out: path.join(dir, "out2"), policyPackConfig: "typo.json" }, typo)).to.equal(2);
      expect(typo.err.join("")).to.include("invalid configuration in typo.json (2 problems)");
      expect(typo.err.join("")).to.include("chained-session-max-duraton: is not a policy of the pack");
      expect(typo.err.join("")).to.include('all = "optional": is not an enforcement level');
      expect(typo.steps.some((s) => s.startsWith("synth "))).to.equal(false);

      let caught: unknown;
      await runSynth({ configDir: dir, policyPackConfig: "missing.json" }, capturingIo(dir)).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(UsageError);
      expect((caught as Error).message).to.include('--policy-pack-config "missing.json": no such file');
    });

    it("exits 1 with a clear message when the simulator is missing, before synthesizing anything", async () => {
      const io = capturingIo(PROJECT_ROOT, {
        loadSimulator: async () => {
          throw new SimulatorUnavailableError("the access matrix needs @cloud-copilot/iam-simulate, which is not installed.");
        },
      });
      const out = track(mkdtempSync(path.join(tmpdir(), "modelshare-synth-nosim-")));
      expect(await runSynth({ out }, io)).to.equal(1);
      expect(io.err.join("")).to.include("needs @cloud-copilot/iam-simulate");
      expect(io.steps.some((s) => s.startsWith("synth "))).to.equal(false);
    });

    it("refuses a --config-dir that is not a directory, naming the flag", async () => {
      let caught: unknown;
      try {
        await runSynth({ configDir: "no-such-directory" }, capturingIo(PROJECT_ROOT));
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(UsageError);
      expect((caught as Error).message).to.include('--config-dir "no-such-directory": not a directory');
    });
  });

  it("defaults --config-dir to the working directory, which must be a Pulumi project: never the package's own example files", () => {
    const project = track(mkdtempSync(path.join(tmpdir(), "modelshare-project-")));
    writeFileSync(path.join(project, "Pulumi.yaml"), "name: modelshare\nruntime: nodejs\n");
    expect(defaultConfigDir(project)).to.equal(project);
    const elsewhere = track(mkdtempSync(path.join(tmpdir(), "modelshare-elsewhere-")));
    mkdirSync(path.join(elsewhere, "sub"));
    expect(() => defaultConfigDir(path.join(elsewhere, "sub"))).to.throw(UsageError, /is not a Pulumi project \(it has no Pulumi.yaml\): run modelshare in the project's directory, or pass --cwd DIR/);
  });
});
