import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";

/** The repository root (test/engine -> ../..). */
export const REPO = resolve(__dirname, "..", "..");

/** What a deployment needs from the repository: the program, the CLI, the policy pack and the stack files. */
// dist/: the compiled program Pulumi.yaml runs and the CLI bin/modelshare.js runs (`npm test` builds it first).
const PROJECT_ENTRIES = ["Pulumi.yaml", "Pulumi.ml.yaml", "Pulumi.qa.yaml", "Pulumi.prod.yaml", "index.ts", "package.json", "tsconfig.json", "stacks", "components", "src", "policy", "bin", "examples", "client", "dist"];

/**
 * A copy of the project in `dir`, sharing the repository's node_modules: promotion edits the stack files (that is
 * how it records which version an environment calls), and the lane must leave the repository's examples alone.
 */
export function copyProject(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const entry of PROJECT_ENTRIES) cpSync(join(REPO, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** Sets a config value (a `modelshare:` key path like ["modelshare:guardrail", "consumerTargetIds"]) in a stack file. */
export function setStackConfig(dir: string, stack: string, path: readonly string[], value: unknown): void {
  const file = join(dir, `Pulumi.${stack}.yaml`);
  const document = parseDocument(readFileSync(file, "utf8"));
  document.setIn(["config", ...path], value);
  writeFileSync(file, document.toString());
}

export function stackConfig(dir: string, stack: string): Record<string, unknown> {
  const document = parseDocument(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8"));
  return (document.toJS() as { config: Record<string, unknown> }).config;
}
