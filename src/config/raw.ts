import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { NAMESPACE } from "./schema";

/**
 * Turns a stack's flat config map (`namespace:key` -> value) into the raw object the schema validates.
 * Pulumi's runtime hands every value over as a string (objects as JSON); a Pulumi.<stack>.yaml file read
 * directly gives typed values. Both go through here so the program and the offline tools see the same config.
 */
export function rawConfigFromFlat(flat: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(flat)) {
    if (fullKey === "aws:region") raw.region = value;
    else if (fullKey.startsWith(`${NAMESPACE}:`)) raw[fullKey.slice(NAMESPACE.length + 1)] = decodeValue(value);
  }
  return raw;
}

function decodeValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value; // the schema reports it with the value it got
    }
  }
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  return value;
}

/** The `config:` map of a Pulumi.<stack>.yaml file. */
export function readStackFile(path: string): Record<string, unknown> {
  const document = parseYaml(readFileSync(path, "utf8")) as { config?: Record<string, unknown> } | null;
  return document?.config ?? {};
}

/**
 * The flat string map Pulumi's runtime hands a program (objects as JSON), from a stack file's `config:` map:
 * synth and the tests feed the real program exactly what `pulumi up` would.
 */
export function toRuntimeConfig(fileConfig: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fileConfig).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}
