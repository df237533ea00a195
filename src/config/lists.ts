/** Indices of the values that repeat an earlier one. */
export function duplicates<T>(values: readonly T[], key: (value: T) => string = String): number[] {
  const seen = new Set<string>();
  const repeated: number[] = [];
  values.forEach((value, i) => {
    const k = key(value);
    if (seen.has(k)) repeated.push(i);
    seen.add(k);
  });
  return repeated;
}
