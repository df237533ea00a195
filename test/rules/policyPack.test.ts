import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { parse } from "yaml";
import { packPolicies } from "../../src/rules/enforcement";
import { RULES } from "../../src/rules";
import { PROJECT_ROOT } from "../helpers/pulumi";

const PACK = path.join(PROJECT_ROOT, "policy");
const packageJson = JSON.parse(readFileSync(path.join(PACK, "package.json"), "utf8"));
const rootPackageJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
const REQUIRE = /require\("([^"]+)"\)/g;

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
const packageOf = (specifier: string) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/**
 * Emits what the pack's build emits, fast: each file reachable from policy/index.ts through the imports that survive
 * compilation, transpiled with the pack's own compiler options into `outDir` (rootDir: the project). The real build
 * (`npm run build` in policy/, run by `npm ci`) type-checks too; this keeps the test within a second or two.
 */
function emitPack(outDir: string): string[] {
  const { config } = ts.readConfigFile(path.join(PACK, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, PACK);
  const emitted: string[] = [];
  const pending = [path.join(PACK, "index.ts")];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions: options, fileName: file });
    const target = path.join(outDir, path.relative(PROJECT_ROOT, file)).replace(/\.ts$/, ".js");
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, outputText);
    emitted.push(target);
    for (const [, specifier] of outputText.matchAll(REQUIRE)) {
      if (!specifier.startsWith(".")) continue;
      const base = path.resolve(path.dirname(file), specifier);
      pending.push(existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, "index.ts"));
    }
  }
  return emitted;
}

describe("the policy pack on its own (policy/)", function () {
  let work: string;
  let files: string[];
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), "modelshare-pack-"));
    files = emitPack(path.join(work, "dist"));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("is a package of its own: main is the built index, PulumiPolicy.yaml says nodejs, npm ci builds it as a workspace", () => {
    expect(packageJson.main).to.equal("dist/policy/index.js");
    expect(packageJson.scripts.build).to.equal("node build.js");
    // Built by the root's build (npm ci runs it as the root's prepare) after the client package it imports from.
    expect(rootPackageJson.scripts.prepare).to.be.a("string");
    expect(rootPackageJson.scripts.build).to.match(/tsc -b client\b.*node policy\/build\.js/);
    expect(parse(readFileSync(path.join(PACK, "PulumiPolicy.yaml"), "utf8")).runtime).to.equal("nodejs");
    expect(rootPackageJson.workspaces).to.include("policy");
    expect(files.map((f) => path.relative(work, f))).to.include(path.join("dist", "policy", "index.js"));
    // The rules compiled in are the project's own (one implementation), not copies kept in policy/.
    expect(files.map((f) => path.relative(work, f))).to.include(path.join("dist", "src", "rules", "noWildcardAllow.js"));
  });

  it("declares every package its compiled code requires, at the project's own version ranges; its relative requires stay inside dist", () => {
    const declared = Object.keys(packageJson.dependencies);
    const required = new Set<string>();
    for (const file of files) {
      for (const [, specifier] of readFileSync(file, "utf8").matchAll(REQUIRE)) {
        if (specifier.startsWith(".")) expect(path.resolve(path.dirname(file), specifier).startsWith(path.join(work, "dist")), `${file}: ${specifier}`).to.equal(true);
        else if (!specifier.startsWith("node:") && !builtinModules.includes(specifier)) required.add(packageOf(specifier));
      }
    }
    for (const name of required) expect(declared, `${name}, required by the compiled pack`).to.include(name);
    // Nothing of the stack programs: no provider SDK, no Automation API, no AGPL simulator.
    expect([...required]).to.not.include.members(["@pulumi/aws", "@aws-sdk/client-rekognition", "@cloud-copilot/iam-simulate"]);
    const rootRanges = { ...rootPackageJson.dependencies, ...rootPackageJson.devDependencies };
    for (const [name, range] of Object.entries({ ...packageJson.dependencies, ...packageJson.devDependencies })) expect(range, name).to.equal(rootRanges[name]);
  });

  it("loads from a directory holding only the pack, its dist and its declared dependencies, and serves every policy without the project's sources", () => {
    const alone = path.join(work, "pack");
    for (const name of Object.keys(packageJson.dependencies)) mkdirSync(path.dirname(path.join(alone, "node_modules", name)), { recursive: true });
    for (const entry of ["package.json", "PulumiPolicy.yaml"]) cpSync(path.join(PACK, entry), path.join(alone, entry));
    cpSync(path.join(work, "dist"), path.join(alone, "dist"), { recursive: true });
    for (const name of Object.keys(packageJson.dependencies)) symlinkSync(path.join(PROJECT_ROOT, "node_modules", name), path.join(alone, "node_modules", name), "dir");
    expect(existsSync(path.join(alone, packageJson.main))).to.equal(true);

    // Never require the main in a test: it constructs the PolicyPack, which starts a gRPC server.
    const script = `
      const pack = require("./dist/policy/policies.js");
      const policies = pack.crossGuardPolicies(pack.loadPackIntent(process.argv[1]));
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify({
        policies: policies.map((p) => [p.name, p.enforcementLevel]),
        fromProject: loaded.filter((f) => f.startsWith(process.argv[2] + "/src/") || f.startsWith(process.argv[2] + "/policy/")),
      }));`;
    const run = spawnSync(process.execPath, ["-e", script, PROJECT_ROOT, PROJECT_ROOT], { cwd: alone, encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, timeout: 20000 });
    expect(run.status, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout);
    expect(result.policies).to.deep.equal(packPolicies(RULES).map((p) => [p.name, p.defaultLevel]));
    expect(result.fromProject).to.deep.equal([]);
  });
});
