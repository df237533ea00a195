import { expect } from "chai";
import { deployStacks, formatDeploySummary, linePrefixer, mapBounded, parseStackList, selectStacks } from "../../src/promotion/deploy";
import { loadProjectFiles } from "../../src/promotion/project";
import { UsageError } from "../../src/cli/common";
import { FakeWorkspace, V1, V2, writeProject } from "./fakes";

describe("deploy", () => {
  it("selects the ML stack apart from the consumer stacks, and refuses names that are not stacks", () => {
    const project = loadProjectFiles(writeProject({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }));
    expect(selectStacks(project, undefined)).to.deep.equal({ ml: "ml", consumers: ["prod", "qa"] });
    expect(selectStacks(project, parseStackList(" qa, qa ,"))).to.deep.equal({ consumers: ["qa"] });
    expect(() => selectStacks(project, ["ml", "dev"])).to.throw(UsageError, /names "dev", not a stack of this project; allowed: ml, prod, qa/);
  });

  it("never runs more than the bound at once, and keeps the results in order", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 1, 2], 3, async (ms) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((done) => setTimeout(done, ms));
      running--;
      return ms * 10;
    });
    expect(peak).to.equal(3);
    expect(results).to.deep.equal([50, 10, 40, 20, 30, 10, 20]);
  });

  it("prefixes whole lines only, however the output is chunked", () => {
    const written: string[] = [];
    const out = linePrefixer("[qa] ", (text) => written.push(text));
    out.write("Updat");
    out.write("ing\n  + res");
    out.write("ource\nlast");
    out.flush();
    expect(written.join("")).to.equal("[qa] Updating\n[qa]   + resource\n[qa] last\n");
  });

  it("updates the ML stack before any consumer stack, and the consumers at the bound", async () => {
    const dir = writeProject({ configured: { a: V1, b: V1, c: V1, d: V1, e: V1 }, granted: { a: [V1], b: [V1], c: [V1], d: [V1], e: [V1] } });
    const workspace = new FakeWorkspace(dir);
    workspace.upDelayMs = 20;
    const output: string[] = [];
    const results = await deployStacks(selectStacks(loadProjectFiles(dir), undefined), { preview: false, concurrency: 2 }, { workspace, now: Date.now, writeOutput: (t) => output.push(t) });
    expect(workspace.calls.map((c) => c.stack)[0]).to.equal("ml");
    expect(workspace.maxConcurrentUps).to.equal(2);
    expect(results.map((r) => `${r.stack}:${r.status}`)).to.deep.equal(["ml:ok", "a:ok", "b:ok", "c:ok", "d:ok", "e:ok"]);
    expect(output.join("")).to.match(/^\[e \] Update complete$/m);
    expect(formatDeploySummary(results).split("\n")).to.have.length(7);
  });

  it("previews every selected stack even when the ML preview fails (nothing is changed by a preview)", async () => {
    const dir = writeProject({ configured: { qa: V2 }, granted: { qa: [V2] } });
    const workspace = new FakeWorkspace(dir);
    workspace.faults.push((op) => (op.stack === "ml" ? "fail" : undefined));
    const results = await deployStacks(selectStacks(loadProjectFiles(dir), undefined), { preview: true, concurrency: 4 }, { workspace, now: Date.now, writeOutput: () => undefined });
    expect(results.map((r) => `${r.stack}:${r.operation}:${r.status}`)).to.deep.equal(["ml:preview:failed", "qa:preview:ok"]);
    expect(results[0].error).to.match(/injected failure of preview ml/);
  });
});
