import { DetectCustomLabelsCommand } from "@aws-sdk/client-rekognition";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import {
  ConfigError,
  ImageInput,
  ImageReadError,
  ImageRejectedError,
  InvalidArgumentError,
  ModelClient,
  ModelClientEvent,
  ModelClientOptions,
  ModelNotRunningError,
  NotGrantedError,
  RekognitionCallError,
  ThrottledError,
} from "@modelshare/client";
import { parameterName } from "../../src/contract";
import {
  AwsMocks,
  awsError,
  calledVersions,
  mockAws,
  parameterReads,
  parameters,
  rekognitionClientOfCall,
  ROLE,
  V1,
  V2,
} from "./helpers/aws";
import { makeJpeg, makePng } from "./helpers/images";
import { until } from "./helpers/until";
import { rejection } from "./helpers/rejection";

const image = makePng(120, 80);
const SECOND = 1000;


describe("ModelClient", () => {
  let mocks: AwsMocks;
  let now: number;
  let events: ModelClientEvent[];
  const fromEnvironment = (options: ModelClientOptions = {}) =>
    ModelClient.fromEnvironment("qa", { region: "eu-west-1", now: () => now, onEvent: (e) => events.push(e), ...options });

  beforeEach(() => {
    mocks = mockAws();
    now = 1_000_000;
    events = [];
  });
  afterEach(() => mocks.restore());

  describe("parameters", () => {
    it("reads the environment's three parameters in one call and calls the version they name", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(parameters({}));
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [] });
      await fromEnvironment().detectLabels(image);
      expect(mocks.ssm.commandCalls(GetParametersCommand)[0].args[0].input.Names).to.have.members([
        "/modelshare/qa/model-version-arn",
        "/modelshare/qa/shared-role-arn",
        "/modelshare/qa/region",
        "/modelshare/qa/use-fips-endpoint",
      ]);
      expect(calledVersions(mocks)).to.deep.equal([V1]);
      expect(await rekognitionClientOfCall(mocks).config.region()).to.equal("eu-west-1");
    });

    it("re-reads them in the background after the TTL and follows a promotion without a new client", async () => {
      mocks.ssm.on(GetParametersCommand).resolvesOnce(parameters({ modelVersionArn: V1 })).resolves(parameters({ modelVersionArn: V2 }));
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [] });
      const client = fromEnvironment({ parameterTtlMs: 60 * SECOND });

      await client.detectLabels(image);
      now += 59 * SECOND;
      await client.detectLabels(image);
      expect(parameterReads(mocks)).to.equal(1);

      now += 1 * SECOND;
      await client.detectLabels(image); // served V1 at once; the re-read runs behind it
      await until(() => events.some((e) => e.type === "parameters-read" && e.reason === "ttl"));
      await client.detectLabels(image);
      expect(parameterReads(mocks)).to.equal(2);
      expect(calledVersions(mocks)).to.deep.equal([V1, V1, V1, V2]);
    });

    it("keeps the last good values when a periodic re-read fails, and backs off before the next one", async () => {
      mocks.ssm
        .on(GetParametersCommand)
        .resolvesOnce(parameters({ modelVersionArn: V1 }))
        .rejectsOnce(awsError("InternalServerError", "boom", undefined, 500))
        .resolves(parameters({ modelVersionArn: V2 }));
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [] });
      const client = fromEnvironment({ parameterTtlMs: 60 * SECOND, failureCacheMs: 10 * SECOND });

      await client.detectLabels(image);
      now += 60 * SECOND;
      await client.detectLabels(image); // stale V1 served; its re-read fails behind it
      await until(() => events.some((e) => e.type === "parameters-refresh-failed"));
      now += 4 * SECOND;
      await client.detectLabels(image); // within the backoff (5-10 s): no read
      expect(parameterReads(mocks)).to.equal(2);
      now += 6 * SECOND;
      await client.detectLabels(image); // backoff over: V1 served, re-read again
      await until(() => parameterReads(mocks) === 3 && events.filter((e) => e.type === "parameters-read").length === 2);
      await client.detectLabels(image);
      expect(calledVersions(mocks)).to.deep.equal([V1, V1, V1, V1, V2]);
      const failed = events.find((e) => e.type === "parameters-refresh-failed");
      expect(failed).to.have.property("retryInMs").within(5 * SECOND, 10 * SECOND);
    });

    it("fails the first call when the parameters are missing, naming each missing parameter", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(parameters({ region: "" }));
      const error = await rejection(fromEnvironment().detectLabels(image));
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.key)).to.deep.equal([parameterName("qa", "region")]);
      expect((error as ConfigError).message).to.contain("is missing").and.contain("consumer stack");
      expect(mocks.rekognition.calls()).to.have.length(0);
    });

    it("refuses parameters whose region differs from the model version's", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(parameters({ region: "eu-central-1" }));
      const error = await rejection(fromEnvironment().detectLabels(image));
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).message).to.contain("eu-central-1").and.contain("model version's region eu-west-1");
    });

    it("refuses an environment name that cannot name parameters, before any call", () => {
      expect(() => ModelClient.fromEnvironment("QA/prod")).to.throw(InvalidArgumentError).with.property("argument", "environment");
      expect(mocks.callCount()).to.equal(0);
    });
  });

  describe("after a promotion revokes the version in use", () => {
    it("re-reads the parameters at once when denied, and retries once with the new version", async () => {
      mocks.ssm.on(GetParametersCommand).resolvesOnce(parameters({ modelVersionArn: V1 })).resolves(parameters({ modelVersionArn: V2 }));
      mocks.rekognition
        .on(DetectCustomLabelsCommand, { ProjectVersionArn: V1 })
        .rejects(awsError("AccessDeniedException", "not authorized to perform rekognition:DetectCustomLabels"))
        .on(DetectCustomLabelsCommand, { ProjectVersionArn: V2 })
        .resolves({ CustomLabels: [{ Name: "weld-crack", Confidence: 91.5 }] });
      const client = fromEnvironment({ parameterTtlMs: 60 * SECOND });

      await client.detectLabels(image); // first call: read V1 (now revoked), denied, re-read V2, retried
      const labels = await client.detectLabels(image); // later call: V2 directly, no further read within the TTL
      expect(labels).to.deep.equal([{ name: "weld-crack", confidence: 91.5 }]);
      expect(calledVersions(mocks)).to.deep.equal([V1, V2, V2]);
      expect(parameterReads(mocks)).to.equal(2);
      const retry = events.find((e) => e.type === "retrying-with-new-target");
      expect(retry).to.deep.include({ after: "AccessDeniedException" });
    });

    it("also follows a version that was stopped after the promotion (ResourceNotReady)", async () => {
      mocks.ssm.on(GetParametersCommand).resolvesOnce(parameters({ modelVersionArn: V1 })).resolves(parameters({ modelVersionArn: V2 }));
      mocks.rekognition
        .on(DetectCustomLabelsCommand, { ProjectVersionArn: V1 })
        .rejects(awsError("ResourceNotReadyException"))
        .on(DetectCustomLabelsCommand, { ProjectVersionArn: V2 })
        .resolves({ CustomLabels: [] });
      expect((await fromEnvironment().detect(image)).target.modelVersionArn).to.equal(V2);
    });

    it("reports NotGrantedError when the parameters still name the denied version and a fresh session is denied too", async () => {
      mocks.ssm.on(GetParametersCommand).resolves(parameters({ modelVersionArn: V1 }));
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("AccessDeniedException"));
      const error = await rejection(fromEnvironment().detectLabels(image));
      expect(error).to.be.instanceOf(NotGrantedError);
      expect((error as NotGrantedError).message).to.contain(V1).and.contain(ROLE);
      expect((error as NotGrantedError).hint).to.contain('not granted to environment "qa"');
      // One re-read (same version) and one new session (a revoke of the role's sessions also shows as AccessDenied).
      expect(calledVersions(mocks)).to.deep.equal([V1, V1]);
      expect(parameterReads(mocks)).to.equal(2);
      expect(mocks.sts.commandCalls(AssumeRoleCommand)).to.have.length(2);
    });

    it("does not look for a replacement when built from explicit values", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("AccessDeniedException"));
      const client = ModelClient.fromExplicit({ modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" });
      const error = await rejection(client.detectLabels(image));
      expect(error).to.be.instanceOf(NotGrantedError);
      expect((error as NotGrantedError).hint).to.contain("not granted to this environment");
      expect(mocks.ssm.calls()).to.have.length(0);
    });
  });

  describe("errors", () => {
    const explicit = () => ModelClient.fromExplicit({ modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" });

    it("maps a model that is not running to ModelNotRunningError with the start command", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("ResourceNotReadyException"));
      const error = await rejection(explicit().detectLabels(image));
      expect(error).to.be.instanceOf(ModelNotRunningError);
      expect((error as Error).message).to.contain(`model not RUNNING: start it with \`modelshare model start --version ${V1}\``);
    });

    it("maps throttling that outlasted the SDK's retries to ThrottledError, with the attempts made", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("ProvisionedThroughputExceededException", "slow down", 5));
      const error = await rejection(explicit().detectLabels(image));
      expect(error).to.be.instanceOf(ThrottledError);
      expect((error as ThrottledError).attempts).to.equal(5);
      expect((error as Error).message).to.contain("after 5 attempts");
    });

    it("maps an image Rekognition refuses (damaged data behind a valid header) to ImageRejectedError", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("InvalidImageFormatException", "Request has invalid image format"));
      const error = await rejection(explicit().detectLabels(image));
      expect(error).to.be.instanceOf(ImageRejectedError);
      expect((error as Error).message).to.contain("InvalidImageFormatException").and.contain("decodable PNG or JPEG");
    });

    it("refuses an { s3 } image before any AWS call, saying the shared role cannot read S3 and what to send instead", async () => {
      const client = explicit();
      const error = await rejection(client.detectLabels({ s3: { bucket: "images-qa", key: "parts/1.png" } } as never));
      expect(error).to.be.instanceOf(InvalidArgumentError);
      expect((error as Error).message)
        .to.contain("an S3 image is not supported")
        .and.contain("the caller is the shared role, which may call only rekognition:DetectCustomLabels")
        .and.contain("pass its bytes");
      expect(mocks.sts.calls()).to.have.length(0);
      expect(mocks.rekognition.calls()).to.have.length(0);
    });

    it("maps a Rekognition 5xx to RekognitionCallError whose hint names the service, not the network", async () => {
      const serverError = awsError("InternalServerError", "internal error", 3, 500);
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(serverError);
      const error = await rejection(explicit().detectLabels(image));
      expect(error).to.be.instanceOf(RekognitionCallError).with.property("kind", "server");
      expect((error as RekognitionCallError).cause).to.equal(serverError);
      expect((error as Error).message).to.contain("HTTP 500 InternalServerError").and.contain("after 3 attempts");
      expect((error as RekognitionCallError).hint).to.contain("Rekognition side, not the network");
    });

    it("maps a connection failure to RekognitionCallError naming the endpoint to check", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }));
      const error = await rejection(explicit().detectLabels(image));
      expect(error).to.be.instanceOf(RekognitionCallError).with.property("kind", "network");
      expect((error as RekognitionCallError).hint).to.contain("com.amazonaws.eu-west-1.rekognition");
    });

    it("retries through the SDK's standard retry strategy, 3 attempts by default; adaptive only when chosen", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [] });
      await explicit().detectLabels(image);
      const config = rekognitionClientOfCall(mocks).config;
      expect(await config.maxAttempts()).to.equal(3);
      const strategy = await config.retryStrategy();
      expect("mode" in strategy && strategy.mode).to.equal("standard");

      const adaptive = ModelClient.fromExplicit({ modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" }, { retry: { mode: "adaptive", maxAttempts: 5 } });
      await adaptive.detectLabels(image);
      const chosen = rekognitionClientOfCall(mocks, 1).config;
      expect(await chosen.maxAttempts()).to.equal(5);
      const chosenStrategy = await chosen.retryStrategy();
      expect("mode" in chosenStrategy && chosenStrategy.mode).to.equal("adaptive");
    });

    it("refuses a retry option outside its range, and deprecated aliases that contradict it", () => {
      const target = { modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" };
      expect(() => ModelClient.fromExplicit(target, { retry: { maxAttempts: 0 } })).to.throw(InvalidArgumentError).with.property("argument", "retry.maxAttempts");
      expect(() => ModelClient.fromExplicit(target, { retry: { mode: "eager" as "standard" } })).to.throw(InvalidArgumentError).with.property("argument", "retry.mode");
      expect(() => ModelClient.fromExplicit(target, { retry: { mode: "standard" }, retryMode: "adaptive" })).to.throw(InvalidArgumentError).with.property("argument", "retryMode");
      expect(() => ModelClient.fromExplicit(target, { timeoutMs: 0 })).to.throw(InvalidArgumentError).with.property("argument", "timeoutMs");
      expect(() => ModelClient.fromExplicit(target, { failureCacheMs: 5000, failureCacheMaxMs: 1000 })).to.throw(InvalidArgumentError).with.property("argument", "failureCacheMaxMs");
    });

    it("checks minConfidence, maxResults, timeoutMs and signal before any call", async () => {
      const client = explicit();
      const tooConfident = await rejection(client.detectLabels(image, { minConfidence: 101 }));
      expect(tooConfident).to.be.instanceOf(InvalidArgumentError);
      expect((tooConfident as Error).message).to.equal("minConfidence = 101: must be a number from 0 to 100 (percent)");
      expect(await rejection(client.detectLabels(image, { maxResults: 2.5 }))).to.be.instanceOf(InvalidArgumentError);
      expect(await rejection(client.detectLabels(image, { timeoutMs: 0 }))).to.be.instanceOf(InvalidArgumentError).with.property("argument", "timeoutMs");
      expect(await rejection(client.detectLabels(image, { signal: "soon" as unknown as AbortSignal }))).to.be.instanceOf(InvalidArgumentError).with.property("argument", "signal");
      expect(mocks.callCount()).to.equal(0);
    });
  });

  describe("requests and results", () => {
    it("sends bytes as Rekognition expects, with the filters", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [] });
      const client = ModelClient.fromExplicit({ modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" });
      const jpeg = makeJpeg(640, 480);
      await client.detectLabels({ bytes: jpeg }, { minConfidence: 70, maxResults: 3 });
      const inputs = mocks.rekognition.commandCalls(DetectCustomLabelsCommand).map((c) => c.args[0].input);
      expect(inputs[0]).to.deep.include({ ProjectVersionArn: V1, MinConfidence: 70, MaxResults: 3 });
      expect(inputs[0].Image?.Bytes).to.equal(jpeg);
      expect(inputs).to.have.length(1);
    });

    it("returns typed labels with geometry when the model gives it", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).resolves({
        CustomLabels: [
          {
            Name: "bolt",
            Confidence: 98.25,
            Geometry: { BoundingBox: { Left: 0.1, Top: 0.2, Width: 0.3, Height: 0.4 }, Polygon: [{ X: 0.1, Y: 0.2 }] },
          },
          { Name: "rust", Confidence: 75 },
        ],
      });
      const client = ModelClient.fromExplicit({ modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" });
      expect(await client.detectLabels(image)).to.deep.equal([
        {
          name: "bolt",
          confidence: 98.25,
          geometry: { boundingBox: { left: 0.1, top: 0.2, width: 0.3, height: 0.4 }, polygon: [{ x: 0.1, y: 0.2 }] },
        },
        { name: "rust", confidence: 75 },
      ]);
    });

    it("refuses an input it does not know and a file it cannot read, before any call", async () => {
      const client = ModelClient.fromExplicit({ modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" });
      const unknown = await rejection(client.detectLabels({ url: "https://example.com/a.jpg" } as unknown as ImageInput));
      expect(unknown).to.be.instanceOf(InvalidArgumentError).with.property("argument", "image");
      const unreadable = await rejection(client.detectLabels({ path: "/nonexistent/part.jpg" }));
      expect(unreadable).to.be.instanceOf(ImageReadError).with.property("path", "/nonexistent/part.jpg");
      expect(mocks.callCount()).to.equal(0);
    });

    it("refuses explicit values that are not a version ARN, a role ARN and a matching region, naming each", () => {
      expect(() =>
        ModelClient.fromExplicit({ modelVersionArn: "arn:aws:rekognition:eu-west-1:111122223333:project/parts/1700000000001", sharedRoleArn: "modelshare-qa", region: "Ireland" }),
      )
        .to.throw(ConfigError)
        .that.satisfies((error: ConfigError) => {
          expect(error.problems.map((p) => p.key)).to.deep.equal(["modelVersionArn", "sharedRoleArn", "region"]);
          return true;
        });
    });
  });
});
