import { expect } from "chai";
import { registerDeploy } from "../../src/cli/deploy";
import { registerModel } from "../../src/cli/model";
import { registerPromote } from "../../src/cli/promote";
import { registerStatus } from "../../src/cli/status";
import { StaleCheckoutError } from "../../src/promotion/drift";
import { executePromotion } from "../../src/promotion/engine";
import { fakeChange, readStack, V1, V2, V3, writeStack } from "./fakes";
import { promote, Scenario } from "./harness";

/** The other commands a team runs next to promotions: status, model start/stop and deploy, from several checkouts. */
describe("commands next to promotions (several operators)", () => {
  let s: Scenario;
  afterEach(() => s.restore());
  const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
  const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

  it("status shows a pending clean-up with the command that finishes it, and what is deployed rather than a stale checkout's files", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.aws.failStop = (arn) => (arn === V1 ? Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }) : undefined);
    const stale = s.checkout();
    await executePromotion(promote("prod", V2), await s.deps());

    expect((await s.cli(registerStatus, ["status", "--json"])).exitCode).to.equal(0);
    const prod = JSON.parse(s.out.join("")).environments.find((e: { env: string }) => e.env === "prod");
    expect(prod.cleanupPending).to.deep.include({ kind: "promote", from: V1, to: V2, step: "stop", command: `modelshare promote --env prod --version ${V2}` });
    expect(prod.cleanupPending.reason).to.match(/Rate exceeded/);
    s.out.length = 0;
    await s.cli(registerStatus, ["status"]);
    expect(s.out.join("")).to.match(/CLEANUP PENDING: promote to defect-detector\.v2 .* stop of defect-detector\.v1 failed \(Rate exceeded\); finish it with `modelshare promote --env prod --version /);

    // The other checkout's files still say prod calls V1; status reports the deployed V2, and the difference.
    s.out.length = 0;
    expect((await stale.cli(registerStatus, ["status", "--json"])).exitCode).to.equal(0);
    const seen = JSON.parse(s.out.join("")).environments.find((e: { env: string }) => e.env === "prod");
    expect(seen.configuredVersion).to.equal(V2);
    expect(seen.checkoutDiffers.join("\n")).to.match(/modelshare:modelVersionArn is defect-detector\.v1 in this checkout, defect-detector\.v2 as deployed/);
  });

  it("model stop refuses a STARTING version with exit 2 unless --force, and a version in use as deployed", async () => {
    s = new Scenario(TWO_ENVS, { ...MODELS, [V3]: "STARTING" });
    const starting = await s.cli(registerModel, ["model", "stop", "--version", V3]);
    expect(starting.error?.name).to.equal("UsageError");
    expect(starting.error?.message).to.match(/is STARTING: someone is starting it .*add --force/);
    expect(s.aws.stops).to.deep.equal([]);
    expect(s.aws.leaseItem()).to.equal(undefined); // released

    expect((await s.cli(registerModel, ["model", "stop", "--version", V3, "--force"])).exitCode).to.equal(0);
    expect(s.aws.stops).to.deep.equal([V3]);

    // A checkout whose files say nobody calls V2 (edited by hand); the deployed state says prod and qa do.
    const stale = s.checkout();
    await executePromotion(promote("prod", V2), await s.deps());
    const qa = readStack(stale.dir, "qa");
    qa["modelshare:modelVersionArn"] = V1;
    writeStack(stale.dir, "qa", qa);
    const ml = readStack(stale.dir, "ml");
    ml["modelshare:consumers"].qa.grantedVersions = [V1];
    writeStack(stale.dir, "ml", ml);
    const inUse = await stale.cli(registerModel, ["model", "stop", "--version", V2]);
    expect(inUse.error?.message).to.match(/is used by prod \(configured\), prod \(granted\), qa \(configured\), qa \(granted\)/);
    expect(s.aws.status(V2)).to.equal("RUNNING");
    expect(s.violations).to.deep.equal([]);
  });

  it("model start of a version another run is starting waits for it; both hold the lease in turn", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const [a, b] = await Promise.all([
      s.cli(registerModel, ["model", "start", "--version", V3, "--json"]),
      s.checkout().cli(registerModel, ["model", "start", "--version", V3, "--json"]),
    ]);
    expect([a.exitCode, b.exitCode]).to.deep.equal([0, 0]);
    expect(s.aws.starts).to.deep.equal([V3]);
    expect(s.aws.status(V3)).to.equal("RUNNING");
  });

  it("deploy from a checkout that predates a promotion is refused before any update: it would take a called version away", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const stale = s.checkout();
    await executePromotion(promote("qa", V3), await s.deps());
    const ups = s.workspace.calls.filter((c) => c.kind === "up").length;
    const refused = await stale.cli(registerDeploy, ["deploy"]);
    expect(refused.error).to.be.instanceOf(StaleCheckoutError);
    expect(refused.error?.message).to.match(/qa: .*modelshare:consumers\.qa\.grantedVersions = \[defect-detector\.v2\], the deployed stack has \[defect-detector\.v3\]/);
    expect(refused.error?.message).to.match(/qa: .*modelshare:modelVersionArn = defect-detector\.v2, the deployed stack has defect-detector\.v3/);
    expect(s.workspace.calls.filter((c) => c.kind === "up").length).to.equal(ups);
    expect(s.aws.leaseItem()).to.equal(undefined);
    // A preview changes nothing and needs no lease; the stale consumer's preview fails as the real program would (its
    // version is no longer granted by the deployed ML stack).
    s.out.length = 0;
    expect((await stale.cli(registerDeploy, ["deploy", "--preview"])).exitCode).to.equal(1);
    expect(s.out.join("")).to.match(/qa\s+preview\s+failed.*is not granted to "qa" by the ML stack/);
    expect(s.workspace.calls.filter((c) => c.kind === "up").length).to.equal(ups);
    expect(s.aws.leaseItem()).to.equal(undefined);
    expect(s.violations).to.deep.equal([]);
  });

  it("deploy waits for a promotion's lease instead of updating the stacks under it", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((done) => (release = done));
    const promotion = (async () => {
      const deps = await s.deps();
      const slowSmoke = { detectLabels: async (r: Parameters<typeof s.smoke.detectLabels>[0]) => (await gate, s.smoke.detectLabels(r)) };
      return executePromotion(promote("prod", V2), { ...deps, smokeTester: slowSmoke });
    })();
    await new Promise((done) => setTimeout(done, 100));
    // Something to apply (a plan without changes ends before the lease).
    s.workspace.extraPreviewChanges.ml = [fakeChange("ml", "update", "aws:iam/role:Role", "qa-role", "modelshare:index:SharedModelRole")];
    const deploy = s.cli(registerDeploy, ["deploy", "--stacks", "ml", "--json"]);
    await new Promise((done) => setTimeout(done, 100));
    const upsWhileHeld = s.workspace.calls.filter((c) => c.kind === "up" && c.stack === "ml").length;
    release();
    expect((await promotion).outcome).to.equal("succeeded");
    expect((await deploy).exitCode).to.equal(0);
    expect(upsWhileHeld).to.equal(1); // the promotion's grant; the deploy's came after it finished
    expect(s.err.join("")).to.match(/waiting for the promotion lease, held by promote prod/);
    expect(s.violations).to.deep.equal([]);
  });

  it("promote --dry-run still needs no Pulumi, AWS or lease call", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    expect((await s.cli(registerPromote, ["promote", "--env", "prod", "--from", "qa", "--dry-run"])).exitCode).to.equal(0);
    expect(s.workspace.calls).to.deep.equal([]);
    expect(Object.values(s.aws.callCounts()).reduce((a, b) => a + b, 0)).to.equal(0);
  });
});
