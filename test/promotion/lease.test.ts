import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { hostname } from "node:os";
import { registerLease } from "../../src/cli/lease";
import { registerStatus } from "../../src/cli/status";
import { promotionLeaseTableName } from "../../src/contract";
import { executePromotion } from "../../src/promotion/engine";
import { DEFAULT_LEASE_TIMING, DynamoLeaseStore, LeaseHeldError, LeaseLostError, LeaseTableMissingError, PromotionLease } from "../../src/promotion/lease";
import { AwsWorld, evaluateCondition, fakeClock, V1, V2, V3 } from "./fakes";
import { promote, Scenario } from "./harness";

const TABLE = promotionLeaseTableName("modelshare");
const identity = (purpose: string, pid = 4242, host = "ci-runner-7") => ({ user: "alice", host, pid, who: "arn:aws:sts::111111111111:assumed-role/pipeline/alice", command: `modelshare ${purpose}`, purpose });

describe("promotion lease (DynamoDB conditional writes, aws-sdk-client-mock)", () => {
  let aws: AwsWorld;
  const clock = fakeClock();
  const store = () => new DynamoLeaseStore(new DynamoDBClient({ region: "us-east-1" }), TABLE, "account 111111111111, us-east-1");
  const lease = (liveness: (h: { host: string; pid: number }) => boolean | "unknown" = () => true, timing = DEFAULT_LEASE_TIMING) => new PromotionLease(store(), clock, liveness, timing);
  beforeEach(() => (aws = new AwsWorld({})));
  afterEach(() => aws.restore());

  it("creates the item only when absent, with the holder's record, a version and a TTL a day after expiry; releases it by its token", async () => {
    const held = await lease().acquire(identity("promote prod to v2"));
    const put = aws.dynamodb.commandCalls(PutItemCommand)[0].args[0].input;
    expect(put).to.deep.include({ TableName: TABLE, ConditionExpression: "attribute_not_exists(#pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD" });
    expect(aws.leaseItem()!.version.S).to.match(/^[0-9a-f-]{36}$/);
    const item = aws.leaseItem()!;
    expect(item.pk).to.deep.equal({ S: "promotion" });
    expect(item).to.deep.include({ user: { S: "alice" }, host: { S: "ci-runner-7" }, pid: { N: "4242" }, purpose: { S: "promote prod to v2" } });
    expect(Number(item.expiresAt.N) - clock.now()).to.equal(DEFAULT_LEASE_TIMING.durationMs);
    expect(Number(item.ttl.N)).to.equal(Math.ceil(Number(item.expiresAt.N) / 1000) + 86400);
    await held.release();
    expect(aws.leaseItem()).to.equal(undefined);
    expect(aws.dynamodb.commandCalls(DeleteItemCommand)[0].args[0].input).to.deep.include({ ConditionExpression: "#token = :token" });
  });

  it("waits while another run holds it, naming the holder, and gives up after its bound (nothing else written)", async () => {
    await lease().acquire(identity("promote qa to v3", 1, "other-host"));
    const waited: string[] = [];
    const started = clock.now();
    const error = await lease(() => true, { ...DEFAULT_LEASE_TIMING, waitMs: 60_000 })
      .acquire(identity("promote prod to v2"), (holder) => waited.push(holder === "unreadable" ? "?" : holder.purpose))
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LeaseHeldError);
    expect((error as Error).message).to.match(/promote qa to v3: `modelshare promote qa to v3` by alice@other-host \(pid 1/).and.contain("modelshare lease break --force");
    expect(waited).to.deep.equal(["promote qa to v3"]); // announced once, not at every poll
    expect(clock.now() - started).to.be.within(60_000, 60_000 + DEFAULT_LEASE_TIMING.pollMs);
    expect(aws.leaseItem()!.purpose).to.deep.equal({ S: "promote qa to v3" });
  });

  it("takes over a lease whose version stayed unchanged for a lease duration on the taker's clock, and of two takers exactly one gets it", async () => {
    await lease().acquire(identity("crashed run", 7, "gone-host"));
    const timing = { ...DEFAULT_LEASE_TIMING, waitMs: DEFAULT_LEASE_TIMING.durationMs + DEFAULT_LEASE_TIMING.pollMs };
    const started = clock.now();
    const results = await Promise.allSettled([lease(() => true, timing).acquire(identity("run A", 1)), lease(() => true, timing).acquire(identity("run B", 2))]);
    expect(results.filter((r) => r.status === "fulfilled")).to.have.length(1);
    expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason)[0]).to.be.instanceOf(LeaseHeldError);
    expect(clock.now() - started).to.be.at.least(DEFAULT_LEASE_TIMING.durationMs);
    const replace = aws.dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input.ConditionExpression);
    expect(replace).to.include("#token = :token AND #version = :version");
  });

  it("never decides from the holder's wall clock: an item whose expiry lies long in the past is still waited for a whole duration", async () => {
    // Written by a holder whose clock is 12 minutes behind ours (a laptop without NTP): by our clock it "expired" already.
    const skewed = new PromotionLease(store(), { now: () => clock.now() - 12 * 60_000, sleep: clock.sleep }, () => true);
    await skewed.acquire(identity("live elsewhere", 7, "other-host"));
    const error = await lease(() => true, { ...DEFAULT_LEASE_TIMING, waitMs: DEFAULT_LEASE_TIMING.durationMs - 1000 }).acquire(identity("eager")).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LeaseHeldError);
  });

  it("a holder that renews (a new version) is never taken over, however long the other run waits", async () => {
    const holder = await lease().acquire(identity("alive", 7, "other-host"));
    let renewing = true;
    const keepRenewing = (async () => {
      while (renewing) {
        await holder.check();
        await new Promise((done) => setTimeout(done, 1));
      }
    })();
    const error = await lease(() => true, { ...DEFAULT_LEASE_TIMING, waitMs: 3 * DEFAULT_LEASE_TIMING.durationMs }).acquire(identity("waiter")).catch((e: unknown) => e);
    renewing = false;
    await keepRenewing;
    expect(error).to.be.instanceOf(LeaseHeldError);
    expect(aws.leaseItem()!.purpose).to.deep.equal({ S: "alive" });
  });

  it("deletes at once a lease whose holder ran on this host and is gone (a crash), and never one on another host", async () => {
    await lease().acquire(identity("crashed here", 99999, hostname()));
    const here = await lease((h) => h.pid !== 99999).acquire(identity("re-run", 1, hostname()));
    expect(here.record.purpose).to.equal("re-run");
    await here.release();

    await lease().acquire(identity("elsewhere", 99999, "other-host"));
    const error = await lease(() => false, { ...DEFAULT_LEASE_TIMING, waitMs: 0 }).acquire(identity("re-run")).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LeaseHeldError);
  });

  it("every check before a change is a fencing write on token and version that renews, and a run whose lease was broken stops before its next change", async () => {
    const held = await lease().acquire(identity("long run"));
    const first = aws.leaseItem()!.version.S;
    await held.check();
    const update = aws.dynamodb.commandCalls(UpdateItemCommand)[0].args[0].input;
    expect(update).to.deep.include({ ConditionExpression: "#token = :token AND #version = :version" });
    expect(update.ExpressionAttributeValues![":version"]).to.deep.equal({ S: first });
    expect(aws.leaseItem()!.version.S).to.not.equal(first);
    clock.sleep(30_000);
    await held.check();
    expect(aws.dynamodb.commandCalls(UpdateItemCommand)).to.have.length(2); // not only when a renewal is due
    expect(Number(aws.leaseItem()!.expiresAt.N)).to.equal(clock.now() + DEFAULT_LEASE_TIMING.durationMs);

    const broken = await lease().breakLease();
    expect(broken.broken).to.include({ purpose: "long run" });
    const error = await held.check().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LeaseLostError);
    expect((error as Error).message).to.match(/^stopped before the next change: the promotion lease was broken or taken over/);
  });

  it("a run that cannot reach DynamoDB keeps its lease until just before it expires, then stops", async () => {
    const held = await lease().acquire(identity("cut off"));
    aws.failDynamo = () => Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" });
    clock.sleep(DEFAULT_LEASE_TIMING.renewEveryMs);
    await held.check(); // renewal failed, still valid
    clock.sleep(DEFAULT_LEASE_TIMING.durationMs - DEFAULT_LEASE_TIMING.renewEveryMs - DEFAULT_LEASE_TIMING.safetyMarginMs);
    expect(await held.check().catch((e: unknown) => e)).to.be.instanceOf(LeaseLostError);
  });

  it("stops renewing after the longest hold: a hung run cannot keep everyone out for ever", async () => {
    const timing = { ...DEFAULT_LEASE_TIMING, maxHoldMs: 5 * 60_000 };
    const held = await lease(() => true, timing).acquire(identity("hung"));
    for (let i = 0; i < 5; i++) {
      clock.sleep(timing.renewEveryMs);
      await held.check().catch(() => undefined);
    }
    expect(aws.dynamodb.commandCalls(UpdateItemCommand).length).to.equal(2); // at 2 and 4 minutes; not after 5
    clock.sleep(timing.durationMs);
    expect(await held.check().catch((e: unknown) => e)).to.be.instanceOf(LeaseLostError);
  });

  it("names the missing table and says to deploy the ML stack", async () => {
    delete aws.tables[TABLE];
    const error = await lease().acquire(identity("first")).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LeaseTableMissingError);
    expect((error as Error).message).to.contain(`DynamoDB table ${TABLE} in account 111111111111, us-east-1`).and.contain("deploy the ML stack first");
  });

  it("an item that is not a lease record is reported as such, never taken over or broken silently", async () => {
    aws.tables[TABLE].set("promotion", { pk: { S: "promotion" }, note: { S: "written by hand" } });
    const error = await lease(() => true, { ...DEFAULT_LEASE_TIMING, waitMs: 0 }).acquire(identity("x")).catch((e: unknown) => e);
    expect((error as Error).message).to.match(/an unreadable lease item/);
    expect(await lease().breakLease().catch((e: unknown) => (e as Error).message)).to.match(/holds no modelshare lease record; delete the item by hand/);
  });

  it("the fake table evaluates conditions as DynamoDB does for the forms the lease writes, and rejects others", () => {
    const item = { pk: { S: "promotion" }, expiresAt: { N: "100" }, token: { S: "t" } };
    const names = { "#pk": "pk", "#expiresAt": "expiresAt", "#token": "token" };
    expect(evaluateCondition("attribute_not_exists(#pk) OR #expiresAt < :s", item, names, { ":s": { N: "101" } })).to.equal(true);
    expect(evaluateCondition("attribute_not_exists(#pk) OR #expiresAt < :s", item, names, { ":s": { N: "100" } })).to.equal(false);
    expect(evaluateCondition("attribute_not_exists(#pk) OR #expiresAt < :s", undefined, names, { ":s": { N: "0" } })).to.equal(true);
    expect(evaluateCondition("#token = :t", item, names, { ":t": { S: "u" } })).to.equal(false);
    expect(() => evaluateCondition("begins_with(#token, :t)", item, names, { ":t": { S: "t" } })).to.throw(/unsupported condition term/);
  });
});

