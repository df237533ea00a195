import { expect } from "chai";
import { EngineDeps, executePromotion, PromotionResult } from "../../src/promotion/engine";
import { StepId } from "../../src/promotion/types";
import { Operation, readStack, V1, V3 } from "../promotion/fakes";
import { Armed, expectSettledWorld, FAULT_KINDS, FaultKind, firstRun, journalFault, oneShot, PROD_V3_CHANGE_OF, pulumiFault, settle } from "../promotion/faultKit";
import { promote, Scenario } from "../promotion/harness";
import { copyScenario, PROD_V1 } from "./promotionWorld";

/**
 * Fault injection for a copy environment (issue 14): the same faults and the same settling as the shared promotion's
 * (test/promotion/faults.test.ts), at each step of the copy plan, with copy.deleteOldCopies on so every step runs.
 * The invariant (harness checkCopyInvariant) is checked after every change: prod's parameter names a listed, RUNNING
 * copy of a version granted to it. Settled: no journal, no lease, the files follow what is deployed, the project
 * policy lets prod copy exactly what it is granted, no copy of V3 left behind by a run that was undone, V3 never
 * started in the ML account, the old copy deleted after a promotion that went through.
 */

const KINDS = FAULT_KINDS;
const STEPS: StepId[] = ["grant", "copy", "ensure-running", "verify", "switch", "stop", "delete-copy", "revoke"];
const AFTER_SWITCH: StepId[] = ["stop", "delete-copy", "revoke"];

const isNewCopy = (arn: string) => /project\/prod-models\/version\/defect-detector\.v3-/.test(arn);

const ML_UP: Partial<Record<StepId, (op: Operation) => boolean>> = PROD_V3_CHANGE_OF;

function arm(s: Scenario, step: StepId, kind: FaultKind): Armed {
  const shot = oneShot();
  const { once, died, diedPromise } = shot;
  const same = (deps: EngineDeps) => deps;
  const hang = () => {
    died();
    return new Promise<never>(() => undefined);
  };
  const lost = () => Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
  const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });

  if (kind === "cannot write its journal") {
    return { died: diedPromise, wrap: journalFault(step, once) };
  }
  /** Around an AWS call on `matches`: a throttle before, a lost response after, or a process that dies after it. */
  const around = (matches: (arn: string) => boolean) => ({
    before: async (arn: string) => {
      if (matches(arn) && kind === "throws before its change" && once()) throw throttled();
    },
    after: async (arn: string) => {
      if (!matches(arn) || kind === "throws before its change" || !once()) return;
      if (kind === "throws after its change") throw lost();
      await hang();
    },
  });
  if (step === "copy") {
    const hooks = around((arn) => arn === V3 || isNewCopy(arn));
    s.aws.beforeCopy = hooks.before;
    s.aws.afterCopy = hooks.after;
  } else if (step === "ensure-running") {
    const hooks = around(isNewCopy);
    s.aws.beforeStart = hooks.before;
    s.aws.afterStart = hooks.after;
  } else if (step === "stop") {
    const hooks = around((arn) => arn === PROD_V1);
    s.aws.beforeStop = hooks.before;
    s.aws.afterStop = hooks.after;
  } else if (step === "delete-copy") {
    const hooks = around((arn) => arn === PROD_V1);
    s.aws.beforeDelete = hooks.before;
    s.aws.afterDelete = hooks.after;
  } else if (step === "verify") {
    const original = s.smoke.detectLabels.bind(s.smoke);
    s.smoke.detectLabels = async (request) => {
      if (!once()) return original(request);
      if (kind === "dies there") return hang();
      if (kind === "throws after its change") {
        await original(request);
        throw Object.assign(new Error("the label came back unreadable"), { name: "SerializationException" });
      }
      throw Object.assign(new Error("the image is not a PNG or JPEG"), { name: "InvalidImageFormatException" });
    };
  } else {
    const match = ML_UP[step]!;
    pulumiFault(s, match, kind, shot);
  }
  return { died: diedPromise, wrap: same };
}

function expectSettled(s: Scenario, prodCalls: string): void {
  expectSettledWorld(s, prodCalls);
  expect(s.aws.copyableBy("prod"), "the project policy follows the grants").to.deep.equal([prodCalls]);
  expect(s.aws.starts.filter((arn) => arn === V3), "V3 started in the ML account").to.deep.equal([]);
  const listed = (readStack(s.dir, "prod")["modelshare:copy"].versions as { source: string; copy: string }[]).map((v) => v.source);
  const newCopies = Object.keys(s.aws.models).filter(isNewCopy);
  if (prodCalls === V3) {
    expect(listed, "the old copy unlisted").to.deep.equal([V3]);
    expect(s.aws.models[PROD_V1], "the old copy deleted").to.equal(undefined);
    expect(newCopies).to.have.length(1);
  } else {
    expect(listed).to.deep.equal([V1]);
    expect(newCopies, "a copy made by an undone run is deleted").to.deep.equal([]);
    expect(s.aws.status(PROD_V1)).to.equal("RUNNING");
  }
}

describe("copy mode: fault injection at each step of a copy environment's promotion, then re-runs of the same command", () => {
  let s: Scenario;
  afterEach(() => s?.restore());

  for (const step of STEPS) {
    for (const kind of KINDS) {
      it(`${step} ${kind}`, async () => {
        s = copyScenario({ deleteOldCopies: true });
        const armed = arm(s, step, kind);
        const attempt = async () => executePromotion(promote("prod", V3), armed.wrap(await s.deps()));
        const first = await firstRun(s, attempt, armed.died);
        if (first instanceof Error) throw first;
        const again = await settle(s, async () => executePromotion(promote("prod", V3), await s.deps()));
        const afterSwitch = AFTER_SWITCH.includes(step);
        // A throttled CopyProjectVersion is retried (as a denial while the project policy applies would be); one whose
        // response was lost is found by its name and adopted (no idempotency token: the same as joining a start).
        const retried = step === "copy" && (kind === "throws before its change" || kind === "throws after its change");
        const promoted = kind === "dies there" || afterSwitch || retried;
        // A StopProjectVersion whose response was lost is found STOPPING: done, nothing pending.
        const lostStopResponse = step === "stop" && kind === "throws after its change";
        if (first !== "died") expect(first.outcome, first.reason).to.equal(lostStopResponse || retried ? "succeeded" : afterSwitch ? "cleanup-pending" : promoted ? "succeeded" : "failed");
        expectSettled(s, promoted ? V3 : V1);
        const last = [first, ...again].filter((r): r is PromotionResult => r !== "died").at(-1)!;
        expect(last.outcome, last.reason).to.equal(promoted ? "succeeded" : "failed");
      });
    }
  }
});
