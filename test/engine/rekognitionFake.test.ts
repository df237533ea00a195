import { DescribeProjectVersionsCommand, DetectCustomLabelsCommand, RekognitionClient, StartProjectVersionCommand, StopProjectVersionCommand } from "@aws-sdk/client-rekognition";
import { expect } from "chai";
import { RekognitionFake } from "../../tools/rekognition-fake/server";

// The engine lane's Rekognition fake, through the real SDK client over HTTP on 127.0.0.1.
describe("Rekognition fake (engine lane)", () => {
  const project = "arn:aws:rekognition:us-east-1:111111111111:project/parts/1700000000000";
  const v1 = "arn:aws:rekognition:us-east-1:111111111111:project/parts/version/parts.v1/1700000000001";
  const v2 = "arn:aws:rekognition:us-east-1:111111111111:project/parts/version/parts.v2/1700000000002";
  let now = 0;
  let fake: RekognitionFake;
  let client: RekognitionClient;

  beforeEach(async () => {
    now = 1_000;
    fake = new RekognitionFake({ startMs: 5_000, stopMs: 2_000, now: () => now });
    fake.addVersion(v1, "TRAINING_COMPLETED");
    fake.addVersion(v2, "RUNNING", { min: 1 });
    client = new RekognitionClient({ region: "us-east-1", endpoint: await fake.listen(), credentials: { accessKeyId: "a", secretAccessKey: "s" }, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await fake.close();
  });

  const status = async (name: string) =>
    (await client.send(new DescribeProjectVersionsCommand({ ProjectArn: project, VersionNames: [name] }))).ProjectVersionDescriptions?.map((d) => d.Status);

  it("moves a started version STARTING -> RUNNING and a stopped one STOPPING -> STOPPED, after their delays", async () => {
    expect((await client.send(new StartProjectVersionCommand({ ProjectVersionArn: v1, MinInferenceUnits: 1 }))).Status).to.equal("STARTING");
    now += 4_999;
    expect(await status("parts.v1")).to.deep.equal(["STARTING"]);
    now += 1;
    expect(await status("parts.v1")).to.deep.equal(["RUNNING"]);
    expect((await client.send(new StopProjectVersionCommand({ ProjectVersionArn: v1 }))).Status).to.equal("STOPPING");
    now += 2_000;
    expect(await status("parts.v1")).to.deep.equal(["STOPPED"]);
  });

  it("refuses what Rekognition refuses: starting a running version, calling a stopped one, an unknown version", async () => {
    const error = (p: Promise<unknown>) => p.then(() => "no error", (e: Error) => e.name);
    expect(await error(client.send(new StartProjectVersionCommand({ ProjectVersionArn: v2, MinInferenceUnits: 1 })))).to.equal("ResourceInUseException");
    expect(await error(client.send(new DetectCustomLabelsCommand({ ProjectVersionArn: v1, Image: { Bytes: new Uint8Array([1]) } })))).to.equal("ResourceNotReadyException");
    expect(await error(client.send(new StopProjectVersionCommand({ ProjectVersionArn: v2.replace("parts.v2", "parts.v9") })))).to.equal("ResourceNotFoundException");
  });

  it("labels an image with a RUNNING version, above MinConfidence, and scopes DescribeProjectVersions to the names asked", async () => {
    const labels = await client.send(new DetectCustomLabelsCommand({ ProjectVersionArn: v2, Image: { Bytes: new Uint8Array([1, 2, 3]) }, MinConfidence: 60 }));
    expect(labels.CustomLabels).to.deep.equal([{ Name: "scratch", Confidence: 97.5 }]);
    expect((await client.send(new DescribeProjectVersionsCommand({ ProjectArn: project }))).ProjectVersionDescriptions).to.have.length(2);
    expect(await status("parts.v2")).to.deep.equal(["RUNNING"]);
  });
});
