import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { loadSimulator, SimulationInput } from "../../src/matrix/simulator";
import { PROJECT_ROOT } from "../helpers/pulumi";

/**
 * Build once: `npm ci` runs the `prepare` script, which builds dist/ (npm 11 runs the root package's prepare on
 * `npm ci`); the CLI, the Pulumi program and the matrix's workers run that JavaScript. `npm test` builds first, so
 * dist/ is current here.
 */
const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));

/** Runs bin/modelshare.js and lists every module file it loaded (written by a --require hook at exit). */
function runCli(args: readonly string[]): { status: number | null; stdout: string; stderr: string; loaded: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), "modelshare-cli-"));
  const hook = path.join(dir, "hook.js");
  const list = path.join(dir, "loaded.json");
  writeFileSync(hook, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
  try {
    const result = spawnSync(process.execPath, ["--require", hook, path.join(PROJECT_ROOT, "bin", "modelshare.js"), ...args], { encoding: "utf8", timeout: 20_000, cwd: tmpdir() });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, loaded: JSON.parse(readFileSync(list, "utf8")) as string[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("build once: compiled CLI, program and workers", () => {
  it("npm ci builds dist/ (prepare), and npm test and synth build first", () => {
    expect(manifest.scripts.prepare).to.equal("node scripts/prepare.js");
    expect(readFileSync(path.join(PROJECT_ROOT, "scripts", "prepare.js"), "utf8")).to.contain('spawnSync("npm", ["run", "build"]');
    expect(manifest.scripts.build).to.match(/^tsc -b client && node client\/scripts\/esm-entries\.js && tsc -b/);
    expect(manifest.scripts.test).to.match(/^npm run build && mocha/);
    expect(manifest.scripts.synth).to.match(/^npm run build --silent && node bin\/modelshare\.js synth/);
    expect(manifest.bin).to.deep.equal({ modelshare: "bin/modelshare.js" });
  });

  it("an install without dev dependencies (--omit=dev) is not failed by the build: prepare says how to get dist/ instead", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "modelshare-omit-dev-"));
    try {
      const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "scripts", "prepare.js")], { cwd: empty, encoding: "utf8", timeout: 20_000 });
      expect(result.status).to.equal(0);
      expect(result.stderr).to.contain("dev dependencies omitted, dist/ not built").and.contain("npm ci && npm prune --omit=dev");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("modelshare --version prints the package's version from compiled JavaScript, loading no ts-node, TypeScript or Pulumi", () => {
    const result = runCli(["--version"]);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout.trim()).to.equal(manifest.version);
    expect(result.loaded.filter((f) => /node_modules[\\/](ts-node|typescript|@pulumi)[\\/]/.test(f))).to.deep.equal([]);
    expect(result.loaded.filter((f) => f.startsWith(PROJECT_ROOT) && !f.includes("node_modules") && f.endsWith(".ts"))).to.deep.equal([]);
  });

  it("modelshare --help lists every command without loading ts-node, TypeScript, Pulumi or the stacks (their cost is paid by the command that needs them)", () => {
    const result = runCli(["--help"]);
    expect(result.status, result.stderr).to.equal(0);
    for (const command of ["invoke", "deploy", "promote", "rollback", "status", "model", "lease", "synth", "data-lake"]) expect(result.stdout).to.match(new RegExp(`^\\s+${command}\\b`, "m"));
    expect(result.stdout).to.contain("modelshare --version (or -V) prints modelshare's version.");
    expect(result.loaded.filter((f) => /node_modules[\\/](ts-node|typescript|@pulumi)[\\/]/.test(f) || f.includes(`${path.sep}dist${path.sep}stacks${path.sep}`))).to.deep.equal([]);
  });

  it("the fast --version of bin/modelshare.js says what the full CLI says", () => {
    const fast = runCli(["--version"]);
    const short = runCli(["-V"]);
    const { main } = require(path.join(PROJECT_ROOT, "dist", "src", "cli", "main.js")) as typeof import("../../src/cli/main");
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stdout.write;
    return main(["--version"])
      .finally(() => (process.stdout.write = write))
      .then((code) => {
        expect(code).to.equal(0);
        expect(written.join("")).to.equal(fast.stdout).and.equal(short.stdout);
      });
  });

  it("`promote --version ARN` is still promote's option: the program's --version applies before the command only", () => {
    const result = runCli(["promote", "--help"]);
    expect(result.status).to.equal(0);
    expect(result.stdout).to.match(/--version <arn>/).and.match(/--yes/);
  });

  it("the Pulumi program runs compiled: Pulumi.yaml's main is dist/index.js with TypeScript off, and it exports the program", () => {
    const project = parseYaml(readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as { main: string; runtime: { name: string; options: { typescript: boolean } } };
    expect(project.runtime).to.deep.equal({ name: "nodejs", options: { typescript: false } });
    expect(project.main).to.equal("dist/index.js");
    expect(require(path.join(PROJECT_ROOT, project.main))).to.be.a("function");
  });

  it("the access matrix's worker threads run the compiled workers (no ts-node) and agree with the simulator in-process", async function () {
    this.timeout(30_000);
    const { simulateInParallel } = require(path.join(PROJECT_ROOT, "dist", "src", "matrix", "parallel.js")) as typeof import("../../src/matrix/parallel");
    const allow = (action: string) => ({ name: "app", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] } });
    const simulations: SimulationInput[] = ["s3:GetObject", "s3:PutObject"].map((action, i) => ({
      request: { principal: "arn:aws:iam::222222222222:role/app", action, resource: { resource: "arn:aws:s3:::bucket/key", accountId: "222222222222" }, contextVariables: {} },
      identityPolicies: [allow(i === 0 ? "s3:GetObject" : "s3:ListBucket")],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }));
    const inWorkers = await simulateInParallel(simulations, 2, undefined, 1);
    const simulator = await loadSimulator();
    const inProcess = await Promise.all(simulations.map((s) => simulator.simulate(s)));
    expect(inWorkers).to.deep.equal(inProcess);
    expect(inWorkers.map((o) => (o as { decision?: unknown }).decision ?? o)).to.have.length(2);
  });

  it("bin/modelshare.js says how to build when dist/ is missing, instead of a stack trace", () => {
    const source = readFileSync(path.join(PROJECT_ROOT, "bin", "modelshare.js"), "utf8");
    expect(source).to.not.match(/ts-node/);
    expect(source).to.contain("run `npm run build`");
    expect(existsSync(path.join(PROJECT_ROOT, "dist", "src", "cli", "main.js"))).to.equal(true);
  });
});
