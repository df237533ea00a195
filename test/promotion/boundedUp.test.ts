import { expect } from "chai";
import { InterruptedError } from "../../src/cli/interrupt";
import { boundedUp, UpTimeoutError } from "../../src/promotion/boundedUp";
import { OperationOptions, StackWorkspace } from "../../src/promotion/workspace";

/** Every `pulumi up` is bounded (SRE review S4): cancelled through its signal at the deadline, and never awaited for ever. */
function workspaceWhoseUp(behaviour: "honours-cancel" | "ignores-cancel", seen: AbortSignal[]): StackWorkspace {
  const up = async (_stack: string, _onOutput?: (chunk: string) => void, options: OperationOptions = {}) => {
    seen.push(options.signal!);
    await new Promise((_, reject) => {
      if (behaviour === "honours-cancel") options.signal!.addEventListener("abort", () => reject(new Error("update cancelled")));
    });
    return {};
  };
  return { up } as unknown as StackWorkspace;
}

describe("bounded pulumi up", () => {
  it("an update that outlives promotion.upTimeoutMinutes is cancelled through its signal and reported as UpTimeoutError naming the stack and the key", async () => {
    const seen: AbortSignal[] = [];
    const error = await boundedUp(workspaceWhoseUp("honours-cancel", seen), "prod", { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UpTimeoutError);
    expect((error as Error).message).to.match(/pulumi up of stack prod did not finish .*modelshare:promotion\.upTimeoutMinutes.*pulumi cancel --stack prod/);
    expect(seen[0].aborted).to.equal(true);
  });

  it("a pulumi that ignores the cancel is given up on after the grace period (the wait is bounded too)", async () => {
    const started = Date.now();
    const error = await boundedUp(workspaceWhoseUp("ignores-cancel", []), "ml", { timeoutMs: 20, graceMs: 30 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UpTimeoutError);
    expect(Date.now() - started).to.be.below(2000);
  });

  it("the run's signal (SIGINT/SIGTERM) cancels the update and surfaces as InterruptedError", async () => {
    const run = new AbortController();
    const seen: AbortSignal[] = [];
    const pending = boundedUp(workspaceWhoseUp("honours-cancel", seen), "qa", { timeoutMs: 60_000, signal: run.signal }).catch((e: unknown) => e);
    run.abort(new InterruptedError("SIGINT"));
    const error = await pending;
    expect(error).to.be.instanceOf(InterruptedError);
    expect(seen[0].aborted).to.equal(true);
  });
});
