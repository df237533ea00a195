import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError, ConfigProblem } from "./problems";
import { projectProblems } from "./projectChecks";
import { notRegularFileReason, rawConfigFromFlat, readStackFileContents } from "./raw";
import { parseStackConfig, StackConfig } from "./schema";

/** A Pulumi.<stack>.yaml (or .yml) file of a project directory. */
export interface StackFileName {
  readonly stack: string;
  readonly path: string;
}

/** Pulumi stack names: letters, digits, '-', '_' and '.' (Pulumi docs, "Stacks"), so `Pulumi.qa.eu.yaml` is stack qa.eu. */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
const STACK_FILE = /^Pulumi\.(.+)\.(yaml|yml)$/;

/**
 * The stack files of a directory, every problem with them collected: a name that is not a stack name, and the same
 * stack as both .yaml and .yml (which one Pulumi reads is not what a user expects to guess).
 */
export function listStackFiles(dir: string): { files: StackFileName[]; problems: ConfigError[] } {
  const problems: ConfigError[] = [];
  const byStack = new Map<string, string[]>();
  for (const name of readdirSync(dir).sort()) {
    const match = STACK_FILE.exec(name);
    if (!match) continue;
    const stack = match[1];
    if (!STACK_NAME.test(stack)) {
      problems.push(new ConfigError([{ key: "(file name)", value: name, message: `names the stack "${stack}"; Pulumi stack names contain only letters, digits, '-', '_' and '.': rename the file` }], name));
      continue;
    }
    byStack.set(stack, [...(byStack.get(stack) ?? []), name]);
  }
  const files: StackFileName[] = [];
  for (const [stack, names] of byStack) {
    if (names.length > 1) {
      problems.push(new ConfigError([{ key: "(file name)", value: names.join(", "), message: `${names.join(" and ")} are both files of stack "${stack}"; keep one (Pulumi reads only one of them)` }], names.join(" and ")));
      continue;
    }
    files.push({ stack, path: join(dir, names[0]) });
  }
  return { files: files.sort((a, b) => a.stack.localeCompare(b.stack)), problems };
}

/** The project name of Pulumi.yaml (stack references name it: `org/<project>/<stack>`), or undefined without one. */
export function projectName(dir: string): string | undefined {
  const file = join(dir, "Pulumi.yaml");
  if (notRegularFileReason(file) !== undefined) return undefined;
  try {
    const name = (parseYaml(readFileSync(file, "utf8")) as { name?: unknown } | null)?.name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

export interface StackFile {
  readonly stack: string;
  readonly file: string;
  readonly config: StackConfig;
  readonly fileConfig: Record<string, unknown>;
  /** Config keys (with paths) whose `secure:` values synth replaced by a placeholder. */
  readonly secretPaths?: readonly string[];
  /** ESC environments the file imports, which synth cannot open. */
  readonly environments?: readonly string[];
}

/** Config problems across several stack files, each named with its file. */
export class StackFilesError extends Error {
  constructor(
    readonly errors: readonly ConfigError[],
    /** What synth could not see in the files it read (ESC environments, secrets): it may explain the errors. */
    readonly warnings: readonly string[] = [],
  ) {
    super(errors.map((e) => e.message).join("\n"));
    this.name = "StackFilesError";
  }
}

export const PROJECT_NAME = "modelshare";

/**
 * The Pulumi.<stack>.yaml files of a directory, validated one by one and together (projectProblems), the ML stacks
 * first. Every problem of every file is reported at once.
 */
export function loadStackFiles(configDir: string): StackFile[] {
  const listed = listStackFiles(configDir);
  if (listed.files.length === 0 && listed.problems.length === 0) {
    throw new StackFilesError([
      new ConfigError([{ key: "--config-dir", value: configDir, message: "holds no Pulumi.<stack>.yaml file" }], configDir),
    ]);
  }
  const errors: ConfigError[] = [...listed.problems];
  const stacks: StackFile[] = [];
  const warnings: string[] = [];
  for (const { stack, path: fullPath } of listed.files) {
    const file = path.basename(fullPath);
    try {
      const contents = readStackFileContents(fullPath);
      warnings.push(...stackFileWarnings([{ stack, file: fullPath, ...contents }]));
      const config = parseStackConfig(rawConfigFromFlat(contents.config, contents.secretPaths), file);
      stacks.push({ stack, file: fullPath, fileConfig: contents.config, config, secretPaths: contents.secretPaths, environments: contents.environments });
    } catch (error) {
      if (error instanceof ConfigError) errors.push(error);
      else errors.push(new ConfigError([{ key: "(file)", message: `cannot be read: ${(error as Error).message}` }], file));
    }
  }
  if (errors.length === 0) errors.push(...projectProblems(stacks, { project: projectName(configDir) ?? PROJECT_NAME, dir: configDir }));
  if (errors.length > 0) throw new StackFilesError(errors, warnings);
  const rank = (s: StackFile) => (s.config.stackKind === "ml" ? 0 : 1);
  return stacks.sort((a, b) => rank(a) - rank(b) || a.stack.localeCompare(b.stack));
}

/**
 * What synth could not see, per file: values held as secrets (replaced by an opaque placeholder) and ESC
 * environments (which only Pulumi can open), with how to supply them.
 */
export function stackFileWarnings(stackFiles: readonly Pick<StackFile, "stack" | "file" | "secretPaths" | "environments">[]): string[] {
  return stackFiles.flatMap((s) => {
    const file = path.basename(s.file);
    const warnings: string[] = [];
    if ((s.environments ?? []).length > 0) {
      warnings.push(
        `${file} imports the ESC environment(s) ${s.environments!.join(", ")}, which synth cannot open offline: config values they provide are missing here. ` +
          `To synth with them, copy their values (\`pulumi config --stack ${s.stack} --show-secrets --json\` prints the resolved config) into the config: block of a copy of ${file} in another directory and pass it with --config-dir; ` +
          "or preview for real with `modelshare deploy --preview`, which resolves them.",
      );
    }
    if ((s.secretPaths ?? []).length > 0) {
      warnings.push(`${file}: ${s.secretPaths!.join(", ")} ${s.secretPaths!.length === 1 ? "is a secret" : "are secrets"} (secure:), which synth cannot decrypt: out/${s.stack}.json shows a placeholder where ${s.secretPaths!.length === 1 ? "it goes" : "they go"}, marked secret.`);
    }
    return warnings;
  });
}

/** Every problem of a StackFilesError or ConfigError, for machine output. */
export function problemsOf(error: StackFilesError | ConfigError): { source: string; problems: readonly ConfigProblem[] }[] {
  const errors = error instanceof StackFilesError ? error.errors : [error];
  return errors.map((e) => ({ source: e.source, problems: e.problems }));
}
