import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { BudgetError } from "../../src/errors";
import { modelAlarmNames } from "../../src/detective/alarms";
import { exampleConfig, parsedPolicy, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

const QA_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const PROD_VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-05-20T09.12.44/1716196364000";
const DETECTIVE_TYPES = [
  "aws:accessanalyzer/analyzer:Analyzer",
  "aws:accessanalyzer/archiveRule:ArchiveRule",
  "aws:cfg/rule:Rule",
  "aws:cfg/recorder:Recorder",
  "aws:cfg/deliveryChannel:DeliveryChannel",
  "aws:cfg/recorderStatus:RecorderStatus",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
];
const CONTROL_TOWER_RECORDER = "aws-controltower-BaselineConfigRecorder";

type Edit = (c: Record<string, any>) => void;
const detective = (edit: (d: Record<string, any>) => void): Edit => (c) => edit(c["modelshare:detective"]);
const filtersOf = (rule: { inputs: Record<string, unknown> }) => Object.fromEntries((rule.inputs.filters as { criteria: string; eqs: string[] }[]).map((f) => [f.criteria, f.eqs]));

describe("ML stack program: detective controls", () => {
  afterEach(() => recorder.configRecorders.clear());

  describe("with the example configuration", () => {
    let outputs: Record<string, any>;
    before(async () => {
      ({ outputs } = await runProgram(exampleConfig("ml")));
    });

    it("creates the organization analyzer in the delegated administrator account, through a provider that refuses any other", () => {
      const analyzer = recorder.byName("aws:accessanalyzer/analyzer:Analyzer", "access-analyzer-analyzer");
      expect(analyzer.inputs).to.deep.include({ analyzerName: "modelshare-organization", type: "ORGANIZATION" });
      expect(analyzer.provider).to.equal("access-analyzer-administrator");
      expect(analyzer.account).to.equal("555555555555");
      const provider = recorder.byName("pulumi:providers:aws", "access-analyzer-administrator");
      expect(JSON.parse(String(provider.inputs.allowedAccountIds))).to.deep.equal(["555555555555"]);
      expect(JSON.parse(String(provider.inputs.assumeRoles))[0].roleArn).to.equal("arn:aws:iam::555555555555:role/modelshare-access-analyzer-admin");
      expect(outputs.detective.accessAnalyzerArn).to.equal("arn:aws:access-analyzer:us-east-1:555555555555:analyzer/modelshare-organization");
    });

    it("archives exactly modelshare's cross-account access: each shared role for its own environment's principals, the bucket for the training principal", () => {
      const rules = recorder.ofType("aws:accessanalyzer/archiveRule:ArchiveRule");
      expect(rules.map((r) => r.inputs.ruleName).sort()).to.deep.equal(["modelshare-data-lake-example-corp-data-lake", "modelshare-shared-role-prod", "modelshare-shared-role-qa"]);
      expect(filtersOf(rules.find((r) => r.inputs.ruleName === "modelshare-shared-role-qa")!)).to.deep.equal({
        resource: ["arn:aws:iam::111111111111:role/modelshare/modelshare-qa"],
        resourceType: ["AWS::IAM::Role"],
        resourceOwnerAccount: ["111111111111"],
        isPublic: ["false"],
        "principal.AWS": ["222222222222", "arn:aws:iam::222222222222:root"],
        "condition.aws:PrincipalArn": ["arn:aws:iam::222222222222:role/modelshare/modelshare-qa-app", "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test"],
        "condition.aws:PrincipalOrgID": ["o-a1b2c3d4e5"],
      });
      expect(filtersOf(rules.find((r) => String(r.inputs.ruleName).startsWith("modelshare-data-lake"))!)).to.deep.equal({
        resource: ["arn:aws:s3:::example-corp-data-lake"],
        resourceType: ["AWS::S3::Bucket"],
        resourceOwnerAccount: ["444444444444"],
        isPublic: ["false"],
        "principal.AWS": ["111111111111", "arn:aws:iam::111111111111:root"],
        "condition.aws:PrincipalArn": ["arn:aws:iam::111111111111:role/modelshare-pipeline"],
      });
      for (const rule of rules) expect(rule.inputs.analyzerName).to.equal("modelshare-organization");
    });

    it("adds an unused-access analyzer in the ML account", () => {
      const unused = recorder.byName("aws:accessanalyzer/analyzer:Analyzer", "unused-access-analyzer");
      expect(unused.inputs).to.deep.include({ analyzerName: "modelshare-unused-access", type: "ACCOUNT_UNUSED_ACCESS", configuration: { unusedAccess: { unusedAccessAge: 90 } } });
      expect(unused.account).to.equal("111111111111");
    });

    it("creates the Guard rule over IAM roles, tagged for the guardrail, and a recorder of IAM roles with its delivery channel (mode create)", () => {
      const rule = recorder.byName("aws:cfg/rule:Rule", "shared-role-config-rule-rule");
      const source = rule.inputs.source as any;
      expect(source.owner).to.equal("CUSTOM_POLICY");
      expect(source.customPolicyDetails.policyRuntime).to.equal("guard-2.x.x");
      expect(source.customPolicyDetails.policyText).to.include('when configuration.path == "/modelshare/"');
      expect(source.sourceDetails.map((d: any) => d.messageType)).to.deep.equal(["ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification"]);
      expect(rule.inputs.scope).to.deep.equal({ complianceResourceTypes: ["AWS::IAM::Role"] });
      expect(rule.inputs.tags).to.deep.include({ "modelshare:guarded-by": "modelshare-ml-guardrail" });
      expect(rule.account).to.equal("111111111111");
      const created = recorder.byName("aws:cfg/recorder:Recorder", "shared-role-config-rule-recorder");
      expect(created.inputs.recordingGroup).to.deep.include({ allSupported: false, resourceTypes: ["AWS::IAM::Role"] });
      expect(created.inputs.roleArn).to.equal("arn:aws:iam::111111111111:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig");
      expect(recorder.byName("aws:cfg/deliveryChannel:DeliveryChannel", "shared-role-config-rule-delivery").inputs.s3BucketName).to.equal("example-corp-config-history");
      expect(recorder.byName("aws:cfg/recorderStatus:RecorderStatus", "shared-role-config-rule-recording").inputs.isEnabled).to.equal(true);
    });

    it("alarms on each granted version's errors, throttling and capacity, with its ProjectName and VersionName, to the configured topic", () => {
      const alarms = recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
      expect(alarms.map((a) => a.inputs.name).sort()).to.deep.equal([...modelAlarmNames("modelshare", QA_VERSION), ...modelAlarmNames("modelshare", PROD_VERSION)].sort());
      const errors = alarms.find((a) => a.inputs.name === "modelshare-model-defect-detector.2024-09-02T14.30.05-server-errors")!;
      expect(errors.inputs).to.deep.include({ namespace: "AWS/Rekognition", metricName: "ServerErrorCount", statistic: "Sum", period: 60, evaluationPeriods: 3, threshold: 0, comparisonOperator: "GreaterThanThreshold", treatMissingData: "notBreaching" });
      expect(errors.inputs.dimensions).to.deep.equal({ ProjectName: "defect-detector", VersionName: "defect-detector.2024-09-02T14.30.05" });
      expect(errors.inputs.alarmActions).to.deep.equal(["arn:aws:sns:us-east-1:111111111111:modelshare-model-health"]);
      const capacity = alarms.find((a) => String(a.inputs.name).endsWith("2024-09-02T14.30.05-capacity"))!;
      const queries = capacity.inputs.metricQueries as any[];
      expect(queries.map((q) => q.metric?.metricName ?? q.expression)).to.deep.equal(["DesiredInferenceUnits", "InServiceInferenceUnits", "desired - inService"]);
      for (const alarm of alarms) expect(alarm.account).to.equal("111111111111");
    });

    it("has the ML guardrail protect the analyzers, the recorder and the alarms (one statement), and the tagged Config rule", () => {
      const scp = parsedPolicy(recorder.byName("aws:organizations/policy:Policy", "modelshare-ml-guardrail-policy"), "content");
      const bySid = Object.fromEntries(scp.Statement.map((s: any) => [s.Sid, s]));
      expect(bySid.ProtectDetectiveControls.Resource).to.deep.equal([
        "arn:aws:access-analyzer:us-east-1:555555555555:analyzer/modelshare-organization",
        "arn:aws:access-analyzer:us-east-1:555555555555:analyzer/modelshare-organization/archive-rule/*",
        "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/modelshare-unused-access",
        "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/modelshare-unused-access/archive-rule/*",
        "arn:aws:config:us-east-1:111111111111:configuration-recorder/default/*",
        "arn:aws:cloudwatch:us-east-1:111111111111:alarm:modelshare-model-*",
      ]);
      expect(bySid.ProtectDetectiveControls.Action).to.include.members(["access-analyzer:DeleteAnalyzer", "access-analyzer:CreateArchiveRule", "config:StopConfigurationRecorder", "cloudwatch:DeleteAlarms", "cloudwatch:SetAlarmState"]);
      expect(bySid.ProtectDetectiveControls.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([
        "arn:aws:iam::111111111111:role/break-glass-admin",
        "arn:aws:iam::111111111111:role/modelshare-pipeline",
        "arn:aws:iam::555555555555:role/modelshare-access-analyzer-admin",
      ]);
      expect(bySid.ProtectConfigRule.Condition.StringEquals).to.deep.equal({ "aws:ResourceTag/modelshare:guarded-by": "modelshare-ml-guardrail" });
      expect(bySid.ProtectDeliveryChannel.Resource).to.equal("*");
    });
  });

  it("registers none of it with the detective settings left at their defaults", async () => {
    await runProgram(
      withConfig(exampleConfig("ml"), (c) => {
        delete c["modelshare:detective"];
        delete c["modelshare:promotion"].bakeSeconds;
      }),
    );
    for (const type of DETECTIVE_TYPES) expect(recorder.ofType(type), type).to.be.empty;
    const scp = parsedPolicy(recorder.byName("aws:organizations/policy:Policy", "modelshare-ml-guardrail-policy"), "content");
    expect(scp.Statement.map((s: any) => s.Sid)).not.to.include.members(["ProtectDetectiveControls", "ProtectConfigRule"]);
  });

  describe("the configuration recorder: reused or created, never a second one", () => {
    const existing = (name: string) => detective((d) => (d.configRule.recorder = { mode: "existing", name }));

    it("uses an existing recorder that records IAM roles (Control Tower's) and creates none", async () => {
      recorder.configRecorders.set(CONTROL_TOWER_RECORDER, { Name: CONTROL_TOWER_RECORDER, RecordingGroup: { AllSupported: true, IncludeGlobalResourceTypes: true } });
      await runProgram(withConfig(exampleConfig("ml"), existing(CONTROL_TOWER_RECORDER)));
      expect(recorder.ofType("aws:cfg/recorder:Recorder")).to.be.empty;
      expect(recorder.ofType("aws:cfg/rule:Rule")).to.have.length(1);
      const scp = parsedPolicy(recorder.byName("aws:organizations/policy:Policy", "modelshare-ml-guardrail-policy"), "content");
      // Control Tower protects its own recorder; modelshare only protects what it created.
      expect(JSON.stringify(scp)).not.to.include("configuration-recorder");
      expect(recorder.lookups.filter((l) => l.token === "aws:cloudcontrol/getResource:getResource").map((l) => l.inputs.identifier)).to.deep.equal([CONTROL_TOWER_RECORDER]);
    });

    it("refuses, naming the key and registering nothing, a recorder that does not exist or records no IAM roles", async () => {
      let error = await rejection(runProgram(withConfig(exampleConfig("ml"), existing("default"))));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include('modelshare:detective.configRule.recorder.name = "default": no configuration recorder of that name in account 111111111111, us-east-1');
      expect(recorder.resources.filter((r) => r.type !== "pulumi:providers:aws")).to.be.empty;
      recorder.configRecorders.set("default", { Name: "default", RecordingGroup: { AllSupported: true, IncludeGlobalResourceTypes: false } });
      error = await rejection(runProgram(withConfig(exampleConfig("ml"), existing("default"))));
      expect(error.message).to.include("records no AWS::IAM::Role in account 111111111111, us-east-1");
    });

    it("refuses to create one where another already records (Control Tower's), and accepts the one it created before", async () => {
      recorder.configRecorders.set(CONTROL_TOWER_RECORDER, { Name: CONTROL_TOWER_RECORDER, RecordingGroup: { AllSupported: true, IncludeGlobalResourceTypes: true } });
      const error = await rejection(runProgram(exampleConfig("ml")));
      expect(error).to.be.instanceOf(ConfigError);
      expect(error.message).to.include(`already has the configuration recorder "${CONTROL_TOWER_RECORDER}"`).and.to.include(`set recorder.mode existing and recorder.name "${CONTROL_TOWER_RECORDER}"`);
      expect(recorder.resources.filter((r) => r.type !== "pulumi:providers:aws")).to.be.empty;
      recorder.configRecorders.clear();
      // Another tool's "default" recording everything is not modelshare's: taking it over would change what it records.
      recorder.configRecorders.set("default", { Name: "default", RecordingGroup: { AllSupported: true, IncludeGlobalResourceTypes: true } });
      expect((await rejection(runProgram(exampleConfig("ml")))).message).to.include('already has the configuration recorder "default"');
      recorder.configRecorders.set("default", { Name: "default", RecordingGroup: { AllSupported: false, ResourceTypes: ["AWS::IAM::Role"] } });
      await runProgram(exampleConfig("ml"));
      expect(recorder.ofType("aws:cfg/recorder:Recorder")).to.have.length(1);
    });
  });

  it("stops with a budget error when the archive rules exceed the analyzer's quota, before registering anything", async () => {
    const error = await rejection(runProgram(withConfig(exampleConfig("ml"), (c) => (c["modelshare:quotas"] = { archiveRulesPerAnalyzer: 2 }))));
    expect(error).to.be.instanceOf(BudgetError);
    expect(error.message).to.match(/access analyzer "modelshare-organization": archive rules .* is 3 archive rules, over the limit of 2 \(modelshare:quotas\.archiveRulesPerAnalyzer/);
    expect(recorder.resources).to.be.empty;
  });
});
