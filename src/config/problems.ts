import type { z } from "zod";

/** One thing wrong with the configuration, named so a user can fix it without reading code. */
export interface ConfigProblem {
  /** Config key as written in Pulumi.<stack>.yaml, e.g. `modelshare:consumers.qa.accountId`. */
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
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatProblems(problems: readonly ConfigProblem[], source: string): string {
  const lines = problems.map((p) =>
    "value" in p && p.value !== undefined
      ? `  - ${p.key} = ${formatValue(p.value)}: ${p.message}`
      : `  - ${p.key}: ${p.message}`,
  );
  return `invalid configuration in ${source} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

export function configKey(namespace: string, path: readonly PropertyKey[]): string {
  let key = namespace;
  path.forEach((part, index) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += index === 0 ? `:${String(part)}` : `.${String(part)}`;
  });
  return key;
}

/** Turns zod's issues into problems that name the config key and the value. */
export function problemsFromZod(namespace: string, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return {
        key: configKey(namespace, issue.path),
        message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")} (a typo?)`,
      };
    }
    const input = (issue as { input?: unknown }).input;
    return { key: configKey(namespace, issue.path), value: input, message: issue.message };
  });
}
