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

/**
 * A map's own entry, or undefined: `map[name]` on a plain object answers `constructor` or `toString` with
 * Object.prototype's functions, and an environment may be named `constructor`.
 */
export function own<T>(map: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return map !== undefined && Object.hasOwn(map, name) ? map[name] : undefined;
}
