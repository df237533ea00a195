import type { CategoryId, Expectation, MatrixCase } from "./cases";
import { defaultWorkerCount, simulateInParallel } from "./parallel";
import type { Decision, PolicyReference, SimulationOutcome, Simulator } from "./simulator";

/** One row of OUT/access-matrix.json. */
export interface MatrixRow {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly expected: Expectation;
  readonly decision: Decision;
  /** Which statements decided it, or why nothing allowed it. */
  readonly reason: string;
  /** The red-team category the request belongs to (src/matrix/categories). */
  readonly category: CategoryId;
  readonly scenario: string;
  /** The kind of request within its category. */
  readonly kind: string;
  /** The decision contradicts the configuration's intent (or the request could not be evaluated). */
  readonly mismatch: boolean;
  /** The simulator refused the request (invalid policy, action or resource). */
  readonly error?: string;
}

function statementOf(ref: PolicyReference): string {
  if (ref.statementId) return `#${ref.statementId}`;
  return ref.statementIndex !== undefined ? ` statement ${ref.statementIndex}` : "";
}

function describe(ref: PolicyReference, matrixCase: MatrixCase): string {
  const where = (ref as { identifier?: string }).identifier ?? ref.orgIdentifier;
  switch (ref.policyType) {
    case "identity":
      return ref.policyIdentifier ? `identity policy ${ref.policyIdentifier}${statementOf(ref)}` : "the identity policies";
    case "resource":
      return `${matrixCase.resourcePolicyLabel ?? "the resource policy"}${statementOf(ref)}`;
    case "vpce":
      return ref.policyIdentifier ? `endpoint policy ${ref.policyIdentifier}${statementOf(ref)}` : "the VPC endpoint policy";
    case "scp":
      return ref.policyIdentifier ? `SCP ${ref.policyIdentifier}${statementOf(ref)}${where ? ` at ${where}` : ""}` : `the SCPs${where ? ` at ${where}` : ""}`;
    default:
      return `${ref.policyType} policy${ref.policyIdentifier ? ` ${ref.policyIdentifier}` : ""}${statementOf(ref)}`;
  }
}

function isExplicitDenyBy(outcome: SimulationOutcome, scpName: string): boolean {
  return outcome.decision === "ExplicitlyDenied" && outcome.denials.some((d) => d.denialType === "Explicit" && d.policyType === "scp" && d.policyIdentifier === scpName);
}

/** The row for a case and its simulated outcome. Pure: the comparison with intent lives here. */
export function rowFor(matrixCase: MatrixCase, outcome: SimulationOutcome): MatrixRow {
  // Field order follows the documented row shape: principal, action, resource, expected, decision, reason.
  const row = (reason: string, mismatch: boolean, error?: string): MatrixRow => ({
    principal: matrixCase.principal,
    action: matrixCase.action,
    resource: matrixCase.resource,
    expected: matrixCase.expected,
    decision: outcome.decision,
    reason,
    category: matrixCase.category,
    scenario: matrixCase.scenario,
    kind: matrixCase.kind,
    mismatch,
    ...(error !== undefined ? { error } : {}),
  });
  if (outcome.error !== undefined) return row(`not evaluated: the simulator refused the request (${outcome.error})`, true, outcome.error);
  let reason: string;
  if (outcome.decision === "Allowed") {
    // FullAWSAccess at every level is assumed, not a modelshare policy: naming it in every row adds nothing.
    const grants = outcome.grants.filter((g) => !(g.policyType === "scp" && g.policyIdentifier === "FullAWSAccess"));
    reason = `allowed by ${grants.map((g) => describe(g, matrixCase)).join("; ") || "the policies"}`;
  } else if (outcome.decision === "ExplicitlyDenied") {
    reason = `explicitly denied by ${outcome.denials.filter((d) => d.denialType === "Explicit").map((d) => describe(d, matrixCase)).join("; ")}`;
  } else {
    reason = `implicitly denied: no Allow in ${outcome.denials.map((d) => describe(d, matrixCase)).join("; ") || "any policy"}`;
  }
  let mismatch: boolean;
  if (matrixCase.expected === "Allowed") {
    mismatch = outcome.decision !== "Allowed";
  } else {
    const guardrailMissed = matrixCase.deniedBy !== undefined && outcome.decision !== "Allowed" && !isExplicitDenyBy(outcome, matrixCase.deniedBy);
    mismatch = outcome.decision === "Allowed" || guardrailMissed;
    if (guardrailMissed) reason += `; the config intends an explicit Deny from SCP ${matrixCase.deniedBy}`;
  }
  return row(reason, mismatch);
}

export interface EvaluateOptions {
  /** Worker threads; default one thread below 2,500 requests, else one per CPU (at most 4). */
  readonly workers?: number;
  /** Requests per message to a worker. @default 500 */
  readonly batchSize?: number;
  /** Called now and then with the number of requests done. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Evaluates every case; rows come back in the order of the cases. */
export async function evaluateCases(cases: readonly MatrixCase[], simulator: Simulator, options: EvaluateOptions = {}): Promise<MatrixRow[]> {
  const workers = options.workers ?? defaultWorkerCount(cases.length);
  if (workers > 1) {
    const outcomes = await simulateInParallel(cases.map((c) => c.simulation), workers, options.onProgress, options.batchSize);
    return cases.map((matrixCase, i) => rowFor(matrixCase, outcomes[i]));
  }
  const rows: MatrixRow[] = [];
  for (const [index, matrixCase] of cases.entries()) {
    rows.push(rowFor(matrixCase, await simulator.simulate(matrixCase.simulation)));
    if ((index + 1) % 1000 === 0) options.onProgress?.(index + 1, cases.length);
  }
  return rows;
}
