import { DetectCustomLabelsCommand } from "@aws-sdk/client-rekognition";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { AssumeRoleError, InvalidArgumentError, ModelClient, sharedRoleCredentials } from "@modelshare/client";
import {
  assumeRoleCalls,
  assumeRoleOutput,
  AwsMocks,
  awsError,
  mockAws,
  parameters,
  rekognitionClientOfCall,
  ROLE,
  stsClientOfCall,
  V1,
} from "./helpers/aws";
import { makePng } from "./helpers/images";
import { until } from "./helpers/until";

const T0 = Date.parse("2026-03-01T10:00:00Z");
const MINUTE = 60_000;

describe("shared-role credentials", () => {
  let mocks: AwsMocks;
  let now: number;
  const provider = () =>
    sharedRoleCredentials({
      sts: new STSClient({ region: "eu-west-1", endpoint: "https://sts.eu-west-1.amazonaws.com" }),
      stsEndpoint: "https://sts.eu-west-1.amazonaws.com",
      roleArn: ROLE,
      roleSessionName: "modelshare-qa",
      durationSeconds: 3600,
      refreshWindowMs: 5 * MINUTE,
      now: () => now,
    });

  beforeEach(() => {
    mocks = mockAws();
    now = T0;
  });
  afterEach(() => mocks.restore());

  it("reuses credentials while more than the refresh window is left, and replaces them in the background inside it", async () => {
    mocks.sts
      .on(AssumeRoleCommand)
      .resolvesOnce(assumeRoleOutput("FIRST", new Date(T0 + 60 * MINUTE)))
      .resolvesOnce(assumeRoleOutput("SECOND", new Date(T0 + 116 * MINUTE)));
    const credentials = provider();

    expect((await credentials()).accessKeyId).to.equal("FIRST");
    now = T0 + 54 * MINUTE; // 6 minutes left: still used
    expect((await credentials()).accessKeyId).to.equal("FIRST");
    expect(assumeRoleCalls(mocks)).to.have.length(1);

    now = T0 + 56 * MINUTE; // 4 minutes left: still valid, so served at once while AssumeRole runs behind the call
    expect((await credentials()).accessKeyId).to.equal("FIRST");
    expect(assumeRoleCalls(mocks)).to.have.length(2);
    await until(async () => (await credentials()).accessKeyId === "SECOND");
    const refreshed = await credentials();
    expect(refreshed.expiration?.getTime()).to.equal(T0 + 116 * MINUTE);
    expect(assumeRoleCalls(mocks)).to.have.length(2);
  });

  it("makes one AssumeRole for concurrent first calls", async () => {
    mocks.sts.on(AssumeRoleCommand).resolves(assumeRoleOutput("ONLY", new Date(T0 + 60 * MINUTE)));
    const credentials = provider();
    const keys = await Promise.all([credentials(), credentials(), credentials()]);
    expect(keys.map((k) => k.accessKeyId)).to.deep.equal(["ONLY", "ONLY", "ONLY"]);
    expect(assumeRoleCalls(mocks)).to.have.length(1);
  });

  it("keeps using still-valid credentials when an early refresh fails, and fails once they are in their last minute", async () => {
    mocks.sts
      .on(AssumeRoleCommand)
      .resolvesOnce(assumeRoleOutput("FIRST", new Date(T0 + 60 * MINUTE)))
      .rejects(awsError("ServiceUnavailable", "STS is having a moment", 3, 503));
    const credentials = provider();
    await credentials();

    now = T0 + 58 * MINUTE;
    expect((await credentials()).accessKeyId).to.equal("FIRST");
    now = T0 + 59 * MINUTE + 1;
    const error = await credentials().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(AssumeRoleError);
    expect((error as AssumeRoleError).denied).to.equal(false);
    expect((error as AssumeRoleError).kind).to.equal("server");
    expect((error as AssumeRoleError).message).to.contain("HTTP 503 ServiceUnavailable").and.contain("sts.eu-west-1.amazonaws.com");
    // An STS 5xx is STS's failure: the hint must not send the operator to the network.
    expect((error as AssumeRoleError).hint).to.contain("STS side, not the network").and.not.contain("did not answer");
  });

  it("names the real cause of each kind of STS failure in the hint", async () => {
    const cases: Array<[Error, string, string]> = [
      [awsError("Throttling", "Rate exceeded"), "throttled", "rate-limiting AssumeRole"],
      [awsError("ExpiredToken", "The security token included in the request is expired", 1, 403), "expired-token", "application's own credentials"],
      [awsError("InvalidClientTokenId", "The security token included in the request is invalid", 1, 403), "invalid-token", "application's own credentials"],
      [awsError("SignatureDoesNotMatch", "signature", 1, 403), "signature", "clock is off"],
      [awsError("RegionDisabledException", "STS is not activated in this region", 1, 403), "region-disabled", "activate the region"],
      [awsError("ValidationError", "DurationSeconds exceeds the MaxSessionDuration", 1, 400), "invalid-request", "MaxSessionDuration"],
      [Object.assign(new Error("getaddrinfo ENOTFOUND sts.eu-west-1.amazonaws.com"), { code: "ENOTFOUND" }), "network", "did not answer"],
    ];
    for (const [cause, kind, hint] of cases) {
      mocks.sts.on(AssumeRoleCommand).rejects(cause);
      const error = await provider()().then(() => undefined, (e: unknown) => e);
      expect(error, kind).to.be.instanceOf(AssumeRoleError).with.property("kind", kind);
      expect((error as AssumeRoleError).hint, kind).to.contain(hint);
    }
  });

  it("turns a refused AssumeRole into AssumeRoleError with a trust hint", async () => {
    mocks.sts.on(AssumeRoleCommand).rejects(awsError("AccessDenied", "not authorized to perform sts:AssumeRole"));
    const error = await provider()().then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(AssumeRoleError);
    expect((error as AssumeRoleError).denied).to.equal(true);
    expect((error as AssumeRoleError).hint).to.contain("not trusted by the shared role");
    expect((error as AssumeRoleError).message).to.contain(ROLE);
  });
});

