import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { installInterruptHandlers, InterruptedError, runInterruptible } from "../../src/cli/interrupt";
import { fakeProcess } from "../helpers/fakeProcess";
import { executePromotion } from "../../src/promotion/engine";
import { V1, V2, V3 } from "./fakes";
import { promote, Scenario, until } from "./harness";

/**
 * SIGINT/SIGTERM during a step (SRE review S3): the step stops at a safe point (its `pulumi up` cancelled and
 * awaited), the journal says where, the lease is released, the exit code is 128 + the signal's number.
 */
describe("SIGINT and SIGTERM", () => {
  it("the first signal aborts the run's signal with InterruptedError and says how to force; a second one exits at once with 130/143", () => {
    const p = fakeProcess();
    const interruption = installInterruptHandlers(p.io, new AbortController());
    p.send("SIGTERM");
    expect(interruption.signal.aborted).to.equal(true);
    expect(interruption.signal.reason).to.be.instanceOf(InterruptedError);
    expect(interruption.received()).to.equal("SIGTERM");
    expect(p.exits).to.deep.equal([]);
    expect(p.lines[0]).to.match(/SIGTERM received: stopping at a safe point.*send it again to exit at once/);
    p.send("SIGINT");
    expect(p.exits).to.deep.equal([143]);
    interruption.dispose();
  });

  it("a run that does not reach a safe point within the grace period is exited anyway (bounded)", async () => {
    const p = fakeProcess();
    const interruption = installInterruptHandlers(p.io, new AbortController());
    p.send("SIGINT");
    await new Promise((done) => setTimeout(done, 120));
    expect(p.exits).to.deep.equal([130]);
    interruption.dispose();
  });

  it("SIGTERM while waiting for a version to become RUNNING: the waiter ends at once (not after its hour), the journal notes ensure-running, exit 143", async () => {
    const s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" });
    try {
      s.aws.afterStart = (arn) => void (s.aws.models[arn].settleAfter = 1_000_000); // STARTING for ever
      const slowPolls = { minDelaySeconds: 1, maxDelaySeconds: 2, maxWaitSeconds: 3600 };
      const p = fakeProcess();
      let outcome: string | undefined;
      const running = runInterruptible(
        async (signal) => {
          outcome = (await executePromotion(promote("prod", V3), await s.deps({ signal, modelTiming: { start: slowPolls, stop: slowPolls } }))).outcome;
          return 0;
        },
        () => 1,
        { ...p.io, graceMs: 60_000 },
      );
      await until(() => s.aws.starts.includes(V3));
      const sent = Date.now();
      p.send("SIGTERM");
      expect(await running).to.equal(143);
      expect(Date.now() - sent, "ended at once, not at the next poll").to.be.lessThan(900);
      const journal = JSON.parse(readFileSync(join(s.dir, ".modelshare", "journal", "prod.json"), "utf8")) as { interrupted?: { step: string } };
      expect({ outcome, step: journal.interrupted?.step, lease: s.aws.leaseItem() }).to.deep.equal({ outcome: "interrupted", step: "ensure-running", lease: undefined });
      expect(p.exits).to.deep.equal([]);
    } finally {
      s.restore();
    }
  });

  it("SIGTERM during the switch's pulumi up: the up is cancelled, the journal notes where, the lease is released, exit 143; nothing is undone", async () => {
    const s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" });
    try {
      const atSwitch = (op: { kind: string; stack: string; config: Record<string, any> }) => op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V3;
      s.workspace.faults.push((op) => (atSwitch(op) ? "hang" : undefined)); // an update that takes minutes
      const p = fakeProcess();
      let outcome: string | undefined;
      const running = runInterruptible(
        async (signal) => {
          outcome = (await executePromotion(promote("prod", V3), await s.deps({ signal }))).outcome;
          return 0;
        },
        () => 1,
        { ...p.io, graceMs: 60_000 },
      );
      await until(() => s.workspace.calls.some(atSwitch));
      p.send("SIGTERM");
      const code = await running;
      const journal = JSON.parse(readFileSync(join(s.dir, ".modelshare", "journal", "prod.json"), "utf8")) as { steps: { id: string; state: string }[]; interrupted?: { signal: string; step: string } };
      expect({
        code,
        outcome,
        lease: s.aws.leaseItem(),
        switchState: journal.steps.find((x) => x.id === "switch")?.state,
        interrupted: journal.interrupted && { signal: journal.interrupted.signal, step: journal.interrupted.step },
        prodCalls: s.workspace.deployedConfigured("prod"),
        v3: s.aws.status(V3),
      }).to.deep.equal({ code: 143, outcome: "interrupted", lease: undefined, switchState: "running", interrupted: { signal: "SIGTERM", step: "switch" }, prodCalls: V1, v3: "RUNNING" });
      expect(p.exits).to.deep.equal([]); // it reached the safe point itself, without the grace period's forced exit
    } finally {
      s.restore();
    }
  });

  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    it(`a real ${signal} sent to a process running a command under the handlers ends it at its safe point with exit ${code}`, async function () {
      this.timeout(20_000);
      // Only src/cli/interrupt.ts is loaded: the OS signal reaches the handlers, aborts the run's signal, and sets the code.
      const script = `const { runInterruptible } = require(${JSON.stringify(join(__dirname, "..", "..", "src", "cli", "interrupt.ts"))});
        setInterval(() => undefined, 1000);
        runInterruptible(async (signal) => { process.stdout.write("READY\\n"); await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))); return 0; }, (e) => (process.stdout.write("STOPPED " + e.name + "\\n"), 1)).then((c) => process.exit(c));`;
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: join(__dirname, "..", ".."), stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
      const deadline = Date.now() + 15_000;
      while (!out.includes("READY") && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      child.kill(signal);
      const exitCode = await Promise.race([exited, new Promise<"still running">((done) => setTimeout(() => done("still running"), 5_000))]);
      if (exitCode === "still running") child.kill("SIGKILL");
      expect({ exitCode, out: out.trim() }).to.deep.equal({ exitCode: code, out: "READY\nSTOPPED InterruptedError" });
    });
  }
});
