import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installInterruptHandlers, InterruptedError, InterruptSignal } from "../../src/cli/interrupt";

/**
 * SIGINT/SIGTERM during a step (SRE review S3): the step stops at a safe point (its `pulumi up` cancelled and
 * awaited), the journal says where, the lease is released, the exit code is 128 + the signal's number.
 */
function fakeProcess() {
  const handlers = new Map<string, () => void>();
  const lines: string[] = [];
  const exits: number[] = [];
  return {
    io: { on: (s: InterruptSignal, h: () => void) => void handlers.set(s, h), off: (s: InterruptSignal) => void handlers.delete(s), write: (l: string) => void lines.push(l), exit: (c: number) => void exits.push(c), graceMs: 50 },
    send: (s: InterruptSignal) => handlers.get(s)?.(),
    lines,
    exits,
  };
}

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

  for (const [signal, code] of [["SIGTERM", 143]] as const) {
    it(`${signal} during the switch's pulumi up (child process): the up is cancelled, the journal notes it, the lease is released, exit ${code}`, async function () {
      this.timeout(30_000);
      const leaseFile = join(mkdtempSync(join(tmpdir(), "modelshare-signal-")), "lease.json");
      const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", join(__dirname, "interruptChild.ts")], {
        cwd: join(__dirname, "..", ".."),
        env: { ...process.env, LEASE_FILE: leaseFile, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.on("exit", (c) => done(c)));
      const deadline = Date.now() + 25_000;
      while (!/READY (\S+)/.test(out) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      const dir = /READY (\S+)/.exec(out)?.[1];
      expect(dir, `child not ready: ${out}`).to.be.a("string");
      child.kill(signal);
      const exitCode = await Promise.race([exited, new Promise<"still running">((done) => setTimeout(() => done("still running"), 10_000))]);
      if (exitCode === "still running") child.kill("SIGKILL");
      const lease = JSON.parse(readFileSync(leaseFile, "utf8")) as Record<string, { S?: string }> | null;
      const journal = JSON.parse(readFileSync(join(dir!, ".modelshare", "journal", "prod.json"), "utf8")) as { steps: { id: string; state: string }[]; interrupted?: { signal: string; step: string } };
      expect({
        exitCode,
        outcome: /OUTCOME (\S+)/.exec(out)?.[1],
        leaseLeftBehind: lease === null ? null : lease.purpose?.S,
        switchState: journal.steps.find((x) => x.id === "switch")?.state,
        interrupted: journal.interrupted && { signal: journal.interrupted.signal, step: journal.interrupted.step },
      }).to.deep.equal({ exitCode: code, outcome: "interrupted", leaseLeftBehind: null, switchState: "running", interrupted: { signal, step: "switch" } });
    });
  }
});
