import { expect } from "chai";
import { readFileSync } from "node:fs";
import { loadSimulator } from "../../src/matrix";
import { exampleStacks } from "../matrix/helpers";
import { sharedSimulator } from "../helpers/simulator";

/** The test infrastructure's shortcuts (S15) change how fast the suite runs, never what a spec sees. */
describe("test infrastructure: shared fixtures and stack traces", () => {
  describe("the shared simulator", () => {
    const request = (action: string) => ({
      request: { principal: "arn:aws:sts::111111111111:assumed-role/app/s", action, resource: { resource: "arn:aws:s3:::bucket/key", accountId: "111111111111" }, contextVariables: {} },
      identityPolicies: [{ name: "p", policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    });

    it("answers as the real simulator does, a different request differently, and the same request with the same frozen answer", async () => {
      const [shared, real] = [await sharedSimulator(), await loadSimulator()];
      const get = await shared.simulate(request("s3:GetObject"));
      const put = await shared.simulate(request("s3:PutObject"));
      expect(get).to.deep.equal(await real.simulate(request("s3:GetObject")));
      expect(put).to.deep.equal(await real.simulate(request("s3:PutObject")));
      expect([get.decision, put.decision]).to.deep.equal(["Allowed", "ImplicitlyDenied"]);
      expect(await shared.simulate(request("s3:GetObject"))).to.equal(get);
      expect(Object.isFrozen(get) && Object.isFrozen(get.grants)).to.equal(true);
    });
  });

  it("shares the synthesized example frozen: a spec cannot change what the next one reads", async () => {
    const stacks = await exampleStacks();
    expect(await exampleStacks()).to.equal(stacks);
    expect(() => (stacks[0].resources as unknown[]).push({})).to.throw(TypeError);
    expect(() => ((stacks[0].resources[0].inputs as Record<string, unknown>).name = "changed")).to.throw(TypeError);
  });

  describe("stack traces (test/helpers/stackTraces.ts)", () => {
    it("still maps an error's frames to the TypeScript source", () => {
      const error = new Error("mapped here");
      const source = readFileSync(__filename, "utf8").split("\n");
      const line = source.findIndex((text) => text.includes('new Error("mapped here")')) + 1;
      expect(error.stack).to.match(new RegExp(`fixtures\\.test\\.ts:${line}:\\d+`));
    });

    it("gives Pulumi's promise bookkeeping the same frames, formatted only when its leak report reads them", () => {
      const { debuggablePromise, promiseDebugString } = require("@pulumi/pulumi/runtime/debuggable");
      const p = Promise.resolve() as Promise<void> & { _debugStackTrace?: unknown };
      void debuggablePromise(p, "fixture");
      expect(typeof p._debugStackTrace).to.equal("object");
      const text = promiseDebugString(p);
      expect(text).to.match(/^CONTEXT\(\d+\): fixture\nSTACK_TRACE:\nError\n {4}at debuggablePromise \(.*debuggable\.js:\d+:\d+\)\n {4}at /);
      expect(text).to.include("fixtures.test.ts");
    });

    it("gives Pulumi's resource positions V8's format, which Pulumi parses into file, line and column", () => {
      const { Resource } = require("@pulumi/pulumi/resource");
      const frames: { file?: string; line?: number }[] = Resource.callsites();
      expect(frames.some((f) => f.file?.endsWith("fixtures.test.ts") && typeof f.line === "number")).to.equal(true);
    });
  });
});
