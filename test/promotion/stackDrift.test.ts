import { expect } from "chai";
import { UsageError } from "../../src/cli/common";
import { registerDrift } from "../../src/cli/drift";
import { registerStatus } from "../../src/cli/status";
import { main } from "../../src/cli/main";
import { driftedResource } from "../../src/promotion/pulumiWorkspace";
import { environmentCosts } from "../../src/promotion/status";
import { V1, V2, V3 } from "./fakes";
import { Scenario } from "./harness";

/** `modelshare drift` and `status --drift`, alarms and costs in `status`: against the simulated world. */

const LAYOUT = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };
const QA_DETECT = { urn: "urn:pulumi:ml::modelshare::modelshare:index:SharedModelRole$aws:iam/rolePolicy:RolePolicy::shared-qa-detect", type: "aws:iam/rolePolicy:RolePolicy", name: "shared-qa-detect", op: "update", properties: ["policy"] };
const PROD_ENDPOINT = { urn: "urn:pulumi:prod::modelshare::aws:ec2/vpcEndpoint:VpcEndpoint::prod-endpoints-rekognition", type: "aws:ec2/vpcEndpoint:VpcEndpoint", name: "prod-endpoints-rekognition", op: "update", properties: ["policy"] };

describe("drift: what differs between the program and what exists", () => {
  let s: Scenario;
  afterEach(() => s.restore());

  it("exits 0 when no stack drifted, and changes nothing (previews only)", async () => {
    s = new Scenario(LAYOUT, MODELS);
    const { exitCode } = await s.cli(registerDrift, ["drift", "--json"]);
    expect(exitCode).to.equal(0);
    const report = JSON.parse(s.out.join(""));
    expect(report).to.deep.include({ drifted: false, failed: false });
    expect(report.stacks.map((x: any) => `${x.stack} ${x.kind} ${x.status}`)).to.deep.equal(["ml ml clean", "prod consumer clean", "qa consumer clean"]);
    expect([...new Set(s.workspace.calls.map((c) => c.kind))]).to.deep.equal(["preview"]);
  });

  it("exits 1 and names per stack each resource that differs, what an up would do and the properties", async () => {
    s = new Scenario(LAYOUT, MODELS);
    s.workspace.drift.ml = [QA_DETECT];
    s.workspace.drift.prod = [PROD_ENDPOINT, { ...PROD_ENDPOINT, urn: `${PROD_ENDPOINT.urn}-sts`, name: "prod-endpoints-sts", op: "create", properties: [] }];
    const json = await s.cli(registerDrift, ["drift", "--json"]);
    expect(json.exitCode).to.equal(1);
    const report = JSON.parse(s.out.join(""));
    expect(report.drifted).to.equal(true);
    expect(report.stacks.find((x: any) => x.stack === "ml")).to.deep.include({ status: "drifted", resources: [QA_DETECT] });
    expect(report.stacks.find((x: any) => x.stack === "qa").status).to.equal("clean");
    s.out.length = 0;
    expect((await s.cli(registerDrift, ["drift", "--stacks", "prod"])).exitCode).to.equal(1);
    expect(s.out.join("")).to.include("prod: DRIFTED, 2 resources differ from the program:\n  update   aws:ec2/vpcEndpoint:VpcEndpoint prod-endpoints-rekognition: policy\n  create   aws:ec2/vpcEndpoint:VpcEndpoint prod-endpoints-sts");
    // --stacks prod previewed prod alone: the other two previews are the first run's.
    expect(s.workspace.calls.filter((c) => c.kind === "preview" && c.stack !== "prod").length).to.equal(2);
  });

  it("exits 1 when a stack cannot be checked (never deployed), naming it, and checks the others", async () => {
    s = new Scenario(LAYOUT, MODELS);
    delete s.workspace.deployed.qa;
    const { exitCode } = await s.cli(registerDrift, ["drift", "--json"]);
    expect(exitCode).to.equal(1);
    const report = JSON.parse(s.out.join(""));
    expect(report).to.deep.include({ drifted: false, failed: true });
    expect(report.stacks.find((x: any) => x.stack === "qa").error).to.match(/stack qa does not exist in the backend/);
    expect(report.stacks.find((x: any) => x.stack === "prod").status).to.equal("clean");
  });

  it("refuses an unknown stack or a bad --concurrency before any Pulumi call (exit 2, naming the flag and what is allowed)", async () => {
    s = new Scenario(LAYOUT, MODELS);
    const unknown = await s.cli(registerDrift, ["drift", "--stacks", "ml,staging"]);
    expect(unknown.error).to.be.instanceOf(UsageError);
    expect(unknown.error!.message).to.include('--stacks "ml,staging" names "staging", not a stack of this project; allowed: ml, prod, qa');
    const concurrency = await s.cli(registerDrift, ["drift", "--concurrency", "0"]);
    expect(concurrency.error!.message).to.include('--concurrency "0" is not allowed; allowed: a whole number from 1 to 64');
    expect(s.workspace.calls).to.deep.equal([]);
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      // Through the whole CLI: a flag checked before the project is read through Pulumi.
      expect(await main(["--cwd", s.dir, "drift", "--concurrency", "65"])).to.equal(2);
    } finally {
      process.stderr.write = write;
    }
  });

  it("reads an engine event as Pulumi sends it: same, read and refresh steps and the stack itself are no drift", () => {
    const step = (op: string, extra: Record<string, unknown> = {}) => ({ op, urn: "urn:pulumi:ml::modelshare::aws:iam/role:Role::shared-qa-role", type: "aws:iam/role:Role", provider: "", ...extra });
    for (const op of ["same", "read", "refresh"]) expect(driftedResource(step(op)), op).to.equal(undefined);
    expect(driftedResource({ ...step("update"), type: "pulumi:pulumi:Stack" })).to.equal(undefined);
    expect(driftedResource(step("update", { diffs: ["assumeRolePolicy"], detailedDiff: { "tags.owner": { diffKind: "add", inputDiff: false } } }))).to.deep.equal({
      urn: "urn:pulumi:ml::modelshare::aws:iam/role:Role::shared-qa-role",
      type: "aws:iam/role:Role",
      name: "shared-qa-role",
      op: "update",
      properties: ["assumeRolePolicy", "tags.owner"],
    });
    expect(driftedResource(step("replace", { keys: ["name"] }))!.properties).to.deep.equal(["name"]);
  });
});

