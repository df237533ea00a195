import { CATEGORY_IDS, CategoryId } from "./cases";
import type { MatrixRow } from "./evaluate";

/** Rows of one category: how many, how many allowed and denied, how many contradict the config. */
export interface CategorySummary {
  readonly category: CategoryId;
  readonly rows: number;
  readonly allowed: number;
  readonly denied: number;
  readonly mismatches: number;
}

/** One line per category that has rows, in report order. */
export function summarizeByCategory(rows: readonly MatrixRow[]): CategorySummary[] {
  return CATEGORY_IDS.flatMap((category) => {
    const own = rows.filter((r) => r.category === category);
    if (own.length === 0) return [];
    const allowed = own.filter((r) => r.decision === "Allowed").length;
    return [{ category, rows: own.length, allowed, denied: own.length - allowed, mismatches: own.filter((r) => r.mismatch).length }];
  });
}

/** Denied rows of one category grouped by kind: how each was stopped, with one scenario as an example. */
export interface DeniedKindSummary {
  readonly category: CategoryId;
  readonly kind: string;
  readonly rows: number;
  readonly explicitly: number;
  readonly implicitly: number;
  readonly example: string;
}

export function summarizeDenied(rows: readonly MatrixRow[]): DeniedKindSummary[] {
  const groups = new Map<string, MatrixRow[]>();
  for (const row of rows) {
    if (row.decision === "Allowed") continue;
    const key = `${row.category}\u0000${row.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const order = (category: CategoryId) => CATEGORY_IDS.indexOf(category);
  return [...groups.values()]
    .map((group) => ({
      category: group[0].category,
      kind: group[0].kind,
      rows: group.length,
      explicitly: group.filter((r) => r.decision === "ExplicitlyDenied").length,
      implicitly: group.filter((r) => r.decision === "ImplicitlyDenied").length,
      example: group[0].scenario,
    }))
    .sort((a, b) => order(a.category) - order(b.category));
}
