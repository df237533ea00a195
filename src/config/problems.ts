import type { z } from "zod";
import { didYouMean } from "./suggest";

/** The configuration error is the client package's (one class: `instanceof` holds across the program, CLI and client). */
import { type ConfigProblem } from "@modelshare/client/contract";
export { ConfigError, formatProblems, formatValue, type ConfigProblem } from "@modelshare/client/contract";

export function configKey(namespace: string, path: readonly PropertyKey[]): string {
  let key = namespace;
  path.forEach((part, index) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += index === 0 ? `:${String(part)}` : `.${String(part)}`;
  });
  return key;
}

/**
 * The message for a value of the wrong type. A number where a string is expected is never converted: Pulumi
 * stores an unquoted or `--path`-set integer as a number (`pulumi config set` docs), which drops leading zeros, so
 * the user is told how to store it as a string.
 */
function wrongTypeMessage(key: string, expected: string, input: unknown, fallback: string): string {
  if (expected === "string" && typeof input === "number") {
    return `is a number, but a string is expected (a number loses leading zeros, e.g. of an account id): store it as a string, quoted in the stack file ("${input}"), or with \`pulumi config set --path '${key}' --type string VALUE\``;
  }
  if (expected === "number" && typeof input === "string") {
    return `is a string, but a number is expected: write it without quotes, or set it with \`pulumi config set --path '${key}' --type int VALUE\``;
  }
  if (expected === "boolean" && typeof input === "string") {
    return `is a string, but true or false is expected: write it without quotes, or set it with \`pulumi config set --path '${key}' --type bool VALUE\``;
  }
  return fallback;
}

/** The keys an object schema accepts at `path` (through optional/default/pipe wrappers, records and arrays). */
export function keysAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] {
  // zod keeps a schema's definition in `_zod.def`; the walk only reads it.
  type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; in?: z.ZodType; valueType?: z.ZodType; element?: z.ZodType };
  let current = schema as { _zod?: { def: Def } } | undefined;
  const unwrap = () => {
    for (let def = current?._zod?.def; def && ["optional", "default", "prefault", "nullable", "readonly", "catch", "pipe"].includes(def.type); def = current?._zod?.def) {
      current = (def.type === "pipe" ? def.in : def.innerType) as typeof current;
    }
  };
  for (const part of path) {
    unwrap();
    const def = current?._zod?.def;
    if (!def) return [];
    if (def.type === "object") current = def.shape?.[String(part)] as typeof current;
    else if (def.type === "record") current = def.valueType as typeof current;
    else if (def.type === "array") current = def.element as typeof current;
    else return [];
  }
  unwrap();
  const def = current?._zod?.def;
  return def?.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

/** Turns zod's issues into problems that name the config key and the value. */
export function problemsFromZod(namespace: string, issues: readonly z.core.$ZodIssue[], schema?: z.ZodType): ConfigProblem[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const valid = keysAt(schema, issue.path);
      const prefix = configKey(namespace, issue.path);
      const render = (k: string) => (issue.path.length === 0 ? `${namespace}:${k}` : `${prefix}.${k}`);
      return {
        key: prefix,
        message:
          issue.keys.map((k) => `unknown key "${k}"${didYouMean(k, valid, render)}`).join("; ") +
          (valid.length > 0 ? `; allowed: ${valid.join(", ")}` : " (a typo?)"),
      };
    }
    const key = configKey(namespace, issue.path);
    const input = (issue as { input?: unknown }).input;
    if (input === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union")) {
      return { key, message: "is missing; it is required" };
    }
    const message = issue.code === "invalid_type" ? wrongTypeMessage(key, issue.expected, input, issue.message) : issue.message;
    return { key, value: input, message };
  });
}
