/** One thing wrong with a configuration, named so a user can fix it without reading code. */
export interface ConfigProblem {
  /** Where the value came from: a config key as written in Pulumi.<stack>.yaml, an SSM parameter name, an option. */
  readonly key: string;
  /** The offending value (omitted when the key is missing). */
  readonly value?: unknown;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/** All problems of one configuration, reported together so a user fixes the config in one pass. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly ConfigProblem[],
    readonly source: string,
  ) {
    super(formatProblems(problems, source));
    this.name = "ConfigError";
  }
}

export function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatProblems(problems: readonly ConfigProblem[], source: string): string {
  const lines = problems.map((p) =>
    "value" in p && p.value !== undefined ? `  - ${p.key} = ${formatValue(p.value)}: ${p.message}` : `  - ${p.key}: ${p.message}`,
  );
  return `invalid configuration in ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}
