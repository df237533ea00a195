import { expect } from "chai";
import { buildAccessMatrix, loadSimulator, MatrixRow, matrixCases, rowFor, Simulator, SimulatorUnavailableError, topologyOf } from "../../src/matrix";
import type { StackLike } from "../../src/matrix/topology";
import { policyDocument, toJson } from "../../src/policies/document";
import { installMocks } from "../../src/synth/mocks";
import { loadStackFiles, synthesize, SynthesizedStack } from "../../src/synth/run";
import { PROJECT_ROOT, recorder } from "../helpers/pulumi";

const QA_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const PROD_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";
const PROD_ROLE = "arn:aws:iam::111111111111:role/modelshare/modelshare-prod";
const QA_SESSION = "arn:aws:sts::111111111111:assumed-role/modelshare-qa/modelshare-matrix";

/** A copy of the synthesized stacks with one resource's inputs replaced (or the resource removed). */
function withResource(stacks: readonly SynthesizedStack[], name: string, edit: ((inputs: Record<string, unknown>) => Record<string, unknown>) | "remove"): StackLike[] {
  return stacks.map((stack) => ({
    ...stack,
    resources: stack.resources.flatMap((r) => (r.name !== name ? [r] : edit === "remove" ? [] : [{ ...r, inputs: edit({ ...r.inputs }) }])),
  }));
}

function find(rows: readonly MatrixRow[], test: (row: MatrixRow) => boolean): MatrixRow {
  const row = rows.find(test);
  if (!row) throw new Error("no such row");
  return row;
}