describe("ModelClient and STS", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
    mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [] });
    mocks.sts.on(AssumeRoleCommand).resolves(assumeRoleOutput("ASSUMED", new Date(Date.now() + 60 * MINUTE)));
  });
  afterEach(() => mocks.restore());

  /** Detects once, then resolves the Rekognition client's credentials the way the SDK does when signing. */
  async function credentialsAfterOneCall(client: ModelClient): Promise<string> {
    await client.detectLabels(makePng(100, 100));
    return (await rekognitionClientOfCall(mocks).config.credentials()).accessKeyId;
  }

  async function stsHostname(): Promise<string> {
    const endpoint = await stsClientOfCall(mocks).config.endpoint?.();
    return `${endpoint?.protocol}//${endpoint?.hostname}`;
  }

  it("signs Rekognition calls with the shared role's session, assumed through the regional STS endpoint", async () => {
    mocks.ssm.onAnyCommand().resolves(parameters({}));
    const client = ModelClient.fromEnvironment("qa", { region: "eu-west-1", externalId: "consumer-qa" });
    expect(await credentialsAfterOneCall(client)).to.equal("ASSUMED");
    expect(assumeRoleCalls(mocks)[0].args[0].input).to.deep.equal({
      RoleArn: ROLE,
      RoleSessionName: "modelshare-qa",
      ExternalId: "consumer-qa",
      DurationSeconds: 3600,
    });
    expect(await stsHostname()).to.equal("https://sts.eu-west-1.amazonaws.com");
    expect(await stsClientOfCall(mocks).config.region()).to.equal("eu-west-1");
  });

  it("never signs with shared-role credentials in their last minute; inside the refresh window it replaces them behind the calls", async () => {
    let now = Date.now();
    mocks.sts
      .on(AssumeRoleCommand)
      .resolvesOnce(assumeRoleOutput("NEAR-EXPIRY", new Date(now + 4 * MINUTE)))
      .resolves(assumeRoleOutput("FRESH", new Date(now + 60 * MINUTE)));
    const client = ModelClient.fromExplicit({ modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" }, { now: () => now });
    // 4 minutes left: valid, so the call signs with it at once while a background AssumeRole replaces it.
    expect(await credentialsAfterOneCall(client)).to.equal("NEAR-EXPIRY");
    await until(() => assumeRoleCalls(mocks).length === 2);
    now += 3 * MINUTE + 30_000; // 30 s left: the SDK's next signature gets the replacement, never the old session
    expect((await rekognitionClientOfCall(mocks).config.credentials()).accessKeyId).to.equal("FRESH");
    expect(assumeRoleCalls(mocks)).to.have.length(2);
  });

  it("hands the SDK a provider it calls before every signature, so a dropped session stops being used at once", async () => {
    mocks.ssm.onAnyCommand().resolves(parameters({}));
    const client = ModelClient.fromEnvironment("qa", { region: "eu-west-1" });
    await client.detectLabels(makePng(100, 100));
    const config = rekognitionClientOfCall(mocks).config as unknown as { credentials: { memoized?: boolean } };
    expect(config.credentials.memoized).to.equal(true);
  });

  it("stays regional in us-east-1, the region where older SDKs defaulted to the global sts.amazonaws.com", async () => {
    const client = ModelClient.fromExplicit({
      modelVersionArn: V1.replace(/eu-west-1/g, "us-east-1"),
      sharedRoleArn: ROLE,
      region: "us-east-1",
    });
    await credentialsAfterOneCall(client);
    expect(await stsHostname()).to.equal("https://sts.us-east-1.amazonaws.com");
  });

  it("uses the partition's DNS suffix (China) for the regional endpoint", async () => {
    const client = ModelClient.fromExplicit({
      modelVersionArn: "arn:aws-cn:rekognition:cn-north-1:111122223333:project/parts/version/parts.v1/1700000000001",
      sharedRoleArn: "arn:aws-cn:iam::111122223333:role/modelshare/modelshare-qa",
      region: "cn-north-1",
    });
    await credentialsAfterOneCall(client);
    expect(await stsHostname()).to.equal("https://sts.cn-north-1.amazonaws.com.cn");
  });

  it("uses a configured STS VPC endpoint DNS name, and the Rekognition one, over https", async () => {
    const stsVpce = "vpce-0a1b2c3d4e5f-abcdefgh.sts.eu-west-1.vpce.amazonaws.com";
    const rekognitionVpce = "vpce-0f1e2d3c4b5a-hgfedcba.rekognition.eu-west-1.vpce.amazonaws.com";
    const client = ModelClient.fromExplicit(
      { modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" },
      { endpoints: { sts: stsVpce, rekognition: rekognitionVpce } },
    );
    await credentialsAfterOneCall(client);
    expect(await stsHostname()).to.equal(`https://${stsVpce}`);
    const rekognitionEndpoint = await rekognitionClientOfCall(mocks).config.endpoint?.();
    expect(rekognitionEndpoint?.hostname).to.equal(rekognitionVpce);
  });

  it("refuses the global STS endpoint and plain http before any call", () => {
    const target = { modelVersionArn: V1, sharedRoleArn: ROLE, region: "eu-west-1" };
    expect(() => ModelClient.fromExplicit(target, { endpoints: { sts: "https://sts.amazonaws.com" } }))
      .to.throw(InvalidArgumentError)
      .with.property("message")
      .that.contains("regional");
    expect(() => ModelClient.fromExplicit(target, { endpoints: { rekognition: "http://rekognition.example.internal" } }))
      .to.throw(InvalidArgumentError)
      .with.property("argument", "endpoints.rekognition");
    expect(mocks.callCount()).to.equal(0);
  });
});
