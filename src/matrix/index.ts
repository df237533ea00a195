import { ActionCatalog, loadActionCatalog } from "./actions";
import type { CategoryId } from "./cases";
import { CATEGORIES, casesOf } from "./categories";
import { EvaluateOptions, evaluateCases, MatrixRow } from "./evaluate";
import type { Simulator } from "./simulator";
import { StackLike, topologyOf } from "./topology";

export type { MatrixRow, EvaluateOptions } from "./evaluate";
export { rowFor } from "./evaluate";
export type { MatrixCase, Expectation, CategoryId } from "./cases";
export { CATEGORY_IDS } from "./cases";
export { CATEGORIES, casesOf } from "./categories";
export type { MatrixCategory } from "./categories";
export { loadActionCatalog } from "./actions";
export { summarizeByCategory, summarizeDenied } from "./summary";
export type { CategorySummary, DeniedKindSummary } from "./summary";
export type { ActionCatalog } from "./actions";
export { loadSimulator, SimulatorUnavailableError, SIMULATOR_PACKAGE } from "./simulator";
export type { Simulator, SimulationInput, SimulationOutcome, Decision, NamedPolicy } from "./simulator";
export { topologyOf } from "./topology";
export type { StackLike, Topology } from "./topology";

export interface MatrixOptions extends EvaluateOptions {
  /** Only these categories (default: every registered one). */
  readonly categories?: readonly CategoryId[];
}

export interface AccessMatrix {
  readonly rows: readonly MatrixRow[];
  readonly mismatches: number;
  /** What the matrix had to leave out (e.g. an environment without a consumer stack). */
  readonly notes: readonly string[];
  /** The requests behind the rows, in the same order (for checks that need the request, e.g. the archive rules'). */
  readonly cases?: readonly import("./cases").MatrixCase[];
}

/** Every request for these stacks, category by category (the IAM action catalog loaded first). */
export async function matrixCases(stacks: readonly StackLike[], catalog?: ActionCatalog) {
  return casesOf(topologyOf(stacks), catalog ?? (await loadActionCatalog()));
}

/**
 * Evaluates who can do what with the policies of the synthesized stacks: the identity, trust, SCP and VPC
 * endpoint documents come from the resources' inputs; `expected` comes from the configuration's intent.
 */
export async function buildAccessMatrix(stacks: readonly StackLike[], simulator: Simulator, options: MatrixOptions = {}): Promise<AccessMatrix> {
  const topology = topologyOf(stacks);
  const categories = options.categories ? CATEGORIES.filter((c) => options.categories?.includes(c.id)) : CATEGORIES;
  const cases = casesOf(topology, await loadActionCatalog(), categories);
  const rows = await evaluateCases(cases, simulator, options);
  return { rows, mismatches: rows.filter((r) => r.mismatch).length, notes: topology.notes, cases };
}
