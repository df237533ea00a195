import { DetectCustomLabelsCommand } from "@aws-sdk/client-rekognition";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import {
  CallTimeoutError,
  ConfigError,
  ModelClient,
  ModelClientEvent,
  ModelClientOptions,
  ModelNotRunningError,
  NOT_COPIED_YET,
  NotCopiedYetError,
  NotGrantedError,
  SessionRejectedError,
} from "@modelshare/client";
import { parameterName } from "../../src/contract";
import { NOT_COPIED_YET as STACK_PLACEHOLDER } from "../../src/config/copy";
import { AwsMocks, awsError, calledVersions, COPY1, COPY2, copyParameters, CONSUMER_ACCOUNT, mockAws, ML_ACCOUNT, parameterReads, REGION, rekognitionClientOfCall, ROLE, V1 } from "./helpers/aws";
import { makePng } from "./helpers/images";
import { rejection } from "./helpers/rejection";

const image = makePng(120, 80);
const APP_CREDENTIALS = { accessKeyId: "APPLICATION", secretAccessKey: "application-secret" };

/**
 * Copy mode (issue 14): an environment whose parameters have no shared-role-arn calls its own copy with the
 * application's own credentials. The client refuses, with the cause named, every way that could hide a problem: a
 * share environment that lost its shared-role-arn, an empty role value, a stray role beside a copy, the
 * "nothing copied yet" placeholder.
 */
