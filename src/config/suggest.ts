/** Edit distance (insertions, deletions, substitutions, adjacent transpositions) between two short strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The valid name closest to a mistyped one, case-insensitively, when it is close enough to be the likely intent
 * (at most a third of its length away, and at least 1 edit); undefined otherwise.
 */
export function nearest(name: string, valid: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of valid) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  if (best === undefined) return undefined;
  return best.distance <= Math.max(2, Math.ceil(best.name.length / 3)) ? best.name : undefined;
}

/** " (did you mean X?)" or "" : appended to an unknown-key message. */
export function didYouMean(name: string, valid: Iterable<string>, render: (n: string) => string = (n) => n): string {
  const close = nearest(name, valid);
  return close === undefined ? "" : ` (did you mean ${render(close)}?)`;
}
