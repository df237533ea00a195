import { DetectCustomLabelsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { FinalizeHandler, FinalizeHandlerArguments } from "@aws-sdk/types";
import { expect } from "chai";
import { FAKE_ROLE, fakeVersion, useFakeAws } from "./fakeAws/load";
import { FakeAws } from "./fakeAws/server";
import { verifySigV4 } from "./fakeAws/sigv4";
import { makePng } from "./helpers/images";

async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  return promise.then(
    () => expect.fail("expected the fake to refuse the request"),
    (error: Error) => error,
  );
}

/**
 * The fake's SigV4 check is what makes "every request signed" mean something in the load tests: each defect a
 * broken client could have is injected here, and the fake must refuse it as AWS would.
 */
describe("the local AWS fake checks SigV4 like AWS (defects injected)", () => {
  const theFake = useFakeAws();
  let fake: FakeAws;
  let clients: Array<{ destroy(): void }>;
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };

  beforeEach(() => {
    fake = theFake();
    clients = [];
  });
  afterEach(() => {
    for (const client of clients) client.destroy();
  });

  const sts = (credentials = fake.baseCredentials, region = fake.region) =>
    track(new STSClient({ region, endpoint: fake.endpoints.sts, credentials, maxAttempts: 1 }));

  async function session() {
    const issued = (await sts().send(new AssumeRoleCommand({ RoleArn: FAKE_ROLE, RoleSessionName: "test" }))).Credentials;
    return { accessKeyId: issued?.AccessKeyId ?? "", secretAccessKey: issued?.SecretAccessKey ?? "", sessionToken: issued?.SessionToken };
  }

  const detect = (rekognition: RekognitionClient) =>
    rekognition.send(new DetectCustomLabelsCommand({ ProjectVersionArn: fakeVersion(fake.region), Image: { Bytes: makePng(100, 100) } }));

  it("answers correctly signed requests in each protocol (SSM JSON 1.1, STS query/XML, Rekognition JSON 1.1)", async () => {
    const ssm = track(new SSMClient({ region: fake.region, endpoint: fake.endpoints.ssm, credentials: fake.baseCredentials }));
    const parameters = await ssm.send(new GetParametersCommand({ Names: ["/modelshare/qa/region", "/modelshare/qa/missing"] }));
    expect(parameters.Parameters?.map((p) => p.Value)).to.deep.equal([fake.region]);
    expect(parameters.InvalidParameters).to.deep.equal(["/modelshare/qa/missing"]);
    const credentials = await session();
    expect(credentials.accessKeyId).to.match(/^ASIA/);
    const rekognition = track(new RekognitionClient({ region: fake.region, endpoint: fake.endpoints.rekognition, credentials }));
    expect((await detect(rekognition)).CustomLabels).to.deep.equal(fake.labels);
    expect(fake.counts.sts.verified + fake.counts.ssm.verified + fake.counts.rekognition.verified).to.equal(3);
  });

  it("refuses a signature made with the wrong secret", async () => {
    const error = await failure(sts({ ...fake.baseCredentials, secretAccessKey: "not-the-secret" }).send(new AssumeRoleCommand({ RoleArn: FAKE_ROLE, RoleSessionName: "x" })));
    expect(error.name).to.equal("SignatureDoesNotMatch");
    expect(fake.counts.sts.badSignatures).to.equal(1);
  });

  it("refuses an unknown access key and a session used without its token", async () => {
    const unknown = await failure(sts({ accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x" }).send(new AssumeRoleCommand({ RoleArn: FAKE_ROLE, RoleSessionName: "x" })));
    expect(unknown.name).to.equal("InvalidClientTokenId");
    const { sessionToken: _dropped, ...withoutToken } = await session();
    const rekognition = track(new RekognitionClient({ region: fake.region, endpoint: fake.endpoints.rekognition, credentials: withoutToken, maxAttempts: 1 }));
    expect((await failure(detect(rekognition))).name).to.equal("UnrecognizedClientException");
  });

  it("refuses a signature for another region's or service's credential scope", async () => {
    const error = await failure(sts(fake.baseCredentials, "us-west-2").send(new AssumeRoleCommand({ RoleArn: FAKE_ROLE, RoleSessionName: "x" })));
    expect(error.name).to.equal("SignatureDoesNotMatch");
    const rekognitionSignedAsSsm = track(
      new RekognitionClient({ region: fake.region, endpoint: fake.endpoints.rekognition, credentials: await session(), maxAttempts: 1, signingName: "ssm" } as never),
    );
    expect((await failure(detect(rekognitionSignedAsSsm))).name).to.equal("InvalidSignatureException");
  });

  it("refuses a body changed after signing", async () => {
    const rekognition = track(new RekognitionClient({ region: fake.region, endpoint: fake.endpoints.rekognition, credentials: await session(), maxAttempts: 1 }));
    let tampered = false;
    rekognition.middlewareStack.addRelativeTo(
      ((next: FinalizeHandler<object, object>) => async (args: FinalizeHandlerArguments<object>) => {
        const request = args.request as { body?: unknown; headers: Record<string, string> };
        if (request.headers.authorization) {
          // The SDK's body may be a string or its own byte adapter; both print the JSON that was signed.
          const body = JSON.stringify({ ...JSON.parse(String(request.body)), MaxResults: 1 });
          request.body = body;
          request.headers["content-length"] = String(Buffer.byteLength(body));
          tampered = true;
        }
        return next(args);
      }) as never,
      { relation: "after", toMiddleware: "httpSigningMiddleware", name: "tamperAfterSigning" },
    );
    expect((await failure(detect(rekognition))).name).to.equal("InvalidSignatureException");
    expect(tampered).to.equal(true);
  });

  it("refuses a malformed Authorization header, a missing one, and a signature from more than 5 minutes ago", async () => {
    const request = (authorization: string | undefined, date: string) => ({
      method: "POST",
      path: "/",
      headers: { host: "127.0.0.1:1", "x-amz-date": date, ...(authorization === undefined ? {} : { authorization }) },
      body: Buffer.from("{}"),
    });
    const expected = { service: "sts", region: fake.region };
    const lookup = () => fake.baseCredentials;
    const now = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    expect(await verifySigV4(request(undefined, now), expected, lookup)).to.deep.include({ ok: false, code: "MissingAuthenticationToken" });
    expect(await verifySigV4(request("AWS4-HMAC-SHA256 Credential=garbage", now), expected, lookup)).to.deep.include({ ok: false, code: "IncompleteSignature" });
    const old = new Date(Date.now() - 6 * 60_000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const scope = `${fake.baseCredentials.accessKeyId}/${old.slice(0, 8)}/${fake.region}/sts/aws4_request`;
    const stale = await verifySigV4(request(`AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`, old), expected, lookup);
    expect(stale).to.deep.include({ ok: false, code: "SignatureDoesNotMatch" });
    expect(stale.ok === false && stale.message).to.contain("Signature expired");
  });
});