describe("status: alarms of each running version, cost per environment, drift on request", () => {
  let s: Scenario;
  afterEach(() => s.restore());

  it("shows each running version's alarms and makes an environment whose version is in ALARM unhealthy", async () => {
    s = new Scenario({ ...LAYOUT, bakeSeconds: 600 }, MODELS);
    s.aws.alarms["modelshare-model-defect-detector.v1-throttled"] = { state: "ALARM", reason: "Threshold Crossed: 3 datapoints were greater than the threshold (0.0)" };
    const { exitCode } = await s.cli(registerStatus, ["status", "--json"]);
    expect(exitCode).to.equal(1);
    const report = JSON.parse(s.out.join(""));
    const prod = report.environments.find((e: any) => e.env === "prod");
    expect(prod.healthy).to.equal(false);
    expect(prod.problems).to.include("its configured version defect-detector.v1 has an alarm in ALARM: modelshare-model-defect-detector.v1-throttled");
    const v1 = report.versions.find((v: any) => v.arn === V1);
    expect(v1.alarms.map((a: any) => `${a.name} ${a.state}`)).to.deep.equal(["modelshare-model-defect-detector.v1-server-errors OK", "modelshare-model-defect-detector.v1-throttled ALARM", "modelshare-model-defect-detector.v1-capacity OK"]);
    expect(report.versions.find((v: any) => v.arn === V3).alarms).to.equal(undefined); // not running: nothing to watch
    s.out.length = 0;
    await s.cli(registerStatus, ["status"]);
    expect(s.out.join("")).to.include("ALARM (1)").and.to.include("defect-detector.v1: modelshare-model-defect-detector.v1-throttled is ALARM");
  });

  it("reports unreadable alarms per version without failing, and reads none when the alarms are off", async () => {
    s = new Scenario({ ...LAYOUT, bakeSeconds: 600 }, MODELS);
    s.aws.beforeDescribeAlarms = () => {
      throw Object.assign(new Error("User is not authorized to perform: cloudwatch:DescribeAlarms"), { name: "AccessDenied" });
    };
    expect((await s.cli(registerStatus, ["status", "--json"])).exitCode).to.equal(0);
    expect(JSON.parse(s.out.join("")).versions.find((v: any) => v.arn === V1).alarms).to.deep.equal({ error: "AccessDenied: User is not authorized to perform: cloudwatch:DescribeAlarms" });
    s.restore();
    s = new Scenario(LAYOUT, MODELS);
    await s.cli(registerStatus, ["status", "--json"]);
    expect(s.aws.cloudwatch.calls()).to.have.length(0);
  });

  it("splits each running version's cost among the environments that call or are granted it, adding up to the total", async () => {
    s = new Scenario({ configured: { qa: V2, prod: V2 }, granted: { qa: [V2], prod: [V2, V1] } }, { ...MODELS, [V1]: "RUNNING" });
    s.aws.models[V2] = { status: "RUNNING", minInferenceUnits: 2 };
    await s.cli(registerStatus, ["status", "--json"]);
    const report = JSON.parse(s.out.join(""));
    const cost = (env: string) => report.environments.find((e: any) => e.env === env).costPerHour;
    // V2: 2 units x $4, shared by qa and prod; V1: 1 unit x $4, granted to prod only.
    expect(cost("qa")).to.equal(4);
    expect(cost("prod")).to.equal(8);
    expect(cost("qa") + cost("prod")).to.equal(report.totalCostPerHour);
    expect(environmentCosts([{ costPerHour: 6, usedBy: [{ env: "a", how: "configured" }, { env: "a", how: "granted" }, { env: "b", how: "in-flight" }] }])).to.deep.equal({ a: 6 });
  });

  it("--drift adds a refresh-preview of the stacks and exits 1 when one drifted", async () => {
    s = new Scenario(LAYOUT, MODELS);
    expect((await s.cli(registerStatus, ["status", "--env", "qa", "--drift", "--json"])).exitCode).to.equal(0);
    expect(JSON.parse(s.out.join("")).drift.stacks.map((x: any) => x.stack)).to.deep.equal(["ml", "qa"]);
    s.out.length = 0;
    s.workspace.drift.ml = [QA_DETECT];
    expect((await s.cli(registerStatus, ["status", "--drift"])).exitCode).to.equal(1);
    expect(s.out.join("")).to.include("ml: DRIFTED update aws:iam/rolePolicy:RolePolicy shared-qa-detect: policy");
  });
});
