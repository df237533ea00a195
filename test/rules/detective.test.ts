import { expect } from "chai";
import { checkSynthesized } from "../../src/rules";
import type { SynthesizedStack } from "../../src/synth/run";
import { installMocks } from "../../src/synth/mocks";
import { recorder } from "../helpers/pulumi";
import { exampleStacks, withDocument, withResource } from "../matrix/helpers";

/** The detective rules on the synthesized example, and on copies with one defect injected each. */

const ANALYZER_RULE = "access-analyzer-modelshare-shared-role-qa";
const ALARM = "model-health-modelshare-model-defect-detector.2024-09-02T14.30.05-server-errors";
const CONFIG_RULE = "shared-role-config-rule-rule";
const ML_SCP = "modelshare-ml-guardrail-policy";

describe("detective rules (archive-rules-narrow, detective-controls-protected, config-rule-accepts-design, model-alarms-complete)", () => {
  let stacks: readonly SynthesizedStack[];
  before(async () => {
    stacks = await exampleStacks();
  });
  after(async () => {
    await installMocks(recorder, "modelshare", "test");
  });

  async function findings(mutated: readonly unknown[], ruleId: string): Promise<string[]> {
    const report = await checkSynthesized(mutated as SynthesizedStack[]);
    return report.findings.filter((f) => f.ruleId === ruleId).map((f) => `${f.resource}: ${f.detail}`);
  }
  const editRule = (edit: (filters: any[]) => any[]) => withResource(stacks, ANALYZER_RULE, (inputs) => ({ ...inputs, filters: edit(JSON.parse(JSON.stringify(inputs.filters))) }));

  it("pass on the example: every detective rule, with nothing to report", async () => {
    const report = await checkSynthesized(stacks);
    for (const id of ["archive-rules-narrow", "detective-controls-protected", "config-rule-accepts-design", "model-alarms-complete"]) {
      expect(report.rules.find((r) => r.id === id), id).to.deep.include({ failures: 0 });
    }
  });

  describe("archive-rules-narrow fails a rule that would archive more than modelshare's own access", () => {
    const cases: [string, (filters: any[]) => any[], RegExp][] = [
      ["no principal condition", (f) => f.filter((x) => x.criteria !== "condition.aws:PrincipalArn"), /has no "condition\.aws:PrincipalArn" criterion/],
      ["a neqs instead of eqs", (f) => f.map((x) => (x.criteria === "principal.AWS" ? { criteria: x.criteria, neqs: ["999999999999"] } : x)), /uses neqs on "principal\.AWS"/],
      ["a wildcard resource", (f) => f.map((x) => (x.criteria === "resource" ? { ...x, eqs: ["arn:aws:iam::111111111111:role/modelshare/*"] } : x)), /is a wildcard/],
      ["another environment's account", (f) => f.map((x) => (x.criteria === "principal.AWS" ? { ...x, eqs: ["333333333333"] } : x)), /admits principal\.AWS 333333333333 .*only account 222222222222/],
      ["another environment's application", (f) => f.map((x) => (x.criteria === "condition.aws:PrincipalArn" ? { ...x, eqs: ["arn:aws:iam::333333333333:role/modelshare/modelshare-prod-app"] } : x)), /admits arn:aws:iam::333333333333:role\/modelshare\/modelshare-prod-app/],
      ["a key archive rules do not take", (f) => [...f, { criteria: "status", eqs: ["ACTIVE"] }], /filters on "status"/],
      ["public findings", (f) => f.map((x) => (x.criteria === "isPublic" ? { ...x, eqs: ["true"] } : x)), /isPublic is \[true\]/],
      ["no organization condition", (f) => f.filter((x) => x.criteria !== "condition.aws:PrincipalOrgID"), /does not require condition\.aws:PrincipalOrgID o-a1b2c3d4e5/],
      ["a resource that is not a shared role", (f) => f.map((x) => (x.criteria === "resource" ? { ...x, eqs: ["arn:aws:iam::111111111111:role/modelshare-pipeline"] } : x)), /not a shared role or data-lake bucket/],
      ["more than 20 values in a criterion", (f) => f.map((x) => (x.criteria === "condition.aws:PrincipalArn" ? { ...x, eqs: Array.from({ length: 21 }, (_, i) => `arn:aws:iam::222222222222:role/modelshare/r${i}`) } : x)), /21 values; an archive rule takes at most 20/],
    ];
    for (const [defect, edit, message] of cases) {
      it(defect, async () => {
        const found = await findings(editRule(edit), "archive-rules-narrow");
        expect(found.join("\n")).to.match(message);
      });
    }
  });

  describe("detective-controls-protected fails a guardrail that leaves a control open", () => {
    const scpWithout = (sid: string) => withDocument(stacks, ML_SCP, "content", (doc) => ({ ...doc, Statement: doc.Statement.filter((s: any) => s.Sid !== sid) }));

    it("the combined statement dropped: every analyzer, alarm and the recorder", async () => {
      const found = await findings(scpWithout("ProtectDetectiveControls"), "detective-controls-protected");
      expect(found.filter((f) => f.includes("aws:cloudwatch/metricAlarm:MetricAlarm"))).to.have.length(6);
      expect(found.join("\n")).to.include("analyzer/modelshare-organization/archive-rule/any-rule").and.to.include("configuration-recorder/default/any-id").and.to.include("analyzer/modelshare-unused-access");
    });

    it("the Config rule's statement dropped, or the rule carrying another tag than the one the guardrail matches", async () => {
      expect((await findings(scpWithout("ProtectConfigRule"), "detective-controls-protected")).join()).to.include("config:DeleteConfigRule");
      const retagged = withResource(stacks, CONFIG_RULE, (inputs) => ({ ...inputs, tags: { ...(inputs.tags as object), "modelshare:guarded-by": "someone-else" } }));
      expect((await findings(retagged, "detective-controls-protected")).join()).to.include("tagged modelshare:guarded-by=someone-else");
    });

    it("the alarms' pattern narrowed so that a version's alarms fall outside it", async () => {
      const narrowed = withDocument(stacks, ML_SCP, "content", (doc) => JSON.parse(JSON.stringify(doc).replace("alarm:modelshare-model-*", "alarm:modelshare-model-defect-detector.2024-05*")));
      const found = await findings(narrowed, "detective-controls-protected");
      expect(found).to.have.length(3);
      expect(found.every((f) => f.includes("2024-09-02T14.30.05"))).to.equal(true);
    });
  });

  describe("config-rule-accepts-design", () => {
    it("fails a rule that finds the deployed design NON_COMPLIANT (it would only ever report noise)", async () => {
      const stricter = withResource(stacks, CONFIG_RULE, (inputs) => {
        const source = JSON.parse(JSON.stringify(inputs.source));
        source.customPolicyDetails.policyText = source.customPolicyDetails.policyText.replace("o-a1b2c3d4e5", "o-zzzzzzzzzz");
        return { ...inputs, source };
      });
      const found = await findings(stricter, "config-rule-accepts-design");
      expect(found).to.have.length(2);
      expect(found.join("\n")).to.include("finds the deployed shared role modelshare-qa NON_COMPLIANT").and.to.include("configuration.assumeRolePolicyDocument");
    });

    it("fails another runtime, a text over 10,000 characters and syntax outside the subset", async () => {
      const edit = (change: (details: any) => void) =>
        withResource(stacks, CONFIG_RULE, (inputs) => {
          const source = JSON.parse(JSON.stringify(inputs.source));
          change(source.customPolicyDetails);
          return { ...inputs, source };
        });
      expect((await findings(edit((d) => (d.policyRuntime = "guard-3.x.x")), "config-rule-accepts-design")).join()).to.include("AWS Config runs guard-2.x.x");
      expect((await findings(edit((d) => (d.policyText += `# ${"x".repeat(10_000)}\n`)), "config-rule-accepts-design")).join()).to.match(/policyText is \d+ characters, over AWS Config's 10000/);
      expect((await findings(edit((d) => (d.policyText = "rule r {\n  some configuration.x == 1\n}\n")), "config-rule-accepts-design")).join()).to.include("not a clause of the supported subset");
    });
  });

  describe("model-alarms-complete", () => {
    it("fails a granted version without one of its alarms, an alarm on another version, and one that notifies nobody", async () => {
      expect(await findings(withResource(stacks, ALARM, "remove"), "model-alarms-complete")).to.deep.equal([
        "ml/aws:cloudwatch/metricAlarm:MetricAlarm::modelshare-model-defect-detector.2024-09-02T14.30.05-server-errors: granted version defect-detector.2024-09-02T14.30.05 has no server-errors alarm (modelshare-model-defect-detector.2024-09-02T14.30.05-server-errors)",
      ]);
      const elsewhere = withResource(stacks, ALARM, (inputs) => ({ ...inputs, dimensions: { ProjectName: "defect-detector", VersionName: "defect-detector.2024-05-20T09.12.44" } }));
      expect((await findings(elsewhere, "model-alarms-complete")).join()).to.include("does not watch ProjectName defect-detector, VersionName defect-detector.2024-09-02T14.30.05");
      const silent = withResource(stacks, ALARM, (inputs) => ({ ...inputs, alarmActions: [], treatMissingData: "breaching" }));
      const found = (await findings(silent, "model-alarms-complete")).join("\n");
      expect(found).to.include("does not notify arn:aws:sns:us-east-1:111111111111:modelshare-model-health").and.to.include("treats missing data as breaching");
    });
  });
});