describe("promotion lease in runs and commands", () => {
  let s: Scenario;
  afterEach(() => s.restore());
  const TWO_ENVS = { configured: { qa: V2, prod: V1 }, granted: { qa: [V2], prod: [V1] } };
  const MODELS = { [V1]: "RUNNING", [V2]: "RUNNING", [V3]: "TRAINING_COMPLETED" };

  it("a promotion holds the lease from before its first change to after its last, and releases it", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const heldDuring: boolean[] = [];
    s.workspace.faults.push(() => (heldDuring.push(s.aws.leaseItem() !== undefined), undefined));
    await executePromotion(promote("prod", V2), await s.deps());
    expect(heldDuring.length).to.be.greaterThan(5);
    expect(heldDuring.every(Boolean)).to.equal(true);
    expect(s.aws.leaseItem()).to.equal(undefined);
  });

  it("a run whose lease is broken while it verifies stops before its next change; the journal lets a re-run finish", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    s.smoke.propagationCalls = 5; // 30 s of backoff: the lease is due for renewal at the next change
    s.smoke.beforeCall = () => void (s.smoke.calls.length === 1 && s.aws.tables[TABLE].delete("promotion"));
    const result = await executePromotion(promote("prod", V2), await s.deps({ leaseTiming: { ...DEFAULT_LEASE_TIMING, renewEveryMs: 20_000 } }));
    expect(result.outcome).to.equal("undo-failed");
    expect(result.reason).to.match(/switch failed \(stopped before the next change: the promotion lease was broken or taken over/);
    expect(s.workspace.deployedConfigured("prod")).to.equal(V1); // the switch never happened
    const lastChange = s.workspace.calls.filter((c) => c.kind !== "outputs").at(-1);
    expect(lastChange).to.include({ kind: "up", stack: "prod" }); // grant's; nothing after the break
    expect(s.violations).to.deep.equal([]);

    const again = await executePromotion(promote("prod", V2), await s.deps());
    expect(again.outcome).to.equal("failed"); // the undo finished
    expect(s.workspace.deployedGrants("prod")).to.deep.equal([V1]);
    expect(s.violations).to.deep.equal([]);
  });

  it("`lease show` names the holder; `lease break` needs --force (exit 2), then deletes it; status shows the holder", async () => {
    s = new Scenario(TWO_ENVS, MODELS);
    const show = async () => {
      s.out.length = 0;
      expect((await s.cli(registerLease, ["lease", "show", "--json"])).exitCode).to.equal(0);
      return JSON.parse(s.out.join(""));
    };
    expect(await show()).to.deep.equal({ table: `DynamoDB table ${TABLE} in account 111111111111, us-east-1, key promotion`, lease: null });

    s.workspace.faults.push((op) => (op.kind === "up" && op.stack === "prod" ? "hang" : undefined));
    void executePromotion(promote("prod", V2), await s.deps({ commandLine: "modelshare promote --env prod --from qa" }));
    await new Promise((done) => setTimeout(done, 100));
    const held = (await show()).lease;
    expect(held).to.include({ command: "modelshare promote --env prod --from qa", purpose: `promote prod to defect-detector.v2`, expired: false });

    s.out.length = 0;
    expect((await s.cli(registerStatus, ["status"])).exitCode).to.equal(0);
    expect(s.out.join("")).to.match(/^promotion lease: held by promote prod to defect-detector\.v2: `modelshare promote --env prod --from qa` by /m);

    const refused = await s.cli(registerLease, ["lease", "break"]);
    expect(refused.error?.name).to.equal("UsageError");
    expect(refused.error?.message).to.match(/lease break needs --force/);
    expect(s.aws.leaseItem()).to.not.equal(undefined);

    s.out.length = 0;
    expect((await s.cli(registerLease, ["lease", "break", "--force"])).exitCode).to.equal(0);
    expect(s.out.join("")).to.match(/^broke the lease of promote prod to defect-detector\.v2/);
    expect(s.aws.leaseItem()).to.equal(undefined);
  });
});
