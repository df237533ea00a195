import { DetectCustomLabelsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { smokeTestFunctionCode } from "../../components/SmokeTestFunction";
import { SMOKE_TEST_FUNCTION_ENV } from "../../src/contract";
import { handler, MAX_IMAGE_BYTES } from "../../src/smokeFunction/handler";
import { MAX_IMAGE_BYTES as CONFIG_MAX_IMAGE_BYTES } from "../../src/config/projectChecks";

const SHARED = "arn:aws:iam::111111111111:role/modelshare/modelshare-qa";
const VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const IMAGE = Buffer.from("not really a png, the fake does not care").toString("base64");

describe("smoke-test function handler (aws-sdk-client-mock)", () => {
  // Created when this suite runs, not when the file loads: a stub made at load time would answer every other suite's
  // STS and Rekognition calls until this one ends.
  let sts: AwsClientStub<STSClient>;
  let rekognition: AwsClientStub<RekognitionClient>;
  const saved = { ...process.env };

  before(() => {
    sts = mockClient(STSClient);
    rekognition = mockClient(RekognitionClient);
  });
  beforeEach(() => {
    sts.reset();
    rekognition.reset();
    // The names the consumer stack sets (contract), not the handler's own literals: the two must agree.
    process.env[SMOKE_TEST_FUNCTION_ENV.sharedRoleArn] = SHARED;
    process.env[SMOKE_TEST_FUNCTION_ENV.region] = "us-east-1";
    process.env[SMOKE_TEST_FUNCTION_ENV.useFipsEndpoint] = "false";
    process.env[SMOKE_TEST_FUNCTION_ENV.environment] = "qa";
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: "AKIA-SHARED", SecretAccessKey: "s", SessionToken: "t", Expiration: new Date(Date.now() + 900_000) } });
    rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [{ Name: "scratch", Confidence: 91.5 }] });
  });
  after(() => {
    process.env = saved;
    sts.restore();
    rekognition.restore();
  });

  it("assumes the shared role its environment names (never one from the payload) through regional STS, then calls DetectCustomLabels with the image bytes as that session", async () => {
    const result = await handler({ modelVersionArn: VERSION, imageBase64: IMAGE, minConfidence: 60, sharedRoleArn: "arn:aws:iam::111111111111:role/modelshare/modelshare-prod" });
    expect(result).to.deep.equal({ labels: [{ name: "scratch", confidence: 91.5 }] });
    const assume = sts.commandCalls(AssumeRoleCommand);
    expect(assume).to.have.length(1);
    expect(assume[0].args[0].input).to.deep.include({ RoleArn: SHARED, RoleSessionName: "modelshare-smoke-test-qa" });
    // SDK v3's STS client is regional by default: the STS endpoint's private DNS keeps it in the VPC.
    expect(await (assume[0].thisValue as STSClient).config.region()).to.equal("us-east-1");
    expect((assume[0].thisValue as STSClient).config.endpoint, "no global or custom STS endpoint").to.equal(undefined);
    const detect = rekognition.commandCalls(DetectCustomLabelsCommand);
    expect(detect[0].args[0].input).to.deep.include({ ProjectVersionArn: VERSION, MinConfidence: 60 });
    expect(Buffer.from(detect[0].args[0].input.Image!.Bytes!).toString("base64")).to.equal(IMAGE);
    expect((await (detect[0].thisValue as RekognitionClient).config.credentials()).accessKeyId).to.equal("AKIA-SHARED");
  });

  it("rethrows STS's and Rekognition's errors unchanged, so Lambda reports their names (what verify's retry reads)", async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error("not authorized"), { name: "AccessDenied" }));
    const error = await handler({ modelVersionArn: VERSION, imageBase64: IMAGE, minConfidence: 60 }).then(() => undefined, (e: Error) => e);
    expect(error?.name).to.equal("AccessDenied");
    expect(rekognition.commandCalls(DetectCustomLabelsCommand)).to.have.length(0);
  });

  for (const [what, event] of [
    ["no event", undefined],
    ["a version that is not a version ARN", { modelVersionArn: "arn:aws:iam::111111111111:role/x", imageBase64: IMAGE, minConfidence: 60 }],
    ["a confidence above 100", { modelVersionArn: VERSION, imageBase64: IMAGE, minConfidence: 101 }],
    ["no image", { modelVersionArn: VERSION, imageBase64: "", minConfidence: 60 }],
    ["an image over DetectCustomLabels' 4 MB", { modelVersionArn: VERSION, imageBase64: Buffer.alloc(MAX_IMAGE_BYTES + 1).toString("base64"), minConfidence: 60 }],
  ] as const) {
    it(`refuses ${what} before any AWS call (SmokeTestInputError, not retried by verify)`, async () => {
      const error = await handler(event).then(() => undefined, (e: Error) => e);
      expect(error?.name).to.equal("SmokeTestInputError");
      expect(sts.calls()).to.have.length(0);
    });
  }

  it("refuses to run without the environment the stack sets (a function changed by hand)", async () => {
    delete process.env[SMOKE_TEST_FUNCTION_ENV.sharedRoleArn];
    const error = await handler({ modelVersionArn: VERSION, imageBase64: IMAGE, minConfidence: 60 }).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/MODELSHARE_SHARED_ROLE_ARN/);
    expect(sts.calls()).to.have.length(0);
  });

  describe("in a copy environment (MODELSHARE_SHARING=copy, no shared role)", () => {
    const COPY = "arn:aws:rekognition:us-east-1:555555555555:project/defect-detector-staging/version/defect-detector.2024-09-02T14.30.05/1727000000000";
    const OWN_FUNCTION = { invokedFunctionArn: "arn:aws:lambda:us-east-1:555555555555:function:modelshare-staging-smoke-test" };
    const event = { modelVersionArn: COPY, imageBase64: IMAGE, minConfidence: 60, sharing: "copy" };
    const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: Error) => e);
    const noAwsCall = () => {
      expect(sts.calls(), "STS").to.have.length(0);
      expect(rekognition.calls(), "Rekognition").to.have.length(0);
    };

    beforeEach(() => {
      delete process.env[SMOKE_TEST_FUNCTION_ENV.sharedRoleArn];
      process.env[SMOKE_TEST_FUNCTION_ENV.sharing] = "copy";
      process.env[SMOKE_TEST_FUNCTION_ENV.environment] = "staging";
    });
    afterEach(() => delete process.env[SMOKE_TEST_FUNCTION_ENV.sharing]);

    it("calls the environment's own copy as the function's own role: no AssumeRole", async () => {
      expect(await handler(event, OWN_FUNCTION)).to.deep.equal({ labels: [{ name: "scratch", confidence: 91.5 }] });
      expect(sts.calls()).to.have.length(0);
      const detect = rekognition.commandCalls(DetectCustomLabelsCommand);
      expect(detect[0].args[0].input).to.deep.include({ ProjectVersionArn: COPY, MinConfidence: 60 });
      expect(await (detect[0].thisValue as RekognitionClient).config.region()).to.equal("us-east-1");
    });

    it("refuses a version of another account (the ML account's: a caller that still thinks the environment shares) before any AWS call", async () => {
      const error = await failure(handler({ ...event, modelVersionArn: VERSION }, OWN_FUNCTION));
      expect(error?.name).to.equal("SmokeTestInputError");
      expect(error?.message).to.contain("account 111111111111").and.contain("account 555555555555");
      noAwsCall();
    });

    it("refuses without an invocation context to check the account against", async () => {
      const error = await failure(handler(event));
      expect(error?.name).to.equal("SmokeTestInputError");
      noAwsCall();
    });

    it("refuses a shared role set beside copy mode, an unknown mode, and a bad event, before any AWS call", async () => {
      process.env[SMOKE_TEST_FUNCTION_ENV.sharedRoleArn] = SHARED;
      expect((await failure(handler(event, OWN_FUNCTION)))?.message).to.contain("copy mode").and.contain("MODELSHARE_SHARED_ROLE_ARN");
      delete process.env[SMOKE_TEST_FUNCTION_ENV.sharedRoleArn];
      process.env[SMOKE_TEST_FUNCTION_ENV.sharing] = "both";
      expect((await failure(handler(event, OWN_FUNCTION)))?.message).to.contain('"both"');
      process.env[SMOKE_TEST_FUNCTION_ENV.sharing] = "copy";
      for (const bad of [{ ...event, minConfidence: -1 }, { ...event, modelVersionArn: "*" }, { ...event, sharing: "direct" }]) {
        expect((await failure(handler(bad, OWN_FUNCTION)))?.name).to.equal("SmokeTestInputError");
      }
      noAwsCall();
    });

    it("refuses a verify that expects the other mode, both ways (never a silent switch)", async () => {
      const expectsShare = await failure(handler({ ...event, sharing: "share" }, OWN_FUNCTION));
      expect(expectsShare?.message).to.contain("deployed for copy mode");
      delete process.env[SMOKE_TEST_FUNCTION_ENV.sharing];
      process.env[SMOKE_TEST_FUNCTION_ENV.sharedRoleArn] = SHARED;
      const expectsCopy = await failure(handler(event, OWN_FUNCTION));
      expect(expectsCopy?.message).to.contain("deployed for share mode");
      noAwsCall();
    });

    it("never calls as its own role in share mode: a share function whose shared role variable went missing fails", async () => {
      delete process.env[SMOKE_TEST_FUNCTION_ENV.sharing];
      const error = await failure(handler({ ...event, sharing: undefined }, OWN_FUNCTION));
      expect(error?.message).to.match(/lacks MODELSHARE_SHARED_ROLE_ARN \(share mode\)/);
      noAwsCall();
    });
  });

  it("takes the same image limit as the project checks", () => {
    expect(MAX_IMAGE_BYTES).to.equal(CONFIG_MAX_IMAGE_BYTES);
  });

  it("ships as one CommonJS file that requires nothing but the runtime's AWS SDK v3 (no bundling)", () => {
    const code = smokeTestFunctionCode();
    expect(code).to.match(/exports\.handler = handler/);
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).sort();
    expect(required).to.deep.equal(["@aws-sdk/client-rekognition", "@aws-sdk/client-sts"]);
    expect(smokeTestFunctionCode(), "the same bytes for the same source").to.equal(code);
  });
});
