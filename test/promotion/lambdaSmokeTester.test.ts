import { InvokeCommand, InvokeCommandOutput, LambdaClient } from "@aws-sdk/client-lambda";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_IMAGE_BYTES } from "../../src/config/projectChecks";
import { LAMBDA_SYNC_PAYLOAD_BYTES, LambdaSmokeTester, smokeTestPayloadProblem } from "../../src/promotion/lambdaSmokeTester";
import { RunnerSmokeTester, SmokeTester, SmokeTestRequest, verifyWithRetry } from "../../src/promotion/verify";

const VERSION = "arn:aws:rekognition:us-east-1:111111111111:project/defect-detector/version/defect-detector.2024-09-02T14.30.05/1725287405000";
const FUNCTION = "arn:aws:lambda:us-east-1:222222222222:function:modelshare-qa-smoke-test";
// The SDK hands the payload back as a Uint8Array with helpers; the tester reads only its bytes.
const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)) as unknown as InvokeCommandOutput["Payload"];
const silent = { step: () => {}, waiting: () => {}, done: () => {} } as never;

describe("LambdaSmokeTester: verify invokes the consumer's smoke-test function (aws-sdk-client-mock)", () => {
  // Stubbed when this suite runs, not when the file loads (a load-time stub answers every other suite's calls).
  let lambda: AwsClientStub<LambdaClient>;
  before(() => (lambda = mockClient(LambdaClient)));
  const dir = mkdtempSync(join(tmpdir(), "modelshare-lambda-"));
  const imagePath = join(dir, "smoke.png");
  writeFileSync(imagePath, Buffer.from("png bytes"));
  const request: SmokeTestRequest = {
    environment: "qa", region: "us-east-1", modelVersionArn: VERSION, sharedRoleArn: "arn:aws:iam::111111111111:role/modelshare/modelshare-qa",
    principalRoleArn: "arn:aws:iam::222222222222:role/modelshare/modelshare-qa-smoke-test", runner: "function", functionArn: FUNCTION, image: { path: imagePath }, minConfidence: 60,
  };
  const tester = new LambdaSmokeTester((region) => new LambdaClient({ region }));

  beforeEach(() => lambda.reset());
  after(() => lambda.restore());

  it("sends the image bytes, the version and the confidence, synchronously, to the function in its own region, and returns its labels", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ labels: [{ name: "scratch", confidence: 91.5 }] }) });
    expect(await tester.detectLabels(request)).to.deep.equal([{ name: "scratch", confidence: 91.5 }]);
    const call = lambda.commandCalls(InvokeCommand)[0];
    expect(call.args[0].input).to.deep.include({ FunctionName: FUNCTION, InvocationType: "RequestResponse" });
    expect(JSON.parse(Buffer.from(call.args[0].input.Payload as Uint8Array).toString())).to.deep.equal({ modelVersionArn: VERSION, imageBase64: Buffer.from("png bytes").toString("base64"), minConfidence: 60, sharing: "share" });
    expect(await (call.thisValue as LambdaClient).config.region()).to.equal("us-east-1");
  });

  it("reports a function error under the error's own type, so verify retries a denial while IAM propagates and stops on anything else", async () => {
    const denied = { StatusCode: 200, FunctionError: "Unhandled", Payload: payload({ errorType: "AccessDenied", errorMessage: "not authorized to perform sts:AssumeRole" }) };
    lambda.on(InvokeCommand).resolvesOnce(denied).resolvesOnce(denied).resolves({ StatusCode: 200, Payload: payload({ labels: [{ name: "scratch", confidence: 80 }] }) });
    let now = 0;
    const result = await verifyWithRetry({ tester, request, expectedLabel: "scratch", deadlineSeconds: 60, now: () => now, sleep: async (ms) => void (now += ms), progress: silent });
    expect(result.attempts).to.equal(3);

    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: "Unhandled", Payload: payload({ errorType: "SmokeTestInputError", errorMessage: "modelVersionArn must be a Rekognition project version ARN" }) });
    const error = await verifyWithRetry({ tester, request, expectedLabel: "scratch", deadlineSeconds: 60, now: () => now, sleep: async (ms) => void (now += ms), progress: silent }).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/SmokeTestInputError.*modelVersionArn must be/);
    expect(lambda.commandCalls(InvokeCommand)).to.have.length(1);
  });

  it("tells a copy environment's function that verify expects copy mode (no sharedRoleArn), so a function of the other mode refuses", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ labels: [{ name: "scratch", confidence: 91.5 }] }) });
    const COPY = "arn:aws:rekognition:us-east-1:222222222222:project/defect-detector-qa/version/v1/1727000000000";
    expect(await tester.detectLabels({ ...request, modelVersionArn: COPY, sharedRoleArn: undefined })).to.deep.equal([{ name: "scratch", confidence: 91.5 }]);
    const sent = JSON.parse(Buffer.from(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as Uint8Array).toString());
    expect(sent).to.deep.include({ modelVersionArn: COPY, sharing: "copy" });
  });

  it("refuses an answer that is not {labels: [{name, confidence}]} (the function's output is untrusted input)", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ labels: [{ name: "scratch", confidence: "99" }] }) });
    const error = await tester.detectLabels(request).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/answered something other than/);
  });

  it("never invokes without a function ARN (a consumer stack not deployed with runner function)", async () => {
    const { functionArn: _, ...withoutFunction } = request;
    const error = await tester.detectLabels(withoutFunction).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/no smoke-test function for qa/);
    expect(lambda.calls()).to.have.length(0);
  });

  it("fits the largest image the project checks accept into one synchronous invocation, and refuses a larger payload up front", () => {
    // The project checks refuse (exit 2) an image over MAX_IMAGE_BYTES before any AWS call; base64 of that fits 6 MB.
    expect(smokeTestPayloadProblem(MAX_IMAGE_BYTES, VERSION)).to.equal(undefined);
    expect(smokeTestPayloadProblem(Math.ceil((LAMBDA_SYNC_PAYLOAD_BYTES * 3) / 4), VERSION)).to.match(/Lambda accepts at most 6000000/);
  });

  it("RunnerSmokeTester lets the configured runner decide which tester makes the call", async () => {
    const seen: string[] = [];
    const fake = (name: string): SmokeTester => ({ detectLabels: async () => (seen.push(name), []) });
    const runner = new RunnerSmokeTester({ function: fake("function"), direct: fake("direct") });
    await runner.detectLabels(request);
    await runner.detectLabels({ ...request, runner: "direct" });
    expect(seen).to.deep.equal(["function", "direct"]);
  });
});
