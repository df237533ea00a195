import { stringify } from "csv-stringify/sync";
import type { MatrixRow } from "../matrix";

/** OUT/access-matrix.csv's columns, in order: the header row names them. */
export const MATRIX_CSV_COLUMNS = ["category", "kind", "scenario", "principal", "action", "resource", "expected", "decision", "mismatch", "reason", "error"] as const;

/**
 * The access matrix as CSV for a spreadsheet or a diff: a header row, one record per row, RFC 4180 quoting and CRLF
 * record ends (csv-stringify). Same rows as access-matrix.json; `mismatch` is `true`/`false`, a missing error is empty.
 */
export function matrixCsv(rows: readonly MatrixRow[]): string {
  return stringify(
    rows.map((r) => ({ ...r, error: r.error ?? "" })),
    {
      header: true,
      columns: [...MATRIX_CSV_COLUMNS],
      record_delimiter: "\r\n",
      cast: { boolean: (value) => (value ? "true" : "false") },
    },
  );
}
