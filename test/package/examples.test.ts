import { DetectCustomLabelsCommand } from "@aws-sdk/client-rekognition";
import { GetParametersCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { awsError, mockAws, AwsMocks, parameters, V1 } from "../client/helpers/aws";
import { makeGifHeader, makePng } from "../client/helpers/images";
import { PROJECT_ROOT } from "../helpers/pulumi";

/**
 * The application examples as `npm run build` compiled them (examples/tsconfig.json: strict, noUncheckedIndexedAccess,
 * exactOptionalPropertyTypes; `npm test` builds first), run against mocked AWS SDK clients: the Lambda handler as
 * CommonJS, the ECS/Express service as an ES module, both importing @modelshare/client by its package name.
 */
const COMPILED = path.join(PROJECT_ROOT, "dist", "examples");

describe("examples/ (compiled by the build, run against mocked AWS)", () => {
  let mocks: AwsMocks;
  beforeEach(() => {
    mocks = mockAws();
    mocks.ssm.on(GetParametersCommand).resolves(parameters({}, "prod"));
    mocks.rekognition.on(DetectCustomLabelsCommand).resolves({ CustomLabels: [{ Name: "scratch", Confidence: 97.5 }] });
  });
  afterEach(() => mocks.restore());

  describe("lambda-handler (CommonJS)", () => {
    type Handler = { handler(event: { imageBase64: string }): Promise<{ statusCode: number; body: string }>; resetClient(): void };
    const lambda = () => require(path.join(COMPILED, "lambda-handler", "index.js")) as Handler;
    afterEach(() => lambda().resetClient());

    it("labels a base64 image with the environment's model, and keeps one client across invocations", async () => {
      const image = makePng(100, 80).toString("base64");
      const first = await lambda().handler({ imageBase64: image });
      const second = await lambda().handler({ imageBase64: image });
      expect(first.statusCode).to.equal(200);
      expect(JSON.parse(first.body)).to.deep.include({ best: "scratch" });
      expect(second.statusCode).to.equal(200);
      expect(mocks.ssm.commandCalls(GetParametersCommand)).to.have.length(1);
      expect(mocks.rekognition.commandCalls(DetectCustomLabelsCommand).map((c) => c.args[0].input.ProjectVersionArn)).to.deep.equal([V1, V1]);
    });

    it("answers 400 for an image the model cannot take and 502 naming the cause when the role is not granted", async () => {
      const gif = await lambda().handler({ imageBase64: makeGifHeader(100, 100).toString("base64") });
      expect(gif.statusCode).to.equal(400);
      expect(JSON.parse(gif.body).error).to.match(/GIF/);
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("AccessDeniedException", "not authorized to perform: rekognition:DetectCustomLabels"));
      const denied = await lambda().handler({ imageBase64: makePng(100, 80).toString("base64") });
      expect(denied.statusCode).to.equal(502);
      expect(JSON.parse(denied.body)).to.include({ error: "NotGrantedError" });
    });
  });

  describe("ecs-service (an Express app, ES module)", () => {
    let server: Server;
    let base: string;
    let client: { destroy(): void };
    beforeEach(async () => {
      const { createApp } = (await import(pathToFileURL(path.join(COMPILED, "ecs-service", "app.mjs")).href)) as { createApp(client: unknown): { listen(port: number, host: string, done: () => void): Server } };
      const { ModelClient } = (await import("@modelshare/client")) as typeof import("@modelshare/client");
      client = ModelClient.fromEnvironment("prod");
      await new Promise<void>((done) => (server = createApp(client).listen(0, "127.0.0.1", done)));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await new Promise((done) => server.close(done));
      client.destroy();
    });

    it("labels a posted PNG, says which version answered, and refuses a body that is not an image", async () => {
      const labelled = await fetch(`${base}/labels?minConfidence=90`, { method: "POST", headers: { "content-type": "image/png" }, body: makePng(120, 90), signal: AbortSignal.timeout(5000) });
      expect(labelled.status).to.equal(200);
      expect(await labelled.json()).to.deep.equal({ labels: [{ name: "scratch", confidence: 97.5 }], modelVersionArn: V1 });
      expect(mocks.rekognition.commandCalls(DetectCustomLabelsCommand)[0]!.args[0].input.MinConfidence).to.equal(90);
      const text = await fetch(`${base}/labels`, { method: "POST", headers: { "content-type": "text/plain" }, body: "hello", signal: AbortSignal.timeout(5000) });
      expect(text.status).to.equal(415);
      const gif = await fetch(`${base}/labels`, { method: "POST", headers: { "content-type": "image/png" }, body: makeGifHeader(100, 100), signal: AbortSignal.timeout(5000) });
      expect(gif.status).to.equal(400);
    });

    it("answers 503 while the environment's version is not granted (mid-promotion), with the client's hint", async () => {
      mocks.rekognition.on(DetectCustomLabelsCommand).rejects(awsError("AccessDeniedException", "not authorized to perform: rekognition:DetectCustomLabels"));
      const response = await fetch(`${base}/labels`, { method: "POST", headers: { "content-type": "image/png" }, body: makePng(120, 90), signal: AbortSignal.timeout(5000) });
      expect(response.status).to.equal(503);
      const body = (await response.json()) as { error: string; hint: string };
      expect(body.error).to.equal("NotGrantedError");
      expect(body.hint).to.be.a("string").and.not.equal("");
    });
  });
});
