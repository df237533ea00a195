import { expect } from "chai";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EngineDeps, PromotionResult } from "../../src/promotion/engine";
import { Journal, StepId } from "../../src/promotion/types";
import { Operation, V1, V3 } from "./fakes";
import { checkoutDrift } from "../../src/promotion/drift";
import { loadProjectFiles } from "../../src/promotion/project";
import { historyOf, Scenario } from "./harness";

/**
 * What the fault-injection suites share (test/promotion/faults.test.ts for shared environments,
 * test/copy/promotionFaults.test.ts for copy environments): the kinds of fault, the first run that may "die", and
 * the re-runs an operator makes until the journal is gone.
 */

export type FaultKind = "throws before its change" | "throws after its change" | "dies there" | "cannot write its journal";
export const FAULT_KINDS: FaultKind[] = ["throws before its change", "throws after its change", "dies there", "cannot write its journal"];

/** A fault armed once; `died` resolves when a run reached a point where it "dies" (never returns). */
export interface Armed {
  readonly died: Promise<void>;
  /** Wraps the deps of the first run (journal faults). */
  readonly wrap: (deps: EngineDeps) => EngineDeps;
}

/** Deps whose journal cannot be written once `step` is done (a full disk), once. */
export function journalFault(step: StepId, once: () => boolean): (deps: EngineDeps) => EngineDeps {
  return (deps) => ({
    ...deps,
    journals: {
      ...deps.journals,
      read: (env) => deps.journals.read(env),
      list: () => deps.journals.list(),
      remove: (env) => deps.journals.remove(env),
      write: (journal: Journal) => {
        if (journal.steps.find((x) => x.id === step)?.state === "done" && once()) throw new Error("ENOSPC: no space left on device, write .modelshare/journal/prod.json");
        deps.journals.write(journal);
      },
    },
  });
}

/** Runs `attempt` once; a run that "dies" is abandoned (its process is gone) and the scenario told so. */
export async function firstRun(s: Scenario, attempt: () => Promise<PromotionResult>, died: Promise<void>): Promise<PromotionResult | "died" | Error> {
  const result = await Promise.race([attempt().catch((e: Error) => e), died.then(() => "died" as const)]);
  if (result === "died") {
    await new Promise((done) => setTimeout(done, 10));
    s.crashed();
  }
  return result;
}

/** Re-runs the same command until its journal is gone (at most three times): what an operator does after a failure. */
export async function settle(s: Scenario, attempt: () => Promise<PromotionResult>): Promise<PromotionResult[]> {
  const results: PromotionResult[] = [];
  for (let i = 0; i < 3 && existsSync(join(s.dir, ".modelshare", "journal", "prod.json")); i++) results.push(await attempt());
  return results;
}

/** The Pulumi operation that carries each of these steps' change, for prod's promotion V1 -> V3. */
export const PROD_V3_CHANGE_OF = {
  grant: (op: Operation) => op.kind === "up" && op.stack === "ml" && op.config["modelshare:consumers"].prod.grantedVersions.includes(V3) && op.config["modelshare:consumers"].prod.grantedVersions.includes(V1),
  switch: (op: Operation) => op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === V3,
  revoke: (op: Operation) => op.kind === "up" && op.stack === "ml" && !op.config["modelshare:consumers"].prod.grantedVersions.includes(V1),
} as const;

/** A fault that fires once, and the promise that resolves when a run "dies" at it. */
export function oneShot(): { readonly once: () => boolean; readonly died: () => void; readonly diedPromise: Promise<void> } {
  let died: () => void = () => undefined;
  const diedPromise = new Promise<void>((done) => (died = done));
  let armed = true;
  return { once: () => armed && !(armed = false), died: () => died(), diedPromise };
}

/**
 * The world after the dust settled, in either mode: no violation ever, no journal or lease left, prod calls
 * `prodCalls` and is granted exactly it, the files follow what is deployed, each outcome recorded once.
 */
export function expectSettledWorld(s: Scenario, prodCalls: string): void {
  expect(s.violations, s.violations.join("\n")).to.deep.equal([]);
  expect(s.checks).to.be.greaterThan(5);
  expect(existsSync(join(s.dir, ".modelshare", "journal", "prod.json")), "journal left").to.equal(false);
  expect(s.aws.leaseItem(), "lease left").to.equal(undefined);
  expect(s.workspace.deployedConfigured("prod")).to.equal(prodCalls);
  expect(s.workspace.deployedGrants("prod"), "grants left behind").to.deep.equal([prodCalls]);
  const project = loadProjectFiles(s.dir);
  const deployed = { grants: { qa: s.workspace.deployedGrants("qa"), prod: s.workspace.deployedGrants("prod") }, configured: { qa: s.workspace.deployedConfigured("qa"), prod: prodCalls } };
  expect(checkoutDrift(project, deployed)).to.deep.equal([]);
  const records = historyOf(s, "prod").map((r) => `${r.id} ${r.outcome}`);
  expect(new Set(records).size).to.equal(records.length);
}

/** A fault on the Pulumi operation `match` finds: fails before or after it takes effect, or hangs (a run that dies). */
export function pulumiFault(s: Scenario, match: (op: Operation) => boolean, kind: FaultKind, shot: ReturnType<typeof oneShot>): void {
  s.workspace.faults.push((op) => {
    if (!match(op) || !shot.once()) return undefined;
    if (kind === "dies there") {
      shot.died();
      return "hang";
    }
    return kind === "throws before its change" ? "fail" : "fail-after";
  });
}
