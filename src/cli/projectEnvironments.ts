import { basename } from "node:path";
import { readStackFileContents } from "../config/raw";
import { listStackFiles } from "../config/stackFiles";
import { UsageError } from "./common";
import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The environments a project defines (modelshare:environment of its consumer stack files), read offline and
 * without validating the rest: enough to refuse an unknown `--env` before any credential is looked up. Undefined
 * outside a project (an application host without the stack files), where only AWS can answer.
 */
export function projectEnvironments(dir: string): string[] | undefined {
  if (!existsSync(join(dir, "Pulumi.yaml"))) return undefined;
  const environments = new Set<string>();
  for (const file of listStackFiles(dir).files) {
    let config: Record<string, unknown>;
    try {
      config = readStackFileContents(file.path).config;
    } catch (error) {
      throw new UsageError(`${basename(file.path)}: ${(error as Error).message}`);
    }
    const env = config["modelshare:environment"];
    if (config["modelshare:stackKind"] === "consumer" && typeof env === "string") environments.add(env);
  }
  return [...environments].sort();
}

/** Refuses `flag` naming an environment the project in `dir` does not define (exit 2). */
export function requireProjectEnvironment(dir: string, flag: string, env: string): void {
  const defined = projectEnvironments(dir);
  if (defined === undefined || defined.includes(env)) return;
  throw new UsageError(`${flag} ${JSON.stringify(env)} is not an environment of the project in ${dir}; allowed: ${defined.join(", ") || "none (no consumer stack file)"} (modelshare:environment of each consumer stack)`);
}
