import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { promotionLeaseTableName } from "../../src/contract";
import { executePromotion } from "../../src/promotion/engine";
import { DEFAULT_LEASE_TIMING, DynamoLeaseStore, LeaseLostError, PromotionLease } from "../../src/promotion/lease";
import { AwsWorld, fakeClock, V1, V2, V3 } from "./fakes";
import { promote, Scenario } from "./harness";
import { registerModel } from "../../src/cli/model";

/**
 * The lease fences every change: a holder verifies with a conditional write on its token and record version
 * immediately before each change, and a takeover is decided by the taker's own clock, never by comparing the
 * holder's wall clock with ours (SRE review S1).
 */
const TABLE = promotionLeaseTableName("modelshare");
const who = (purpose: string, host: string, pid: number) => ({ user: "ops", host, pid, who: "arn:aws:sts::111111111111:assumed-role/pipeline/x", command: `modelshare ${purpose}`, purpose });
const store = () => new DynamoLeaseStore(new DynamoDBClient({ region: "us-east-1" }), TABLE, "account 111111111111, us-east-1");

describe("promotion lease fencing", () => {
  describe("HeldLease.check after the lease changed hands", () => {
    let aws: AwsWorld;
    beforeEach(() => (aws = new AwsWorld({})));
    afterEach(() => aws.restore());

    it("a holder whose lease was broken and re-taken by another operator fails its next pre-change check, 30 s later (no renewal due)", async () => {
      const clock = fakeClock();
      const a = await new PromotionLease(store(), clock, () => "unknown").acquire(who("promote prod", "ci-runner-1", 10));
      await new PromotionLease(store(), clock, () => "unknown").breakLease(); // "A looks dead" (it is not)
      const b = await new PromotionLease(store(), clock, () => "unknown").acquire(who("promote qa", "laptop", 20));
      expect(b.record.purpose).to.equal("promote qa");
      clock.sleep(30_000);
      const error = await a.check().catch((e: unknown) => e);
      expect(error, "A passed its pre-change check while B holds the lease").to.be.instanceOf(LeaseLostError);
      await b.check(); // B's own fence still passes
    });

    it("a live holder whose clock is 12 minutes behind keeps its lease: an operator with a correct clock waits instead of taking it", async () => {
      const realClock = fakeClock();
      const skewed = { now: () => realClock.now() - 12 * 60_000, sleep: realClock.sleep };
      const a = await new PromotionLease(store(), skewed, () => "unknown").acquire(who("promote prod", "laptop-no-ntp", 10));
      await a.check();
      const timing = { ...DEFAULT_LEASE_TIMING, waitMs: 0 };
      const b = await new PromotionLease(store(), realClock, () => "unknown", timing).acquire(who("promote qa", "ci", 20)).catch((e: unknown) => e);
      expect(b, "B must wait for A's live lease instead of taking it").to.be.instanceOf(Error);
      expect((b as Error).name).to.equal("LeaseHeldError");
      await a.check(); // and A still holds it
    });

    it("a wall clock stepped forward by hours on the taker does not make a live lease stale: durations come from the monotonic clock", async () => {
      const clock = fakeClock();
      await new PromotionLease(store(), clock, () => "unknown").acquire(who("promote prod", "ci", 10));
      let stepped = 0;
      const taker = new PromotionLease(store(), { now: () => clock.now() + stepped, sleep: clock.sleep, monotonic: clock.now }, () => "unknown", { ...DEFAULT_LEASE_TIMING, waitMs: 60_000 });
      stepped = 5 * 3600_000; // NTP correction or a laptop waking up
      expect(await taker.acquire(who("promote qa", "laptop", 20)).catch((e: unknown) => (e as Error).name)).to.equal("LeaseHeldError");
    });
  });

  describe("model start / model stop: a lease lost while they wait", () => {
    let s: Scenario;
    afterEach(() => s.restore());

    /** Another operator breaks and takes the lease while this run waits for the version to finish STOPPING. */
    const takeOverDuringWait = (arn: string) => {
      s.aws.models[arn] = { status: "STOPPING", settleAfter: 2 };
      let taken = false;
      const original = s.aws.onChange;
      s.aws.onChange = () => {
        original();
        if (taken || s.aws.status(arn) !== "STOPPED") return;
        taken = true;
        // Another operator's token in the item, as after breakLease + acquire (written at once: no race with the check).
        const item = s.aws.leaseItem()!;
        item.token = { S: "token-of-another-operator" };
      };
    };

    it("model start does not start a version after the lease changed hands during its wait for STOPPED", async () => {
      // (model stop's check before StopProjectVersion is the same call: src/cli/model.ts)
      s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "STOPPED" });
      takeOverDuringWait(V3);
      const run = await s.cli(registerModel, ["model", "start", "--version", V3]);
      expect(run.error?.name ?? run.exitCode).to.equal("LeaseLostError");
      expect(s.aws.starts).to.deep.equal([]);
    });
  });

  describe("engine: a broken lease", () => {
    let s: Scenario;
    afterEach(() => s.restore());

    it("the holder makes no change (config edit or up) after another operator took the lease while it verified", async () => {
      s = new Scenario({ configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } }, { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" });
      let bHoldsSince = -1;
      const original = s.smoke.detectLabels.bind(s.smoke);
      s.smoke.detectLabels = async (request) => {
        if (bHoldsSince < 0) {
          const lease = new PromotionLease(new DynamoLeaseStore(new DynamoDBClient({ region: "us-east-1" }), TABLE, "x"), s.clock, () => "unknown");
          await lease.breakLease();
          await lease.acquire(who("promote qa to v3", "laptop", 99));
          bHoldsSince = s.workspace.calls.length;
        }
        return original(request);
      };
      const result = await executePromotion(promote("prod", V3), await s.deps());
      const changesAfter = s.workspace.calls.slice(bHoldsSince).filter((c) => c.kind !== "outputs").map((c) => `${c.kind} ${c.stack}`);
      expect({ outcome: result.outcome, changesAfter }, "A changed the stacks while B held the lease").to.deep.equal({ outcome: "undo-failed", changesAfter: [] });
      expect(result.reason).to.match(/broken or taken over by another run/);
      expect(s.aws.leaseItem()!.purpose).to.deep.equal({ S: "promote qa to v3" }); // A left B's lease alone
    });
  });
});