describe("ModelClient in a copy environment (no shared role)", () => {
  let mocks: AwsMocks;
  let events: ModelClientEvent[];
  let stsClientsBuilt: number;
  const options = (extra: ModelClientOptions = {}): ModelClientOptions => ({
    region: REGION,
    baseCredentials: async () => APP_CREDENTIALS,
    onEvent: (e) => events.push(e),
    clientFactories: {
      sts: (config) => {
        stsClientsBuilt++;
        return new STSClient(config);
      },
    },
    ...extra,
  });
  const fromEnvironment = (extra: ModelClientOptions = {}) => ModelClient.fromEnvironment("qa", options(extra));

  beforeEach(() => {
    mocks = mockAws();
    events = [];
    stsClientsBuilt = 0;
  });
  afterEach(() => mocks.restore());

  const noStsAtAll = () => {
    expect(stsClientsBuilt, "STS clients built").to.equal(0);
    expect(mocks.sts.calls(), "STS calls").to.have.length(0);
  };

  it("calls the environment's own copy with the application's own credentials: no STS client, no AssumeRole", async () => {
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({}));
    mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [{ Name: "scratch", Confidence: 90 }] });
    const client = fromEnvironment();
    const detection = await client.detect(image);
    expect(detection.labels.map((l) => l.name)).to.deep.equal(["scratch"]);
    expect(detection.target).to.deep.equal({ modelVersionArn: COPY1, region: REGION, useFipsEndpoint: false });
    expect(detection.target).not.to.have.property("sharedRoleArn");
    expect(calledVersions(mocks)).to.deep.equal([COPY1]);
    expect((await rekognitionClientOfCall(mocks).config.credentials()).accessKeyId).to.equal("APPLICATION");
    noStsAtAll();
    expect(client.counters().credentials.lookups).to.equal(0);
    expect(events.some((e) => e.type.startsWith("credentials-"))).to.equal(false);
    client.destroy();
  });

  it("an application without any credentials is told so, not that the SSM endpoint did not answer (new-user review)", async () => {
    const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
    mocks.ssm.on(GetParametersCommand).rejects(noCredentials);
    const error = (await rejection(fromEnvironment().detectLabels(image))) as Error;
    expect(error.message, error.message).to.contain("the application has no AWS credentials").and.not.to.contain("did not answer");
    noStsAtAll();
  });

  it("refuses a share environment whose shared-role-arn parameter went missing: no direct call to the ML account's version", async () => {
    // The consumer account's parameters still name the ML account's version: the shared role is what is missing.
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({ modelVersionArn: V1 }));
    const error = await rejection(fromEnvironment().detectLabels(image));
    expect(error).to.be.instanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.key)).to.deep.equal([parameterName("qa", "sharedRoleArn")]);
    expect(problems[0].message).to.contain(`account ${ML_ACCOUNT}`).and.contain(`account ${CONSUMER_ACCOUNT}`).and.contain("redeploy");
    expect(mocks.rekognition.calls()).to.have.length(0);
    noStsAtAll();
  });

  it("refuses to call without a shared role when SSM does not say which account holds the parameters", async () => {
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({}, { withArns: false }));
    const error = await rejection(fromEnvironment().detectLabels(image));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).message).to.contain("cannot be confirmed").and.contain(parameterName("qa", "sharedRoleArn"));
    expect(mocks.rekognition.calls()).to.have.length(0);
  });

  it("refuses a stray shared role beside a copy (a role of another account than the version): no AssumeRole", async () => {
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({ sharedRoleArn: ROLE }));
    const error = await rejection(fromEnvironment().detectLabels(image));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).message).to.contain(`is in account ${ML_ACCOUNT}, the model version in ${CONSUMER_ACCOUNT}`);
    expect(mocks.callCount()).to.equal(1); // the GetParameters
  });

  it("treats an empty (blank) shared-role-arn as an error, never as copy mode", async () => {
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({ sharedRoleArn: "  " }));
    const error = await rejection(fromEnvironment().detectLabels(image));
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).message).to.contain(parameterName("qa", "sharedRoleArn")).and.contain("is empty");
    expect(mocks.rekognition.calls()).to.have.length(0);
    for (const blank of ["", " "]) {
      expect(() => ModelClient.fromExplicit({ modelVersionArn: COPY1, sharedRoleArn: blank, region: REGION }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.contains("sharedRoleArn")
        .and.contains("is empty");
    }
  });

  describe("before the first copy (model-version-arn is NOT_COPIED_YET)", () => {
    it("is the placeholder the consumer stack writes", () => {
      expect(STACK_PLACEHOLDER).to.equal(NOT_COPIED_YET);
    });

    it("fails with NotCopiedYetError naming the parameter and `modelshare promote`, with no AWS call but the read; follows the first promotion without a restart", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(copyParameters({ modelVersionArn: NOT_COPIED_YET }));
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [] });
      const client = fromEnvironment({ failureCacheMs: 0, failureCacheMaxMs: 0 });
      const error = await rejection(client.detectLabels(image));
      expect(error).to.be.instanceOf(NotCopiedYetError);
      expect((error as NotCopiedYetError).key).to.equal(parameterName("qa", "modelVersionArn"));
      expect((error as NotCopiedYetError).environment).to.equal("qa");
      expect((error as Error).message).to.contain("nothing to call").and.contain("modelshare promote --env qa");
      expect(mocks.rekognition.calls()).to.have.length(0);
      noStsAtAll();
      // Promotion copied, started and switched: the next call reads the parameters again and calls the copy.
      mocks.ssm.on(GetParametersCommand).resolves(copyParameters({ modelVersionArn: COPY1 }));
      await client.detectLabels(image);
      expect(calledVersions(mocks)).to.deep.equal([COPY1]);
      expect(parameterReads(mocks)).to.equal(2);
      client.destroy();
    });

    it("is refused by fromExplicit at once (NotCopiedYetError), and listed with the other problems when there are some", () => {
      expect(() => ModelClient.fromExplicit({ modelVersionArn: NOT_COPIED_YET, region: REGION })).to.throw(NotCopiedYetError);
      expect(() => ModelClient.fromExplicit({ modelVersionArn: NOT_COPIED_YET, region: "Ireland" }))
        .to.throw(ConfigError)
        .that.satisfies((e: ConfigError) => e.problems.map((p) => p.key).join() === "modelVersionArn,region");
    });
  });

  it("fromExplicit without sharedRoleArn calls the version directly (the smoke test's copy mode)", async () => {
    mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [{ Name: "ok", Confidence: 99 }] });
    const client = ModelClient.fromExplicit({ modelVersionArn: COPY1, region: REGION, sharedRoleArn: undefined }, options());
    expect(await client.currentTarget()).to.deep.equal({ modelVersionArn: COPY1, region: REGION, useFipsEndpoint: false });
    expect((await client.detectLabels(image)).map((l) => l.name)).to.deep.equal(["ok"]);
    expect((await rekognitionClientOfCall(mocks).config.credentials()).accessKeyId).to.equal("APPLICATION");
    noStsAtAll();
    client.destroy();
  });

  it("follows a promotion to a new copy: a refused call (old copy deleted) re-reads the parameters and retries once on the new copy", async () => {
    mocks.ssm.on(GetParametersCommand).resolvesOnce(copyParameters({ modelVersionArn: COPY1 })).resolves(copyParameters({ modelVersionArn: COPY2 }));
    mocks.rekognition.on(DetectCustomLabelsCommand, { ProjectVersionArn: COPY1 }).rejects(awsError("ResourceNotFoundException"));
    mocks.rekognition.on(DetectCustomLabelsCommand, { ProjectVersionArn: COPY2 }).resolves({ CustomLabels: [] });
    const client = fromEnvironment();
    const detection = await client.detect(image);
    expect(detection.target.modelVersionArn).to.equal(COPY2);
    expect(calledVersions(mocks)).to.deep.equal([COPY1, COPY2]);
    expect(client.counters().calls.retriedWithNewTarget).to.equal(1);
    expect(client.counters().credentials.dropped).to.equal(0);
    noStsAtAll();
    client.destroy();
  });

  it("says a denial is about its own copies and credentials, and does not retry it with a session it does not have", async () => {
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({}));
    mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("AccessDeniedException"));
    const client = fromEnvironment();
    const error = await rejection(client.detectLabels(image));
    expect(error).to.be.instanceOf(NotGrantedError);
    expect((error as Error).message).to.contain("the application's own credentials").and.contain("copy.versions");
    expect(client.counters().calls.retriedWithNewSession).to.equal(0);
    expect(events.some((e) => e.type === "credentials-dropped")).to.equal(false);
    client.destroy();
  });

  it("names promotion (not `model start`) when the copy is not running, and the application's credentials when they are refused", async () => {
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({}));
    mocks.rekognition.on(DetectCustomLabelsCommand).rejectsOnce(awsError("ResourceNotReadyException")).rejects(awsError("ExpiredTokenException"));
    const client = fromEnvironment();
    const notRunning = await rejection(client.detectLabels(image));
    expect(notRunning).to.be.instanceOf(ModelNotRunningError);
    expect((notRunning as Error).message).to.contain("modelshare promote").and.not.contain("model start");
    const expired = await rejection(client.detectLabels(image));
    expect(expired).to.be.instanceOf(SessionRejectedError);
    expect((expired as Error).message).to.contain("the application's own credentials");
    client.destroy();
  });

  it("keeps the call's deadline", async () => {
    mocks.ssm.on(GetParametersCommand).resolves(copyParameters({}));
    mocks.rekognition.on(DetectCustomLabelsCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();
    const error = await rejection(fromEnvironment({ timeoutMs: 100 }).detectLabels(image));
    expect(error).to.be.instanceOf(CallTimeoutError).with.property("waitingFor", "rekognition");
    expect(Date.now() - started).to.be.below(2000);
  });
});
