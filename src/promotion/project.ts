import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { rawConfigFromFlat } from "../config/raw";
import { ConfigError } from "../config/problems";
import { ConsumerConfig, MlConfig, NAMESPACE, parseStackConfig } from "../config/schema";

/**
 * The project's stacks as their Pulumi.<stack>.yaml files say. These files are the single source of truth for
 * promotion: LocalWorkspace's setConfig writes them, so reading them back (instead of asking the pulumi CLI)
 * gives the same answer and lets `--dry-run` and `status` work without any Pulumi call.
 */

export interface StackFile {
  readonly stack: string;
  readonly path: string;
}

export interface MlStack extends StackFile {
  readonly config: MlConfig;
}

export interface ConsumerStack extends StackFile {
  readonly config: ConsumerConfig;
}

export interface Project {
  readonly dir: string;
  readonly ml: MlStack;
  /** environment name (modelshare:environment) -> its consumer stack */
  readonly consumers: Readonly<Record<string, ConsumerStack>>;
}

/** The project's stack files are missing or invalid: bad input, reported before any AWS or Pulumi call. */
export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProjectError";
  }
}

const STACK_FILE = /^Pulumi\.([^.]+(?:\.[^.]+)*)\.ya?ml$/;

/** Every Pulumi.<stack>.yaml in the project directory (Pulumi.yaml itself is the project file, not a stack). */
export function listStackFiles(dir: string): StackFile[] {
  if (!existsSync(join(dir, "Pulumi.yaml"))) {
    throw new ProjectError(`${dir} is not a Pulumi project: Pulumi.yaml is missing`);
  }
  return readdirSync(dir)
    .map((name) => ({ name, match: STACK_FILE.exec(name) }))
    .filter((entry) => entry.match !== null)
    .map((entry) => ({ stack: entry.match![1], path: join(dir, entry.name) }))
    .sort((a, b) => a.stack.localeCompare(b.stack));
}

type StackConfig = ReturnType<typeof parseStackConfig>;

/**
 * Validated configs by file, kept while the file's text is unchanged: promotion re-reads the files before every
 * decision (another step may have edited them), and validating unchanged text again would only cost time.
 */
const validated = new Map<string, { readonly text: string; readonly config: StackConfig }>();

function parseStackFile(path: string): StackConfig {
  const text = readFileSync(path, "utf8");
  const known = validated.get(path);
  if (known?.text === text) return known.config;
  const document = parseYaml(text) as { config?: Record<string, unknown> } | null;
  const config = parseStackConfig(rawConfigFromFlat(document?.config ?? {}), path);
  validated.set(path, { text, config });
  return config;
}

/** Reads and validates every stack of the project; every problem of every file is reported at once. */
export function loadProject(dir: string): Project {
  const problems: string[] = [];
  const mlStacks: MlStack[] = [];
  const consumers: Record<string, ConsumerStack> = {};
  for (const file of listStackFiles(dir)) {
    let config;
    try {
      config = parseStackFile(file.path);
    } catch (error) {
      if (error instanceof ConfigError) {
        problems.push(error.message);
        continue;
      }
      throw new ProjectError(`cannot read ${file.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (config.stackKind === "ml") {
      mlStacks.push({ ...file, config });
    } else {
      const existing = consumers[config.environment];
      if (existing) {
        problems.push(`${file.path}: ${NAMESPACE}:environment "${config.environment}" is also the environment of ${existing.path}; each environment has one consumer stack`);
      } else {
        consumers[config.environment] = { ...file, config };
      }
    }
  }
  if (mlStacks.length !== 1 && problems.length === 0) {
    problems.push(
      mlStacks.length === 0
        ? `no stack in ${dir} has ${NAMESPACE}:stackKind ml; the ML account's stack is required`
        : `${mlStacks.map((s) => s.path).join(" and ")} both have ${NAMESPACE}:stackKind ml; exactly one ML stack is allowed`,
    );
  }
  if (problems.length > 0) throw new ProjectError(problems.join("\n"));
  const ml = mlStacks[0];
  for (const [environment, consumer] of Object.entries(consumers)) {
    if (!(environment in ml.config.consumers)) {
      problems.push(`${consumer.path}: environment "${environment}" has no entry ${NAMESPACE}:consumers.${environment} in ${ml.path}`);
    }
  }
  if (problems.length > 0) throw new ProjectError(problems.join("\n"));
  return { dir, ml, consumers };
}

/** Environments that have a consumer stack, in a stable order. */
export function environmentNames(project: Project): string[] {
  return Object.keys(project.consumers).sort();
}
