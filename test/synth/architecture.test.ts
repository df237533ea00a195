import { expect } from "chai";
import { AccessMatrix, buildAccessMatrix, loadSimulator, MatrixRow, summarizeByCategory } from "../../src/matrix";
import { architectureMarkdown, shortType } from "../../src/synth/architecture";
import { stackDocument } from "../../src/synth/report";
import { installMocks } from "../../src/synth/mocks";
import { withoutStackTraces } from "../../src/synth/quietStackTraces";
import { loadStackFiles, synthesize, SynthesizedStack } from "../../src/synth/run";
import { PROJECT_ROOT, recorder } from "../helpers/pulumi";

/** The line declaring the diagram node whose label starts with `label`, and its id. */
function nodeId(markdown: string, label: string): string {
  const line = markdown.split("\n").find((l) => l.includes(`["${label}`));
  if (!line) throw new Error(`no node labelled ${label}`);
  return line.trim().split("[")[0];
}

describe("synth outputs (in process)", () => {
  let stacks: SynthesizedStack[];
  let matrix: AccessMatrix;
  before(async () => {
    stacks = await withoutStackTraces(() => synthesize(loadStackFiles(PROJECT_ROOT)));
    matrix = await buildAccessMatrix(stacks, await loadSimulator());
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