describe("access matrix", function () {
  let stacks: SynthesizedStack[];
  let simulator: Simulator;
  let rows: readonly MatrixRow[];

  before(async () => {
    // synthesize() installs its own mocks; the shared test recorder is re-installed in after().
    stacks = await synthesize(loadStackFiles(PROJECT_ROOT));
    simulator = await loadSimulator();
    ({ rows } = await buildAccessMatrix(stacks, simulator));
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  describe("on the example configuration", () => {
    it("matches the configuration's intent on every row", () => {
      expect(rows.filter((r) => r.mismatch)).to.deep.equal([]);
      for (const row of rows) {
        expect(row.expected).to.be.oneOf(["Allowed", "Denied"]);
        expect(row.decision).to.be.oneOf(["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]);
        expect(row.reason).to.have.length.greaterThan(10);
      }
    });

    it("covers every kind of request the issue lists, for every environment", () => {
      const count = (kind: string) => rows.filter((r) => r.kind === kind).length;
      expect(count("application-own-role")).to.equal(2);
      expect(count("application-other-role")).to.equal(2);
      expect(count("detect-through-endpoint")).to.equal(4); // 2 sessions x 2 versions
      expect(count("detect-not-through-endpoint")).to.equal(4);
      expect(count("session-model-management")).to.equal(6); // Start, Stop, Delete per session
      expect(count("session-put-role-policy")).to.equal(4); // own role and the other one
      expect(count("pipeline-lifecycle")).to.equal(4); // Start and Stop on both versions
      expect(count("organization-member")).to.equal(2);
      expect(count("outside-organization")).to.equal(2);
      expect(count("consumer-administrator")).to.equal(4); // StartProjectVersion and CreateProject per consumer
    });

    it("lets each application assume only its own shared role", () => {
      const own = find(rows, (r) => r.kind === "application-own-role" && r.resource.endsWith("modelshare-qa"));
      expect(own.decision).to.equal("Allowed");
      expect(own.reason).to.include("trust policy of modelshare-qa#AssumeFromConsumerApplication");
      expect(own.reason).to.include("endpoint policy qa-endpoints-sts#AssumeSharedRoleOnly");
      const other = find(rows, (r) => r.kind === "application-other-role" && r.principal.includes("modelshare-qa-app") && r.resource === PROD_ROLE);
      expect(other.decision).to.equal("ImplicitlyDenied");
    });

    it("allows DetectCustomLabels only on granted versions, and only through the consumer's endpoint", () => {
      const detect = (version: string, kind: string) => find(rows, (r) => r.principal === QA_SESSION && r.resource === version && r.kind === kind);
      expect(detect(QA_VERSION, "detect-through-endpoint").decision).to.equal("Allowed");
      expect(detect(PROD_VERSION, "detect-through-endpoint").decision).to.equal("ImplicitlyDenied");
      const direct = detect(QA_VERSION, "detect-not-through-endpoint");
      expect(direct.decision).to.equal("ExplicitlyDenied");
      expect(direct.reason).to.include("DenyOutsideConsumerEndpoints");
    });

    it("has the ML guardrail explicitly deny model management and role changes to the shared-role sessions", () => {
      for (const row of rows.filter((r) => r.kind === "session-model-management" || r.kind === "session-put-role-policy")) {
        expect(row.decision, row.scenario).to.equal("ExplicitlyDenied");
        expect(row.reason, row.scenario).to.match(/SCP modelshare-ml-guardrail#(ProtectSharedModel|ProtectSharedRoles)/);
      }
      expect(find(rows, (r) => r.kind === "ml-administrator").decision).to.equal("ExplicitlyDenied");
      for (const row of rows.filter((r) => r.kind === "pipeline-lifecycle")) expect(row.decision).to.equal("Allowed");
    });

    it("has the consumer guardrail deny model management in the consumer accounts", () => {
      for (const row of rows.filter((r) => r.kind === "consumer-administrator")) {
        expect(row.decision).to.equal("ExplicitlyDenied");
        expect(row.reason).to.include("SCP modelshare-consumer-guardrail#DenyModelManagementInConsumers");
      }
    });

    it("fills the context keys the simulator does not derive, and the endpoint ones only through an endpoint", () => {
      const cases = matrixCases(topologyOf(stacks));
      const through = cases.find((c) => c.kind === "detect-through-endpoint" && c.principal === QA_SESSION)!;
      expect(through.simulation.request.contextVariables).to.include({
        "aws:PrincipalArn": "arn:aws:iam::111111111111:role/modelshare/modelshare-qa",
        "aws:PrincipalAccount": "111111111111",
        "aws:PrincipalOrgID": "o-a1b2c3d4e5",
        "aws:VpceAccount": "222222222222",
      });
      expect(through.simulation.request.contextVariables["aws:SourceVpce"]).to.match(/^vpce-/);
      const direct = cases.find((c) => c.kind === "detect-not-through-endpoint")!;
      expect(Object.keys(direct.simulation.request.contextVariables)).not.to.include.members(["aws:SourceVpce", "aws:VpceAccount"]);
      const outsider = cases.find((c) => c.kind === "outside-organization")!;
      expect(outsider.simulation.request.contextVariables["aws:PrincipalOrgID"]).not.to.equal("o-a1b2c3d4e5");
      expect(outsider.simulation.serviceControlPolicies).to.deep.equal([]);
    });
  });

  describe("catches broken policies as unexpected decisions", () => {
    it("a shared-role policy widened to the whole project (no endpoint condition) shows up as an unexpected Allowed", async () => {
      const broken = policyDocument([{ Sid: "Broken", Effect: "Allow", Action: "rekognition:DetectCustomLabels", Resource: "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/*" }]);
      const matrix = await buildAccessMatrix(withResource(stacks, "shared-qa-detect", (inputs) => ({ ...inputs, policy: toJson(broken) })), simulator);
      const leak = find(matrix.rows, (r) => r.principal === QA_SESSION && r.resource === PROD_VERSION && r.kind === "detect-not-through-endpoint");
      expect(leak).to.include({ expected: "Denied", decision: "Allowed", mismatch: true });
      expect(leak.reason).to.include("identity policy shared-qa-detect#Broken");
      // The public path to qa's own version is open too (private-only is on in the config).
      expect(matrix.rows.filter((r) => r.mismatch).map((r) => r.kind)).to.have.members(["detect-not-through-endpoint", "detect-not-through-endpoint"]);
    });

    it("a trust policy that forgets the application principals lets any organization member in", async () => {
      const broken = policyDocument([{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }]);
      const matrix = await buildAccessMatrix(withResource(stacks, "shared-prod-role", (inputs) => ({ ...inputs, assumeRolePolicy: toJson(broken) })), simulator);
      const member = find(matrix.rows, (r) => r.kind === "organization-member" && r.resource === PROD_ROLE);
      expect(member).to.include({ decision: "Allowed", mismatch: true });
      const outsider = find(matrix.rows, (r) => r.kind === "outside-organization" && r.resource === PROD_ROLE);
      expect(outsider.mismatch).to.equal(false);
    });

    it("without the ML guardrail SCP the shared-role sessions are only implicitly denied, which the config does not intend", async () => {
      const matrix = await buildAccessMatrix(withResource(stacks, "modelshare-ml-guardrail-policy", "remove"), simulator);
      const start = find(matrix.rows, (r) => r.kind === "session-model-management");
      expect(start).to.include({ decision: "ImplicitlyDenied", mismatch: true });
      expect(start.reason).to.include("the config intends an explicit Deny from SCP modelshare-ml-guardrail");
      expect(find(matrix.rows, (r) => r.kind === "ml-administrator")).to.include({ decision: "Allowed", mismatch: true });
    });

    it("takes `expected` from the config: a grant in the config that the policies do not carry is a mismatch", async () => {
      const withGrant = stacks.map((stack) => {
        if (stack.config.stackKind !== "ml") return stack;
        const consumers = { ...stack.config.consumers, qa: { ...stack.config.consumers.qa, grantedVersions: [QA_VERSION, PROD_VERSION] } };
        return { ...stack, config: { ...stack.config, consumers } };
      });
      const matrix = await buildAccessMatrix(withGrant, simulator);
      const row = find(matrix.rows, (r) => r.principal === QA_SESSION && r.resource === PROD_VERSION && r.kind === "detect-through-endpoint");
      expect(row).to.include({ expected: "Allowed", decision: "ImplicitlyDenied", mismatch: true });
    });
  });

  it("gives the same rows, in the same order, when the requests are spread over worker threads", async function () {
    this.timeout(60000); // each worker starts ts-node and iam-simulate
    // Small batches, so both workers answer several out of order.
    const parallel = await buildAccessMatrix(stacks, simulator, { workers: 2, batchSize: 4 });
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

    it("turns a request the simulator refuses into a mismatch that says why", () => {
      const matrixCase = matrixCases(topologyOf(stacks))[0];
      const row = rowFor(matrixCase, { decision: "ImplicitlyDenied", grants: [], denials: [], error: "policy.errors {}" });
      expect(row.mismatch).to.equal(true);
      expect(row.reason).to.include("not evaluated: the simulator refused the request (policy.errors {})");
    });
  });
});
