import { ConfigError } from "../../src/config/problems";
import { rawConfigFromFlat } from "../../src/config/raw";
import { parseStackConfig } from "../../src/config/schema";

/** The problems the schema reports for a Pulumi.<stack>.yaml `config:` map, as `key = value: message` lines. */
export function problemsOf(fileConfig: Record<string, unknown>): string[] {
  try {
    parseStackConfig(rawConfigFromFlat(fileConfig), "Pulumi.test.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.message}`);
    throw error;
  }
  return [];
}
