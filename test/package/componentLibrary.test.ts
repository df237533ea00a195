import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { parse as parseYaml } from "yaml";
import { rekognitionEndpointPolicy } from "../../src/policies/consumer";
import { sharedRolePermissionsPolicy } from "../../src/policies/sharedRole";
import { resolveDeep, settle } from "../../src/synth/mocks";
import { parsedPolicy, PROJECT_ROOT, recorder } from "../helpers/pulumi";

/**
 * modelshare as a component library: examples/pulumi-program, copied to a folder outside the repository that has
 * `modelshare` (this repository, built) and @pulumi/* in its node_modules, as `npm install` would lay them out. The
 * program imports the package by its name, so the root package.json's exports map and the compiled dist/ are what it
 * gets; it runs under the test process's Pulumi mocks. (`npm run build` also type-checks the example strictly.)
 */
describe("a Pulumi program outside the repository composes modelshare's components from the package", function () {
  this.timeout(30_000);
  let work: string;
  let outputs: Record<string, unknown>;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), "modelshare-consumer-program-"));
    const modules = path.join(work, "node_modules");
    mkdirSync(modules);
    symlinkSync(PROJECT_ROOT, path.join(modules, "modelshare"));
    symlinkSync(path.join(PROJECT_ROOT, "node_modules", "@pulumi"), path.join(modules, "@pulumi"));
    const source = readFileSync(path.join(PROJECT_ROOT, "examples", "pulumi-program", "index.ts"), "utf8");
    const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    writeFileSync(path.join(work, "index.js"), compiled.outputText);
    writeFileSync(path.join(work, "package.json"), readFileSync(path.join(PROJECT_ROOT, "examples", "pulumi-program", "package.json")));
    recorder.reset();
    outputs = (await resolveDeep({ ...(require(path.join(work, "index.js")) as object) })) as Record<string, unknown>;
    await settle();
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("resolves `modelshare` through node_modules to the built package (exports map -> dist/src/index.js), not to the sources", () => {
    const loaded = Object.keys(require.cache).filter((file) => file.includes(`${path.sep}dist${path.sep}components${path.sep}SharedModelRole.js`));
    expect(loaded).to.have.length(1);
    expect(require.resolve("modelshare", { paths: [work] })).to.equal(path.join(PROJECT_ROOT, "dist", "src", "index.js"));
  });

  it("creates the shared role in the ML account with the builders' exact policies, as modelshare's component", () => {
    const role = recorder.resources.find((r) => r.type === "aws:iam/role:Role");
    expect(role, "a role").to.not.equal(undefined);
    expect(role!.parent).to.equal("modelshare:index:SharedModelRole::analytics");
    expect(role!.inputs).to.include({ name: "analytics-share-analytics", path: "/modelshare/" });
    expect(role!.account).to.equal("111111111111");
    const detect = recorder.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy")!;
    const version = "arn:aws:rekognition:eu-west-1:111111111111:project/defect-detector/version/defect-detector.2026-03-01/1740787200000";
    expect(parsedPolicy(detect)).to.deep.equal(sharedRolePermissionsPolicy({ grantedVersionArns: [version], privateAccess: { enabled: true, conditionKey: "aws:VpceAccount", consumerAccountId: "444444444444" } }));
    expect(outputs.sharedRole).to.be.a("string").and.match(/analytics-share-analytics/);
  });

  it("creates the private endpoints in the consumer account, in the given VPC, with the endpoint policies", () => {
    const endpoints = recorder.resources.filter((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint");
    expect(endpoints.map((e) => e.inputs.serviceName).sort()).to.deep.equal(["com.amazonaws.eu-west-1.rekognition", "com.amazonaws.eu-west-1.sts"]);
    expect(endpoints.every((e) => e.account === "444444444444" && e.inputs.vpcId === "vpc-0123456789abcdef0" && e.inputs.privateDnsEnabled === true)).to.equal(true);
    const rekognition = endpoints.find((e) => String(e.inputs.serviceName).endsWith("rekognition"))!;
    const version = "arn:aws:rekognition:eu-west-1:111111111111:project/defect-detector/version/defect-detector.2026-03-01/1740787200000";
    expect(parsedPolicy(rekognition)).to.deep.equal(rekognitionEndpointPolicy({ sharedRoleArn: "arn:aws:iam::111111111111:role/modelshare/analytics-share-analytics", grantedVersionArns: [version] }));
    expect(recorder.resources.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs.cidrIpv4)).to.deep.equal(["10.20.0.0/16"]);
  });

  it("ships what a component package needs for other languages: PulumiPlugin.yaml (nodejs runtime) and the package's files", () => {
    const plugin = parseYaml(readFileSync(path.join(PROJECT_ROOT, "PulumiPlugin.yaml"), "utf8")) as { runtime: unknown; main: string };
    expect(plugin.runtime).to.equal("nodejs");
    // The plugin's entry is built, and is not the library entry (importing it starts a provider).
    expect(existsSync(path.join(PROJECT_ROOT, plugin.main))).to.equal(true);
    expect(plugin.main).to.not.equal(JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).main);
    const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    expect(manifest.files).to.include.members(["PulumiPlugin.yaml", "dist/src/", "dist/components/"]);
    expect(manifest.exports["."]).to.deep.equal({ types: "./dist/src/index.d.ts", default: "./dist/src/index.js" });
  });
});
