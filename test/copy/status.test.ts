import { DescribeProjectVersionsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { registerStatus } from "../../src/cli/status";
import { NOT_COPIED_YET } from "../../src/config/copy";
import { CONSUMER_OUTPUTS, ML_COPY_OUTPUTS } from "../../src/contract";
import { CliContext } from "../../src/promotion/cliContext";
import { CopyAccountState } from "../../src/promotion/copyAccounts";
import { loadProjectFiles } from "../../src/promotion/project";
import { copyEnvironment, StatusReport, summarizeStatus } from "../../src/promotion/status";
import { Journal } from "../../src/promotion/types";
import { executePromotion } from "../../src/promotion/engine";
import { accessDenied, COPY_OF, readStack, V1, V2, V3, writeStack } from "../promotion/fakes";
import { promote, Scenario } from "../promotion/harness";
import { copyScenario as promotionWorld, PROD_V1 } from "./promotionWorld";

/**
 * Issue 14, `status` in copy mode: qa and prod share, staging (account 555555555555) copies. The copies are read in
 * staging's account as its deploy role; what an account that cannot be read, a copy nobody needs, a copy that is not
 * running, an environment not deployed yet and one not copied yet look like, in --json and in the text.
 */
const STAGING = "555555555555";
const DEPLOY_ROLE = `arn:aws:iam::${STAGING}:role/modelshare-deploy`;
const DESTINATION = `arn:aws:rekognition:us-east-1:${STAGING}:project/defect-detector-staging/1727000000001`;
const copyArn = (name: string, stamp: number) => `arn:aws:rekognition:us-east-1:${STAGING}:project/defect-detector-staging/version/${name}/${stamp}`;
const COPY_V2 = copyArn("defect-detector.v2", 1727000000000);
const COPY_V1 = copyArn("defect-detector.v1", 1726000000000);

const LAYOUT = { configured: { qa: V2, prod: V1, staging: V2 }, granted: { qa: [V2], prod: [V1], staging: [V2] }, catalogue: [V1, V2, V3] };

interface CopyFixture {
  /** The copy output of staging's deployed stack; undefined: none (deployed before copy mode, or not in copy mode). */
  output?: Record<string, unknown>;
  /** staging's destination project's versions, as DescribeProjectVersions returns them. */
  copies: Record<string, { Status: string; MinInferenceUnits?: number; MaxInferenceUnits?: number; SourceProjectVersionArn?: string }>;
}

/** The scenario with staging switched to copy mode (ML config, staging's stack), deployed as such. */
function copyScenario(models: Record<string, string>, fixture: CopyFixture): Scenario {
  const s = new Scenario(LAYOUT, models);
  const ml = readStack(s.dir, "ml");
  ml["modelshare:consumers"].staging = { accountId: STAGING, sharing: "copy", grantedVersions: [V2] };
  writeStack(s.dir, "ml", ml);
  const staging = readStack(s.dir, "staging");
  staging["modelshare:copy"] = { projectName: "defect-detector-staging", outputBucketName: "example-corp-staging-model-copies", versions: [{ source: V2, copy: COPY_V2 }] };
  writeStack(s.dir, "staging", staging);
  s.workspace.world.stacks.ml = readStack(s.dir, "ml");
  s.workspace.world.stacks.staging = readStack(s.dir, "staging");
  const outputs = s.workspace.outputs.bind(s.workspace);
  s.workspace.outputs = async (stack) => {
    const base = await outputs(stack);
    if (stack === "ml") return { ...base, [ML_COPY_OUTPUTS.sharing]: { qa: "share", prod: "share", staging: "copy" } };
    if (stack === "staging" && fixture.output) return { ...base, [CONSUMER_OUTPUTS.copy]: fixture.output };
    return base;
  };
  // Like Rekognition in staging's account: the client's credentials are resolved first (AssumeRole of the deploy role),
  // and only that account's principals may describe its project.
  s.aws.rekognition.on(DescribeProjectVersionsCommand, { ProjectArn: DESTINATION }).callsFake(async (_input, getClient) => {
    const credentials = await getClient().config.credentials();
    if (credentials.sessionToken !== `session-for-${DEPLOY_ROLE}`) throw accessDenied(`${credentials.sessionToken ?? "the ambient credentials"} may not describe ${DESTINATION}`);
    return { ProjectVersionDescriptions: Object.entries(fixture.copies).map(([arn, d]) => ({ ProjectVersionArn: arn, ...d })) };
  });
  return s;
}

const DEPLOYED_COPY_OUTPUT = { projectArn: DESTINATION, outputBucketName: "example-corp-staging-model-copies", outputPrefix: "modelshare-copies/", calledVersionArn: COPY_V2 };

/** The real context's Rekognition factory: the credentials it gets (the deploy role's) are the client's. */
const withCredentials: Partial<CliContext> = { rekognition: (region, credentials) => new RekognitionClient({ region, ...(credentials ? { credentials } : {}) }) };

async function status(s: Scenario, argv: string[] = []): Promise<{ exitCode: number; report: StatusReport & { environments: any[] } }> {
  s.out.length = 0;
  const { exitCode, error } = await s.cli(registerStatus, ["status", "--json", ...argv], withCredentials);
  if (error) throw error;
  return { exitCode, report: JSON.parse(s.out.join("")) };
}

const env = (report: StatusReport, name: string) => report.environments.find((e) => e.env === name)!;

describe("status in copy mode (issue 14)", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  it("per environment: its mode, its cost per hour, and what the other mode would add and save; the copy is read as staging's deploy role", async () => {
    s = copyScenario({ [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" }, { output: DEPLOYED_COPY_OUTPUT, copies: { [COPY_V2]: { Status: "RUNNING", MinInferenceUnits: 1, MaxInferenceUnits: 3, SourceProjectVersionArn: V2 } } });
    const { exitCode, report } = await status(s);
    expect(exitCode).to.equal(0);
    expect(report.environments.map((e) => [e.env, e.sharing, e.healthy, e.costPerHour])).to.deep.equal([
      ["prod", "share", true, 4],
      ["qa", "share", true, 4], // V2 runs for qa alone: staging's grant lets it copy, it does not call it
      ["staging", "copy", true, 4],
    ]);
    expect(env(report, "staging")).to.include({ maxCostPerHour: 12 });
    expect(env(report, "staging").copy).to.deep.include({ projectArn: DESTINATION, calledCopy: COPY_V2 });
    expect(env(report, "staging").copy!.copies).to.deep.equal([
      { env: "staging", arn: COPY_V2, name: "defect-detector.v2", status: "RUNNING", sourceVersionArn: V2, minInferenceUnits: 1, maxInferenceUnits: 3, costPerHour: 4, maxCostPerHour: 12, usedAs: ["called", "listed"], unusedButRunning: false },
    ]);
    // Copying qa: +1 unit in qa's account (promotion's 1-2), V2 could stop in the ML account (no other shared user).
    expect(env(report, "qa").alternative).to.include({ mode: "copy", addedPerHour: 4, addedMaxPerHour: 8, savedPerHour: 4, netPerHour: 0 });
    // Sharing staging: V2 already runs for qa (nothing added), staging's copy could stop.
    expect(env(report, "staging").alternative).to.include({ mode: "share", addedPerHour: 0, savedPerHour: 4, netPerHour: -4 });
    expect(report).to.include({ mlAccountCostPerHour: 8, copiesCostPerHour: 4, totalCostPerHour: 12 });
    expect(report.environments.reduce((sum, e) => sum + e.costPerHour, 0)).to.equal(report.totalCostPerHour);

    expect(s.aws.sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).to.deep.include({ RoleArn: DEPLOY_ROLE, RoleSessionName: "modelshare-status-staging", DurationSeconds: 3600 });
  });

  it("the text shows each environment's mode, the other mode's cost, the copies table and the split of the total", async () => {
    s = copyScenario({ [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" }, { output: DEPLOYED_COPY_OUTPUT, copies: { [COPY_V2]: { Status: "RUNNING", MinInferenceUnits: 1, SourceProjectVersionArn: V2 } } });
    s.out.length = 0;
    expect((await s.cli(registerStatus, ["status"], withCredentials)).exitCode).to.equal(0);
    const text = s.out.join("");
    expect(text).to.contain("staging (stack staging): healthy, $4.00/hour\n  mode     copy");
    expect(text).to.contain(`  calls    defect-detector.v2 (its copy ${COPY_V2})`);
    expect(text).to.contain("  if it shared: +$0.00/hour in the ML account, -$4.00/hour of its copies: net -$4.00/hour");
    expect(text).to.contain("qa (stack qa): healthy, $4.00/hour\n  mode     share");
    expect(text).to.contain("  if it copied: +$4.00/hour (up to +$8.00) in its account, -$4.00/hour in the ML account: net +$0.00/hour");
    expect(text).to.match(/copies in the copy environments' accounts \(billed there\):\nenv\s+copy\s+status\s+units\s+cost\/h\s+used as\nstaging\s+defect-detector\.v2\s+RUNNING\s+1\s+\$4\.00\s+called, listed/);
    expect(text).to.match(/defect-detector\.v2 +RUNNING +1 +\$4\.00  qa \(configured\), qa \(granted\), staging \(copies it\)$/m);
    expect(text).to.contain("estimated cost: $12.00/hour (ML account $8.00, copies in consumer accounts $4.00)");
  });

  it("flags a running copy staging no longer calls or lists, and a running ML version only copy environments are granted (nothing needs it running)", async () => {
    s = copyScenario(
      { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "RUNNING" },
      { output: DEPLOYED_COPY_OUTPUT, copies: { [COPY_V2]: { Status: "RUNNING", MinInferenceUnits: 1, SourceProjectVersionArn: V2 }, [COPY_V1]: { Status: "RUNNING", MinInferenceUnits: 2, SourceProjectVersionArn: V1 } } },
    );
    const ml = readStack(s.dir, "ml");
    ml["modelshare:consumers"].staging.grantedVersions = [V2, V3];
    writeStack(s.dir, "ml", ml);
    s.workspace.world.stacks.ml = ml;
    const { exitCode, report } = await status(s);
    expect(exitCode, "costly, not unhealthy: the exit code is as before").to.equal(0);
    expect(report.unusedRunningCopies).to.deep.equal([{ env: "staging", arn: COPY_V1 }]);
    expect(env(report, "staging")).to.include({ costPerHour: 4 + 8 });
    // V3 runs in the ML account for no shared environment: staging may copy it, which needs no running source
    // (as the stop step and \`model stop\` count: plan.ts deployedUsageState).
    expect(report.unusedRunningVersions).to.deep.equal([V3]);
    expect(report.versions.find((v) => v.arn === V3)).to.deep.include({ usedBy: [], copiedBy: ["staging"], unusedButRunning: true });
    s.out.length = 0;
    await s.cli(registerStatus, ["status"], withCredentials);
    expect(s.out.join("")).to.contain(`running copy staging no longer calls or lists in copy.versions (billed in its account): ${COPY_V1}`).and.contain("running versions no environment uses: defect-detector.v3").and.match(/defect-detector\.v3 +RUNNING +1 +\$4\.00  NOBODY - running and billed, staging \(copies it\)/);
  });

  for (const [what, fault, pattern] of [
    ["the deploy role refuses AssumeRole", (s: Scenario) => s.aws.sts.on(AssumeRoleCommand, { RoleArn: DEPLOY_ROLE }).rejects(accessDenied("User: arn:aws:sts::111111111111:assumed-role/modelshare-pipeline/ci is not authorized to perform: sts:AssumeRole")), /AccessDeniedException: User: .* is not authorized to perform: sts:AssumeRole/],
    ["DescribeProjectVersions times out", (s: Scenario) => s.aws.rekognition.on(DescribeProjectVersionsCommand, { ProjectArn: DESTINATION }).rejects(Object.assign(new Error("Request timed out"), { name: "TimeoutError" })), /TimeoutError: Request timed out/],
  ] as const) {
    it(`reports staging's account as unreadable when ${what}, without failing the others; exit 1 as for any environment not shown healthy`, async () => {
      s = copyScenario({ [V1]: "RUNNING", [V2]: "RUNNING" }, { output: DEPLOYED_COPY_OUTPUT, copies: {} });
      fault(s);
      const { exitCode, report } = await status(s);
      expect(exitCode).to.equal(1);
      expect(report.environments.map((e) => [e.env, e.healthy])).to.deep.equal([["prod", true], ["qa", true], ["staging", false]]);
      const staging = env(report, "staging");
      expect(staging.copy!.unreadable).to.match(pattern);
      expect(staging.problems[0]).to.match(/its account could not be read \(DescribeProjectVersions as its deploy role\)/);
      expect(staging.costIncomplete).to.equal("staging's account could not be read: its copies' cost is unknown");
      expect(staging.alternative).to.include({ incomplete: "staging's account could not be read" });
      s.out.length = 0;
      await s.cli(registerStatus, ["status"], withCredentials);
      expect(s.out.join("")).to.contain("staging (stack staging): UNHEALTHY, cost unknown").and.match(/staging: its account could not be read: /).and.contain("net unknown");
    });
  }

  it("--env of a shared environment reads no consumer account (no AssumeRole, no call on the destination)", async () => {
    s = copyScenario({ [V1]: "RUNNING", [V2]: "RUNNING" }, { output: DEPLOYED_COPY_OUTPUT, copies: { [COPY_V2]: { Status: "RUNNING" } } });
    const { report } = await status(s, ["--env", "qa"]);
    expect(report.environments.map((e) => e.env)).to.deep.equal(["qa"]);
    expect(s.aws.sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
    expect(s.aws.rekognition.calls().filter((c) => (c.args[0].input as { ProjectArn?: string }).ProjectArn === DESTINATION)).to.have.length(0);
  });

  it("a copy that is not running, a staging not copied yet, and a staging whose stack is not deployed are unhealthy and cost nothing", async () => {
    s = copyScenario({ [V1]: "RUNNING", [V2]: "STOPPED" }, { output: DEPLOYED_COPY_OUTPUT, copies: { [COPY_V2]: { Status: "STOPPED", SourceProjectVersionArn: V2 } } });
    let { exitCode, report } = await status(s);
    expect(exitCode).to.equal(1);
    expect(env(report, "staging")).to.include({ healthy: false, costPerHour: 0 });
    expect(env(report, "staging").problems).to.deep.equal([`the copy it calls, defect-detector.v2 in its account, is STOPPED, not RUNNING: calls fail`]);
    // V2 is stopped in the ML account: sharing would start it at promotion's units.
    expect(env(report, "staging").alternative).to.include({ addedPerHour: 4, addedMaxPerHour: 8, savedPerHour: 0, netPerHour: 4 });
    s.restore();

    s = copyScenario({ [V1]: "RUNNING", [V2]: "RUNNING" }, { output: { ...DEPLOYED_COPY_OUTPUT, calledVersionArn: NOT_COPIED_YET }, copies: {} });
    ({ report } = await status(s));
    expect(env(report, "staging").copy).to.deep.include({ calledCopy: NOT_COPIED_YET, copies: [] });
    expect(env(report, "staging").problems).to.deep.equal([`it has no copy of defect-detector.v2 yet (its parameter says "${NOT_COPIED_YET}")`]);
    s.restore();

    s = copyScenario({ [V1]: "RUNNING", [V2]: "RUNNING" }, { copies: {} });
    delete s.workspace.world.stacks.staging;
    ({ report } = await status(s));
    expect(env(report, "staging")).to.include({ healthy: false, costPerHour: 0, sharing: "copy" });
    expect(env(report, "staging").copy!.notDeployed).to.equal("its consumer stack staging is not deployed yet");
    expect(s.aws.sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
  });
});

describe("status after a copy-mode promotion (the simulated world of test/copy/promotionWorld.ts)", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  it("shows prod on its new copy, the old copy stopped and kept, both modes' costs; a stray running copy in prod's project is flagged", async () => {
    s = promotionWorld();
    const result = await executePromotion(promote("prod", V3), await s.deps());
    expect(result.outcome).to.equal("succeeded");
    const copy = s.workspace.deployedCopy("prod")!;
    let { exitCode, report } = await status(s);
    expect(exitCode).to.equal(0);
    const prod = env(report, "prod");
    expect(prod).to.include({ sharing: "copy", healthy: true, configuredVersion: V3, costPerHour: 4, maxCostPerHour: 8 });
    expect(prod.copy!.calledCopy).to.equal(copy);
    expect(prod.copy!.copies.map((c) => [c.arn, c.status, c.usedAs, c.unusedButRunning])).to.deep.equal([
      [PROD_V1, "STOPPED", ["listed"], false],
      [copy, "RUNNING", ["called", "listed"], false],
    ]);
    // Sharing prod: V3 never ran in the ML account, so it would start at promotion's 1-2 units; prod's copy could stop.
    expect(prod.alternative).to.include({ mode: "share", addedPerHour: 4, addedMaxPerHour: 8, savedPerHour: 4, netPerHour: 0 });
    expect(env(report, "qa")).to.include({ sharing: "share", healthy: true, costPerHour: 4 });
    expect(report).to.include({ mlAccountCostPerHour: 4, copiesCostPerHour: 4, totalCostPerHour: 8 });
    expect(report.unusedRunningCopies).to.deep.equal([]);

    const stray = COPY_OF("prod", V2, "by-hand");
    s.aws.models[stray] = { status: "RUNNING", minInferenceUnits: 2, source: V2 };
    ({ exitCode, report } = await status(s));
    expect(exitCode).to.equal(0);
    expect(report.unusedRunningCopies).to.deep.equal([{ env: "prod", arn: stray }]);
    expect(env(report, "prod").costPerHour).to.equal(4 + 8);
  });
});

describe("copyEnvironment and summarizeStatus in copy mode (pure)", () => {
  const NONE = { sources: [], copies: [] };
  const read = (versions: Extract<CopyAccountState, { state: "read" }>["versions"], calledVersionArn?: string): CopyAccountState => ({ state: "read", projectArn: DESTINATION, ...(calledVersionArn ? { calledVersionArn } : {}), versions });

  it("a running copy whose source a promotion in flight names is needed; one neither called, listed nor in flight is flagged", () => {
    const copyV3 = copyArn("defect-detector.v3", 1728000000000);
    const result = copyEnvironment(
      "staging",
      V2,
      read([
        { arn: COPY_V2, status: "RUNNING", minInferenceUnits: 1, sourceVersionArn: V2 },
        { arn: copyV3, status: "RUNNING", minInferenceUnits: 1, sourceVersionArn: V3 },
        { arn: COPY_V1, status: "RUNNING", minInferenceUnits: 1, sourceVersionArn: V1 },
        { arn: copyArn("defect-detector.v0", 1725000000000), status: "COPYING_COMPLETED", sourceVersionArn: V1 },
      ]),
      { versions: [{ source: V2, copy: COPY_V2 }] },
      { sources: [V3, V2], copies: [] },
      4,
    );
    expect(result.status.copies.map((c) => [c.name, c.usedAs, c.unusedButRunning])).to.deep.equal([
      ["defect-detector.v2", ["called", "listed", "in-flight"], false],
      ["defect-detector.v3", ["in-flight"], false],
      ["defect-detector.v1", [], true],
      ["defect-detector.v0", [], false],
    ]);
    expect(result.cost).to.deep.equal({ costPerHour: 12 });
    expect(result.problems).to.deep.equal([]);
  });

  it("a running copy a promotion in flight journalled is needed, even when Rekognition reports no source", () => {
    const copyV3 = copyArn("defect-detector.v3-1a2b3c4d", 1728000000000);
    const result = copyEnvironment("staging", V2, read([{ arn: COPY_V2, status: "RUNNING" }, { arn: copyV3, status: "RUNNING" }], COPY_V2), undefined, { sources: [], copies: [copyV3] }, 4);
    expect(result.status.copies.map((c) => [c.usedAs, c.unusedButRunning])).to.deep.equal([[["called"], false], [["in-flight"], false]]);
    expect(copyEnvironment("staging", V2, read([{ arn: COPY_V2, status: "RUNNING" }, { arn: copyV3, status: "RUNNING" }], COPY_V2), undefined, NONE, 4).status.copies[1].unusedButRunning).to.equal(true);
  });

  it("a stack deployed before the copy output named its called copy falls back to copy.versions; a called copy that does not exist is a problem", () => {
    expect(copyEnvironment("staging", V2, read([{ arn: COPY_V2, status: "RUNNING" }]), { versions: [{ source: V2, copy: COPY_V2 }] }, NONE, 4).status.calledCopy).to.equal(COPY_V2);
    expect(copyEnvironment("staging", V2, read([]), { versions: [] }, NONE, 4).problems[0]).to.match(/no copy of defect-detector\.v2 yet/);
    expect(copyEnvironment("staging", V2, read([], COPY_V2), undefined, NONE, 4).problems[0]).to.equal(`the copy it calls, ${COPY_V2}, does not exist in its project ${DESTINATION}`);
  });

  it("a version used by several shared environments is split among them, a copy environment's grant takes no share; the mode follows the deployed ML stack", () => {
    const dir = copyScenarioDir();
    const project = loadProjectFiles(dir);
    const descriptions = [
      { arn: V1, status: "RUNNING", minInferenceUnits: 2 },
      { arn: V2, status: "RUNNING", minInferenceUnits: 1 },
    ];
    const deployed = { grants: { qa: [V2], prod: [V2], staging: [V2] }, configured: { qa: V2, prod: V2, staging: V2 }, sharing: { qa: "share", prod: "share", staging: "share" } as const };
    // Deployed as share (the checkout says copy, not deployed yet): staging shares V2 with qa and prod, and the difference is shown.
    const asDeployed = summarizeStatus(project, descriptions, [], undefined, deployed);
    expect(asDeployed.environments.map((e) => [e.env, e.sharing, e.costPerHour])).to.deep.equal([["prod", "share", 4 / 3], ["qa", "share", 4 / 3], ["staging", "share", 4 / 3]]);
    expect(asDeployed.environments[2].checkoutDiffers).to.have.length(1);
    expect(asDeployed.environments[2].checkoutDiffers![0]).to.match(/Pulumi\.ml\.yaml: consumers\.staging\.sharing is copy in this checkout, share as deployed$/);
    // V1 runs for nobody: 8 of the 12 are unattributed, flagged as before.
    expect(asDeployed.unusedRunningVersions).to.deep.equal([V1]);
    // Copying qa saves nothing: V2 keeps running for prod (and staging).
    expect(asDeployed.environments[1].alternative).to.include({ savedPerHour: 0, addedPerHour: 4, netPerHour: 4 });

    const copying = summarizeStatus(project, descriptions, [], undefined, { ...deployed, sharing: { qa: "share", prod: "share", staging: "copy" } }, {}, () => "unknown", {
      staging: read([{ arn: COPY_V2, status: "RUNNING", minInferenceUnits: 1, sourceVersionArn: V2 }], COPY_V2),
    });
    expect(copying.environments.map((e) => [e.env, e.sharing, e.costPerHour])).to.deep.equal([["prod", "share", 2], ["qa", "share", 2], ["staging", "copy", 4]]);
    expect(copying.environments[2].checkoutDiffers).to.equal(undefined);
    expect(copying.environments[2].alternative).to.include({ addedPerHour: 0, savedPerHour: 4, netPerHour: -4 });
  });

  it("an in-flight promotion of a copy environment keeps the copy of its target", () => {
    const project = loadProjectFiles(copyScenarioDir());
    const journal = { env: "staging", kind: "promote", version: V3, previous: V2, phase: "running", startedAt: "2025-03-01T10:00:00Z", who: "ci", owner: { pid: 1, host: "h", user: "u", startedAt: "x", command: "c" }, steps: [] } as unknown as Journal;
    const copyV3 = copyArn("defect-detector.v3", 1728000000000);
    const report = summarizeStatus(project, [{ arn: V2, status: "RUNNING" }], [journal], "staging", undefined, {}, () => "unknown", {
      staging: read([{ arn: COPY_V2, status: "RUNNING", sourceVersionArn: V2 }, { arn: copyV3, status: "STARTING", sourceVersionArn: V3 }, { arn: copyArn("defect-detector.v3", 1728000000009), status: "RUNNING", sourceVersionArn: V3 }], COPY_V2),
    });
    expect(report.unusedRunningCopies).to.deep.equal([]);
    expect(report.environments[0].promotionInProgress).to.include({ to: V3 });
  });
});

/** The copy scenario's project files alone (for the pure tests). */
function copyScenarioDir(): string {
  const s = copyScenario({}, { copies: {} });
  s.restore();
  return s.dir;
}
