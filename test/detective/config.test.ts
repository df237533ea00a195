import { expect } from "chai";
import { ConfigError } from "../../src/config/problems";
import { problemsOf } from "../helpers/config";
import { exampleConfig, recorder, rejection, runProgram, withConfig } from "../helpers/pulumi";

/** Bad input on the detective side: every problem names its key, all are reported at once, nothing is registered. */

type Edit = (c: Record<string, any>) => void;
const detective = (edit: (d: Record<string, any>) => void): Edit => (c) => edit(c["modelshare:detective"]);
const problems = (edit: Edit) => problemsOf(withConfig(exampleConfig("ml"), edit));

describe("detective settings: validation", () => {
  it("accepts the example (every detective control on, a 600 s bake) and needs none of them (all off by default)", () => {
    expect(problems(() => {})).to.deep.equal([]);
    expect(
      problems((c) => {
        delete c["modelshare:detective"];
        delete c["modelshare:promotion"].bakeSeconds;
      }),
    ).to.deep.equal([]);
  });

  it("names each missing requirement of an enabled control, together", () => {
    const found = problems(
      detective((d) => {
        delete d.accessAnalyzer.roleArn;
        delete d.configRule.recorder.deliveryBucketName;
        delete d.alarms.snsTopicArn;
      }),
    );
    expect(found.some((p) => p.startsWith("modelshare:detective.accessAnalyzer.roleArn = undefined: is required while detective.accessAnalyzer.enabled is true"))).to.equal(true);
    expect(found.some((p) => p.startsWith("modelshare:detective.configRule.recorder.deliveryBucketName = undefined: is required with recorder.mode create"))).to.equal(true);
    expect(found.some((p) => p.startsWith("modelshare:detective.alarms.snsTopicArn = undefined: is required while detective.alarms.enabled is true"))).to.equal(true);
    expect(found).to.have.length(3);
  });

  describe("the SNS topic must be an SNS topic in the ML stack's region", () => {
    const cases: [string, RegExp][] = [
      ["arn:aws:sns:eu-west-1:111111111111:modelshare-model-health", /is in region eu-west-1; CloudWatch alarms notify a topic in their own region \(us-east-1/],
      ["arn:aws:sqs:us-east-1:111111111111:modelshare-model-health", /is an ARN of service "sqs", expected "sns"/],
      ["arn:aws:sns:us-east-1:111111111111:*", /expected 1-256 letters, digits, '_' or '-' \(no wildcard\)/],
      ["arn:aws:sns:us-east-1:1111:topic", /has account "1111", expected 12 digits/],
      ["modelshare-model-health", /is not an ARN/],
      ["arn:aws-us-gov:sns:us-east-1:111111111111:topic", /is in partition aws-us-gov, but the ML stack's is aws/],
    ];
    for (const [arn, message] of cases) {
      it(arn, () => {
        const [problem, ...rest] = problems(detective((d) => (d.alarms.snsTopicArn = arn)));
        expect(rest).to.deep.equal([]);
        expect(problem).to.match(/^modelshare:detective\.alarms\.snsTopicArn = /).and.to.match(message);
      });
    }
    it("also when the alarms are off (a wrong value is never silently kept)", () => {
      expect(problems(detective((d) => ((d.alarms.enabled = false), (d.alarms.snsTopicArn = "not-an-arn")))).join()).to.match(/snsTopicArn = "not-an-arn": is not an ARN/);
    });
  });

  describe("promotion.bakeSeconds", () => {
    it("is an integer from 0 to 7200", () => {
      for (const value of [-1, 7201, 1.5, "600"]) {
        const found = problems((c) => (c["modelshare:promotion"].bakeSeconds = value));
        expect(found, String(value)).to.have.length(1);
        expect(found[0], String(value)).to.match(/^modelshare:promotion\.bakeSeconds = /);
      }
      expect(problems((c) => (c["modelshare:promotion"].bakeSeconds = 7201))[0]).to.include("must be at most 7200");
    });

    it("needs the alarms it watches, and lasts at least one alarm evaluation", () => {
      expect(problems(detective((d) => (d.alarms.enabled = false)))).to.deep.equal([
        "modelshare:promotion.bakeSeconds = 600: needs detective.alarms.enabled: the bake watches the new version's alarms, and without them there is nothing to watch (set 0 to promote without a bake)",
      ]);
      const short = problems((c) => (c["modelshare:promotion"].bakeSeconds = 120));
      expect(short).to.have.length(1);
      expect(short[0]).to.include("is shorter than one alarm evaluation (detective.alarms.periodSeconds 60 x evaluationPeriods 3 = 180 s)");
    });
  });

  it("refuses an alarm period CloudWatch does not take, thresholds below 0 and unknown keys (a typo)", () => {
    const found = problems(
      detective((d) => {
        d.alarms.periodSeconds = 45;
        d.alarms.serverErrorThreshold = -1;
        d.alarms.snsTopic = "arn:aws:sns:us-east-1:111111111111:x";
      }),
    );
    expect(found.find((p) => p.startsWith("modelshare:detective.alarms.periodSeconds = 45"))).to.include("must be 10, 30 or a multiple of 60");
    expect(found.some((p) => p.startsWith("modelshare:detective.alarms.serverErrorThreshold = -1"))).to.equal(true);
    expect(found.some((p) => p.startsWith("modelshare:detective.alarms = undefined: unknown key \"snsTopic\""))).to.equal(true);
  });

  it("puts the analyzer where the organization's analyzers live, never in a consumer account, and where the ML guardrail reaches", () => {
    expect(problems(detective((d) => (d.accessAnalyzer.roleArn = "arn:aws:iam::222222222222:role/analyzer-admin")))).to.deep.equal([
      'modelshare:detective.accessAnalyzer.roleArn = "arn:aws:iam::222222222222:role/analyzer-admin": is in consumer account 222222222222; the organization\'s analyzer belongs in the management account or the delegated administrator account',
    ]);
    expect(problems(detective((d) => (d.accessAnalyzer.roleArn = "arn:aws:iam::555555555555:role/*")))[0]).to.include("not an exact IAM role ARN");
    const targets = problems((c) => (c["modelshare:guardrail"].mlTargetIds = ["111111111111"]));
    expect(targets).to.deep.equal([
      'modelshare:guardrail.mlTargetIds = ["111111111111"]: does not include 555555555555, the account of detective.accessAnalyzer.roleArn: the ML guardrail protects the analyzer there; add it (or an OU that holds it)',
    ]);
    // An OU may hold the account (not knowable offline); the management account is never restricted by SCPs anyway.
    expect(problems((c) => (c["modelshare:guardrail"].mlTargetIds = ["111111111111", "ou-ab12-security1"]))).to.deep.equal([]);
    expect(problems(detective((d) => (d.accessAnalyzer.roleArn = "arn:aws:iam::999999999999:role/analyzer-admin")))).to.deep.equal([]);
    expect(problems(detective((d) => (d.accessAnalyzer.analyzerName = "9-starts-with-a-digit")))[0]).to.match(/^modelshare:detective\.accessAnalyzer\.analyzerName = "9-starts-with-a-digit": must start with a letter/);
  });

  it("keeps the recorder's role in the ML account", () => {
    expect(problems(detective((d) => (d.configRule.recorder.roleArn = "arn:aws:iam::444444444444:role/config")))).to.deep.equal([
      'modelshare:detective.configRule.recorder.roleArn = "arn:aws:iam::444444444444:role/config": is in account 444444444444; the recorder\'s role must be in the ML account 111111111111',
    ]);
  });

  it("registers no resource at all when a detective setting is invalid", async () => {
    const config = withConfig(exampleConfig("ml"), detective((d) => (d.alarms.snsTopicArn = "arn:aws:sns:eu-west-1:111111111111:x")));
    const error = await rejection(runProgram(config));
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.include("modelshare:detective.alarms.snsTopicArn");
    expect(recorder.resources).to.be.empty;
  });
});
