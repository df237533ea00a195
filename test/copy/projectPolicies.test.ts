import { expect } from "chai";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { DeleteProjectPolicyCommand, ListProjectPoliciesCommand, PutProjectPolicyCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { applyProjectPolicies, ownProjectPolicies, plannedProjectPolicies, projectPolicyChanges, projectPolicyProblems, unexpectedProjectPolicies } from "../../src/promotion/projectPolicies";
import { parseMlConfig } from "../../src/config/schema";
import { rawConfigFromFlat } from "../../src/config/raw";
import { copyExample } from "./helpers";
import { deployStacks, selectStacks } from "../../src/promotion/deploy";
import { PromotionLease } from "../../src/promotion/lease";
import { loadProjectFiles } from "../../src/promotion/project";
import { FakeWorkspace, V1, writeProject } from "../promotion/fakes";
import { pipelinePromotionPolicy } from "../../src/policies/pipeline";

const PROJECT = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/1714387200000";
const VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/v1/1716196364000";
const DOCUMENT = { Version: "2012-10-17", Statement: [{ Sid: "CopyGrantedVersionsToStaging", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "rekognition:CopyProjectVersion", Resource: [VERSION] }] };

describe("copy mode: applying the planned project policies (issue 14)", () => {
  // Stubbed when this suite runs, not when the file loads (a load-time stub answers every other suite's calls).
  let rekognition: AwsClientStub<RekognitionClient>;
  before(() => (rekognition = mockClient(RekognitionClient)));
  beforeEach(() => rekognition.reset());
  after(() => rekognition.restore());

  it("reads the plan from the ML stack's outputs; an ML stack from before copy mode plans none", () => {
    expect(plannedProjectPolicies({ projectPolicies: { staging: { policyName: "modelshare-copy-staging", document: DOCUMENT } } })).to.deep.equal([{ policyName: "modelshare-copy-staging", document: DOCUMENT }]);
    expect(plannedProjectPolicies({})).to.deep.equal([]);
  });

  it("decides put, conditional put, delete or nothing, and leaves policies it did not name alone", () => {
    const current = [
      { PolicyName: "modelshare-copy-staging", PolicyDocument: JSON.stringify(DOCUMENT, null, 2), PolicyRevisionId: "r1" },
      { PolicyName: "modelshare-copy-dev", PolicyDocument: "{}", PolicyRevisionId: "r2" },
      { PolicyName: "someone-elses", PolicyDocument: "{}", PolicyRevisionId: "r3" },
    ];
    const changes = projectPolicyChanges(
      [
        { policyName: "modelshare-copy-staging", document: DOCUMENT },
        { policyName: "modelshare-copy-dev", document: null },
        { policyName: "modelshare-copy-new", document: DOCUMENT },
        { policyName: "modelshare-copy-gone", document: null },
      ],
      current,
    );
    expect(changes).to.deep.equal([
      { action: "unchanged", policyName: "modelshare-copy-staging" },
      { action: "delete", policyName: "modelshare-copy-dev", revisionId: "r2" },
      { action: "put", policyName: "modelshare-copy-new", document: JSON.stringify(DOCUMENT) },
      { action: "unchanged", policyName: "modelshare-copy-gone" },
    ]);
    const widened = projectPolicyChanges([{ policyName: "modelshare-copy-staging", document: { ...DOCUMENT, Statement: [] } }], current);
    expect(widened).to.deep.equal([{ action: "put", policyName: "modelshare-copy-staging", document: JSON.stringify({ ...DOCUMENT, Statement: [] }), revisionId: "r1" }]);
  });

  it("lists every page, then updates with the revision it read, so a concurrent edit is refused, not overwritten", async () => {
    rekognition
      .on(ListProjectPoliciesCommand, { ProjectArn: PROJECT, MaxResults: 5 })
      .resolves({ ProjectPolicies: [{ PolicyName: "other", PolicyRevisionId: "x" }], NextToken: "page2" })
      .on(ListProjectPoliciesCommand, { ProjectArn: PROJECT, MaxResults: 5, NextToken: "page2" })
      .resolves({ ProjectPolicies: [{ PolicyName: "modelshare-copy-staging", PolicyDocument: "{}", PolicyRevisionId: "r7" }] });
    rekognition.on(PutProjectPolicyCommand).resolves({ PolicyRevisionId: "r8" });
    await applyProjectPolicies(new RekognitionClient({ region: "us-east-1" }), PROJECT, [{ policyName: "modelshare-copy-staging", document: DOCUMENT }]);
    const puts = rekognition.commandCalls(PutProjectPolicyCommand).map((c) => c.args[0].input);
    expect(puts).to.deep.equal([{ ProjectArn: PROJECT, PolicyName: "modelshare-copy-staging", PolicyDocument: JSON.stringify(DOCUMENT), PolicyRevisionId: "r7" }]);
    expect(rekognition.commandCalls(DeleteProjectPolicyCommand)).to.have.length(0);
  });

  it("deletes the policy of a copy environment left with no grant, with its revision", async () => {
    rekognition.on(ListProjectPoliciesCommand).resolves({ ProjectPolicies: [{ PolicyName: "modelshare-copy-staging", PolicyDocument: JSON.stringify(DOCUMENT), PolicyRevisionId: "r9" }] });
    rekognition.on(DeleteProjectPolicyCommand).resolves({});
    await applyProjectPolicies(new RekognitionClient({ region: "us-east-1" }), PROJECT, [{ policyName: "modelshare-copy-staging", document: null }]);
    expect(rekognition.commandCalls(DeleteProjectPolicyCommand).map((c) => c.args[0].input)).to.deep.equal([{ ProjectArn: PROJECT, PolicyName: "modelshare-copy-staging", PolicyRevisionId: "r9" }]);
  });

  it("deploy applies them right after the ML stack's update, never on a preview; a failure fails the ML stack and stops the consumers", async () => {
    const dir = writeProject({ configured: { qa: V1 }, granted: { qa: [V1] } });
    const project = loadProjectFiles(dir);
    const order: string[] = [];
    const workspace = new FakeWorkspace(dir);
    const originalUp = workspace.up.bind(workspace);
    workspace.up = async (stack, onOutput) => {
      order.push(`up ${stack}`);
      return originalUp(stack, onOutput);
    };
    const afterMlUpdate = async (stack: string) => {
      order.push(`policies after ${stack}`);
      return "applied";
    };
    await deployStacks(selectStacks(project, undefined), { preview: true, concurrency: 1 }, { workspace, now: Date.now, writeOutput: () => {}, afterMlUpdate });
    expect(order.filter((o) => o.startsWith("policies"))).to.deep.equal([]);
    await deployStacks(selectStacks(project, undefined), { preview: false, concurrency: 1 }, { workspace, now: Date.now, writeOutput: () => {}, afterMlUpdate });
    expect(order).to.deep.equal(["up ml", "policies after ml", "up qa"]);
    const failing = await deployStacks(selectStacks(project, undefined), { preview: false, concurrency: 1 }, {
      workspace,
      now: Date.now,
      writeOutput: () => {},
      afterMlUpdate: async () => {
        throw new Error("AccessDeniedException: not authorized to perform rekognition:PutProjectPolicy");
      },
    });
    expect(failing.map((r) => `${r.stack}:${r.status}`)).to.deep.equal(["ml:failed", "qa:not-run"]);
    expect(failing[0].error).to.include("PutProjectPolicy");
  });
  it("deploy checks its lease again before applying them: a lease lost during the ML update writes no project policy", async () => {
    const dir = writeProject({ configured: { qa: V1 }, granted: { qa: [V1] } });
    const project = loadProjectFiles(dir);
    const workspace = new FakeWorkspace(dir);
    let checks = 0;
    const held = {
      check: async () => {
        checks += 1;
        if (checks > 1) throw new Error("the promotion lease was broken or taken over");
      },
      release: async () => undefined,
    };
    const lease = { acquire: async () => held } as unknown as PromotionLease;
    const applied: string[] = [];
    const results = await deployStacks(selectStacks(project, undefined), { preview: false, concurrency: 1 }, {
      workspace,
      now: Date.now,
      writeOutput: () => {},
      lease: { lease, identity: async () => ({ user: "a", host: "h", pid: 1, who: "a", command: "modelshare deploy", purpose: "deploy" }) },
      afterMlUpdate: async (stack) => {
        applied.push(stack);
        return undefined;
      },
    });
    expect({ applied, checks, statuses: results.map((r) => `${r.stack}:${r.status}`) }).to.deep.equal({ applied: [], checks: 2, statuses: ["ml:failed", "qa:not-run"] });
    expect(results[0].error).to.include("broken or taken over");
  });
});

describe("copy mode: the pipeline may apply project policies, on the project only, only when some environment copies", () => {
  it("adds ListProjectPolicies, PutProjectPolicy and DeleteProjectPolicy on the project ARN", () => {
    const base = { partition: "aws", region: "us-east-1", mlAccountId: "111111111111", project: { arn: PROJECT }, versionArns: [VERSION], consumers: [] };
    const statement = (doc: { Statement: readonly { Sid?: string }[] }) => doc.Statement.find((s) => s.Sid === "ManageCopyProjectPolicies");
    expect(statement(pipelinePromotionPolicy(base))).to.equal(undefined);
    expect(statement(pipelinePromotionPolicy({ ...base, copyEnvironments: true }))).to.deep.equal({
      Sid: "ManageCopyProjectPolicies",
      Effect: "Allow",
      Action: ["rekognition:DeleteProjectPolicy", "rekognition:ListProjectPolicies", "rekognition:PutProjectPolicy"],
      Resource: PROJECT,
    });
  });
});

describe("copy mode and the project-policy check (security review M5): modelshare's own copy policies are expected", () => {
  let rekognition: ReturnType<typeof mockClient>;
  before(() => (rekognition = mockClient(RekognitionClient)));
  after(() => rekognition.restore());
  const config = parseMlConfig(rawConfigFromFlat(copyExample("ml")), "Pulumi.ml.yaml");
  const [planned] = ownProjectPolicies(config);
  const GRANTED = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";

  it("plans one policy per copy environment from the config: <rolePrefix>-copy-<env>, the account root, the granted versions", () => {
    expect(ownProjectPolicies(config).map((p) => p.policyName)).to.deep.equal(["modelshare-copy-staging"]);
    expect(planned.document).to.deep.include({ Statement: [{ Sid: "CopyGrantedVersionsToStaging", Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "rekognition:CopyProjectVersion", Resource: [GRANTED] }] });
  });

  it("accepts modelshare's copy policy with exactly the planned document (key order aside), not listed in existingProjectPolicies", () => {
    expect(config.model.existingProjectPolicies).to.deep.equal([]);
    const { Version, Statement } = planned.document as { Version: string; Statement: Record<string, unknown>[] };
    const reordered = { Statement: Statement.map((st) => Object.fromEntries(Object.entries(st).reverse())), Version };
    expect(unexpectedProjectPolicies([{ name: "modelshare-copy-staging", revisionId: "r1", document: planned.document }], config)).to.deep.equal([]);
    expect(unexpectedProjectPolicies([{ name: "modelshare-copy-staging", document: reordered }], config)).to.deep.equal([]);
  });

  it("flags modelshare's copy-policy name with another document than planned (another account, another version, Principal *)", () => {
    const statement = (planned.document as { Statement: Record<string, unknown>[] }).Statement[0];
    for (const changed of [{ Principal: { AWS: "arn:aws:iam::666666666666:root" } }, { Resource: [VERSION] }, { Principal: "*" }]) {
      const problems = unexpectedProjectPolicies([{ name: "modelshare-copy-staging", revisionId: "r2", document: { ...planned.document, Statement: [{ ...statement, ...changed }] } }], config);
      expect(problems, JSON.stringify(changed)).to.have.length(1);
      expect(problems[0]).to.include('"modelshare-copy-staging" (revision r2)').and.to.include("not the document modelshare planned");
    }
  });

  it("flags modelshare's name for an environment that shares (no copy policy planned) and any other unlisted policy, as before", () => {
    const problems = unexpectedProjectPolicies([{ name: "modelshare-copy-qa", document: planned.document }, { name: "legacy-share", document: planned.document }], config);
    expect(problems).to.have.length(2);
    for (const p of problems) expect(p).to.include("not in modelshare:model.existingProjectPolicies");
  });

  it("also expects the document the last deploy applied (ML stack output), read only when the config's plan leaves a problem: a grant edited in the config but not deployed yet is no refusal", async () => {
    const applied = { policyName: "modelshare-copy-staging", document: DOCUMENT };
    expect(unexpectedProjectPolicies([{ name: "modelshare-copy-staging", document: DOCUMENT }], config)).to.have.length(1);
    expect(unexpectedProjectPolicies([{ name: "modelshare-copy-staging", document: DOCUMENT }], config, ownProjectPolicies(config, [applied]))).to.deep.equal([]);
    const client = new RekognitionClient({ region: "us-east-1" });
    let reads = 0;
    const deployed = async () => (reads++, [applied]);
    rekognition.on(ListProjectPoliciesCommand).resolves({ ProjectPolicies: [{ PolicyName: "modelshare-copy-staging", PolicyDocument: JSON.stringify(planned.document) }] });
    expect(await projectPolicyProblems(client, PROJECT, config, deployed)).to.deep.equal([]);
    expect(reads).to.equal(0);
    rekognition.on(ListProjectPoliciesCommand).resolves({ ProjectPolicies: [{ PolicyName: "modelshare-copy-staging", PolicyDocument: JSON.stringify(DOCUMENT) }] });
    expect(await projectPolicyProblems(client, PROJECT, config, deployed)).to.deep.equal([]);
    expect(reads).to.equal(1);
  });
});
