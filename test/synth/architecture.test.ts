import { expect } from "chai";
import { AccessMatrix, buildAccessMatrix, MatrixRow, summarizeByCategory } from "../../src/matrix";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { architectureMarkdown, shortType } from "../../src/synth/architecture";
import { nodeEnvironments } from "../../src/synth/diagram";
import { crossEnvironmentEdges, mermaidBlocks, parseFlowchart } from "../helpers/mermaid";
import { stackDocument } from "../../src/synth/report";
import { installMocks } from "../../src/synth/mocks";
import { withoutStackTraces } from "../../src/synth/quietStackTraces";
import { loadStackFiles, synthesize, SynthesizedStack } from "../../src/synth/run";
import { PROJECT_ROOT, recorder } from "../helpers/pulumi";
import { sharedSimulator } from "../helpers/simulator";

/** The line declaring the diagram node whose label starts with `label`, and its id. */
function nodeId(markdown: string, label: string, opening = "["): string {
  const line = markdown.split("\n").find((l) => l.includes(`${opening}"${label}`));
  if (!line) throw new Error(`no node labelled ${label}`);
  return line.trim().split(/[[(]/)[0];
}

describe("synth outputs (in process)", () => {
  let stacks: SynthesizedStack[];
  let matrix: AccessMatrix;
  before(async () => {
    stacks = await withoutStackTraces(() => synthesize(loadStackFiles(PROJECT_ROOT)));
    matrix = await buildAccessMatrix(stacks, await sharedSimulator());
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  describe("architecture.md", () => {
    it("draws each account as a box holding what each stack creates there", () => {
      const markdown = architectureMarkdown(stacks, matrix);
      const box = (account: string) => {
        const lines = markdown.split("\n");
        const start = lines.findIndex((l) => l.includes(`subgraph acct_${account}`));
        return lines.slice(start, lines.indexOf("  end", start)).join("\n");
      };
      expect(box("111111111111")).to.include("ML account 111111111111");
      expect(box("111111111111")).to.include("SharedModelRole shared-qa [ml]<br/>role /modelshare/modelshare-qa");
      expect(box("222222222222")).to.include("qa account 222222222222");
      expect(box("222222222222")).to.include("PrivateRekognitionEndpoint qa-endpoints [qa]");
      expect(box("999999999999")).to.include("SCP modelshare-ml-guardrail");
      expect(box("444444444444")).to.include("bucket example-corp-data-lake");
    });

    it("links what the synthesized policies allow: AssumeRole to the right shared role, DetectCustomLabels, SCP attachments", () => {
      const markdown = architectureMarkdown(stacks, matrix);
      const qaApp = nodeId(markdown, "ApplicationAccess qa-app");
      const qaShared = nodeId(markdown, "SharedModelRole shared-qa");
      const prodShared = nodeId(markdown, "SharedModelRole shared-prod");
      expect(markdown).to.include(`${qaApp} -->|"sts:AssumeRole"| ${qaShared}`);
      expect(markdown).not.to.include(`${qaApp} -->|"sts:AssumeRole"| ${prodShared}`);
      expect(markdown).to.match(new RegExp(`${qaShared} -->\\|"DetectCustomLabels \\(1 version\\)"\\| p1`));
      const mlGuardrail = nodeId(markdown, "GuardrailSCP modelshare-ml-guardrail");
      expect(markdown).to.include(`${mlGuardrail} -.->|"SCP attached"| acct_111111111111`);
    });

    it("shows rows per category, every allowed row in full, the denied ones per category and kind, and every mismatch", () => {
      const mismatch: MatrixRow = { ...matrix.rows.find((r) => r.decision !== "Allowed")!, decision: "Allowed", mismatch: true, reason: "made up | with a pipe" };
      const big: AccessMatrix = { rows: [...matrix.rows, mismatch], mismatches: 1, notes: [] };
      const markdown = architectureMarkdown(stacks, big);
      const lines = markdown.split("\n");
      for (const category of summarizeByCategory(big.rows)) {
        expect(lines, category.category).to.include(`| ${category.category} | ${category.rows} | ${category.allowed} | ${category.denied} | ${category.mismatches} |`);
      }
      const allowedLines = lines.filter((l) => l.startsWith("| ✓ |") || l.startsWith("| ✗ |"));
      expect(allowedLines).to.have.length(big.rows.filter((r) => r.decision === "Allowed").length);
      expect(allowedLines.filter((l) => l.startsWith("| ✗ |"))[0]).to.include("made up \\| with a pipe");
      expect(markdown).to.include("### Denied, by category");
      expect(lines.some((l) => /^\| outside-callers \| anonymous \| 1 \| 0 \| 1 \| /.test(l))).to.equal(true);
      expect(markdown).to.include("### Mismatches");
    });

    it("draws the pipeline role, the call path application -> endpoint -> shared role -> model, and training data from the data lake", () => {
      const markdown = architectureMarkdown(stacks, matrix);
      const chart = parseFlowchart(mermaidBlocks(markdown)[0]);
      const edge = (from: string, to: string) => chart.edges.find((e) => e.from === from && e.to === to)?.label;
      const pipeline = nodeId(markdown, "pipeline role (modelshare:pipelineRoleArn)", "([");
      expect(chart.nodes.get(pipeline)).to.equal("acct_111111111111");
      for (const env of ["qa", "prod"]) {
        const app = nodeId(markdown, `ApplicationAccess ${env}-app`);
        const endpoints = nodeId(markdown, `PrivateRekognitionEndpoint ${env}-endpoints`);
        const shared = nodeId(markdown, `SharedModelRole shared-${env}`);
        expect(edge(app, endpoints), env).to.equal("calls STS and Rekognition through");
        expect(edge(endpoints, shared), env).to.equal("sts:AssumeRole (STS endpoint policy)");
        expect(edge(shared, "p1"), env).to.equal("DetectCustomLabels (1 version)");
        // H1: the pipeline invokes the consumer's smoke-test function; it assumes no consumer role.
        expect(edge(pipeline, nodeId(markdown, `SmokeTestFunction ${env}-smoke-test`)), env).to.equal("lambda:InvokeFunction (promotion's verify)");
        expect(edge(pipeline, nodeId(markdown, `SmokeTestRole ${env}-smoke-test`)), env).to.equal(undefined);
      }
      const bucket = nodeId(markdown, "bucket example-corp-data-lake");
      expect(edge(bucket, pipeline)).to.equal("training data: s3:ListBucket, s3:GetObject");
      expect(edge(pipeline, "p1")).to.equal("starts, stops, grants versions (promotion)");
      expect(chart.edges.some((e) => e.from === pipeline && e.to === "p1" && e.label === "CreateProjectVersion: trains on the training data")).to.equal(true);
      expect(markdown).to.include(`${bucket} ==>|"training data: s3:ListBucket, s3:GetObject"| ${pipeline}`);
    });

    it("shows which accounts each guardrail reaches: through its OUs in the diagram, and in a table with who its Deny statements leave out", () => {
      const markdown = architectureMarkdown(stacks, matrix);
      const consumerGuardrail = nodeId(markdown, "GuardrailSCP modelshare-consumer-guardrail");
      for (const account of ["222222222222", "333333333333"]) expect(markdown).to.include(`${consumerGuardrail} -.->|"reaches (through its OU or root)"| acct_${account}`);
      expect(markdown).to.include("## Guardrails: which accounts each reaches");
      expect(markdown).to.include("| modelshare-consumer-guardrail | ou-ab12-qa000001, ou-ab12-prod0001 | qa account 222222222222, prod account 333333333333 |");
      // The example's analyzer lives in a delegated administrator account: the ML guardrail is attached there too.
      expect(markdown).to.match(/\| modelshare-ml-guardrail \| 111111111111, 555555555555 \| ML account 111111111111, access-analyzer administrator account 555555555555 \| .*role\/modelshare-pipeline/);
    });

    it("draws no edge between two environments; a qa application allowed prod's shared role would show as one", () => {
      const environments = nodeEnvironments(stacks);
      expect([...environments.values()].sort()).to.include.members(["qa", "prod"]);
      const chart = parseFlowchart(mermaidBlocks(architectureMarkdown(stacks, matrix))[0]);
      expect(crossEnvironmentEdges(chart, (id) => environments.get(id))).to.deep.equal([]);

      // The defect the check exists for: qa's application policy also names prod's shared role.
      const prodRole = "arn:aws:iam::111111111111:role/modelshare/modelshare-prod";
      const widened = stacks.map((stack) => ({
        ...stack,
        resources: stack.resources.map((r) => {
          if (r.name !== "qa-app-model-access" || typeof r.inputs.policy !== "string") return r;
          const policy = JSON.parse(r.inputs.policy);
          for (const statement of policy.Statement) if ([statement.Action].flat().includes("sts:AssumeRole")) statement.Resource = [statement.Resource, prodRole].flat();
          return { ...r, inputs: { ...r.inputs, policy: JSON.stringify(policy) } };
        }),
      }));
      const defect = parseFlowchart(mermaidBlocks(architectureMarkdown(widened, matrix))[0]);
      expect(crossEnvironmentEdges(defect, (id) => environments.get(id))).to.have.length(1);
    });

    it("the README's diagram: every edge stays within one environment, and it shows the call path, training data and guardrail reach", () => {
      const [diagram] = mermaidBlocks(readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8"));
      const chart = parseFlowchart(diagram);
      const bySubgraph: Record<string, string> = { QA: "qa", PROD: "prod" };
      const environmentOf = (id: string) => bySubgraph[id] ?? bySubgraph[chart.nodes.get(id) ?? ""] ?? /_(qa|prod)$/.exec(id)?.[1];
      expect(crossEnvironmentEdges(chart, environmentOf)).to.deep.equal([]);
      const connected = (...ids: string[]) => ids.slice(1).every((to, i) => chart.edges.some((e) => e.from === ids[i] && e.to === to));
      expect(connected("APP_qa", "EP_qa", "SHARED_qa", "MODEL"), "qa call path").to.equal(true);
      expect(connected("APP_prod", "EP_prod", "SHARED_prod", "MODEL"), "prod call path").to.equal(true);
      expect(connected("BUCKET", "PIPE", "MODEL"), "training data").to.equal(true);
      for (const [scp, env] of [["SCP_ml", "ML"], ["SCP_consumer", "QA"], ["SCP_consumer", "PROD"]]) expect(connected(scp, env), `${scp} reaches ${env}`).to.equal(true);
    });

    it("draws the detective controls where they live, and what each watches", () => {
      const markdown = architectureMarkdown(stacks, matrix);
      const analyzer = nodeId(markdown, "OrganizationAccessAnalyzer access-analyzer");
      const rule = nodeId(markdown, "SharedRoleConfigRule shared-role-config-rule");
      const alarms = nodeId(markdown, "ModelHealthAlarms model-health");
      const qaShared = nodeId(markdown, "SharedModelRole shared-qa");
      const lines = markdown.split("\n");
      const box = lines.slice(lines.findIndex((l) => l.includes("subgraph acct_555555555555")));
      expect(box[0]).to.include("access-analyzer administrator account 555555555555");
      expect(box.slice(0, box.indexOf("  end")).join("\n")).to.include(`${analyzer}["OrganizationAccessAnalyzer access-analyzer [ml]<br/>analyzer modelshare-organization (ORGANIZATION)<br/>Analyzer, 3 × ArchiveRule"]`);
      expect(markdown).to.include(`${analyzer} -.->|"archive rule: its own consumer's access"| ${qaShared}`);
      expect(markdown).to.include(`${rule} -.->|"evaluates (Guard)"| ${qaShared}`);
      expect(markdown).to.match(new RegExp(`${alarms} -\\.->\\|"alarms \\(6\\)"\\| p1`));
      expect(markdown).to.include("alarms to modelshare-model-health");
      expect(markdown).to.include(`-.->|"SCP attached"| acct_555555555555`);
    });

    it("names types by their last segment", () => {
      expect(shortType("aws:iam/role:Role")).to.equal("Role");
      expect(shortType("modelshare:index:SharedModelRole")).to.equal("SharedModelRole");
    });
  });

  it("synthesizes the same resources with Pulumi's stack traces turned off (the speed-up changes nothing)", async () => {
    const previous = Error.prepareStackTrace;
    const traced = await withoutStackTraces(() => synthesize(loadStackFiles(PROJECT_ROOT)), false);
    expect(traced.map(stackDocument)).to.deep.equal(stacks.map(stackDocument));
    expect(Error.prepareStackTrace).to.equal(previous);
    expect(Error.stackTraceLimit).to.be.greaterThan(0);
  });
});
