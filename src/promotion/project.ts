import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { ConfigError } from "../config/problems";
import { projectProblems } from "../config/projectChecks";
import { flatFromAutomationConfig, notRegularFileReason, rawConfigFromFlat, readStackFileContents } from "../config/raw";
import { ConsumerConfig, MlConfig, parseStackConfig, StackConfig } from "../config/schema";
import { listStackFiles, projectName, StackFileName } from "../config/stackFiles";
import { StackNotDeployedError, StackWorkspace } from "./workspace";

/**
 * The project's stacks and their config. The stacks are the project's Pulumi.<stack>.yaml files; their config is
 * read the way `pulumi up` reads it: through the Automation API (Stack.getAllConfig, i.e. `pulumi config
 * --show-secrets --json`), so secrets are decrypted and service-managed config and ESC environments apply. The
 * offline reader (loadProjectFiles) reads the files alone, for `--dry-run`, which makes no Pulumi call: there a
 * secret is a placeholder and an ESC environment is not opened, each said in a warning.
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
  /** environment name (modelshare:environment) -> its consumer stack; no prototype, so any name is only its own entry */
  readonly consumers: Readonly<Record<string, ConsumerStack>>;
  /** What the reader could not see (offline: secrets and ESC environments; a stack not yet in the backend). */
  readonly warnings?: readonly string[];
}

/** The project's stack files are missing or invalid: bad input, reported before any AWS call. */
export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProjectError";
  }
}

/** The project's stack files; a directory without a Pulumi.yaml (or with unusable stack files) is refused. */
export function projectStackFiles(dir: string): StackFileName[] {
  const reason = notRegularFileReason(`${dir}/Pulumi.yaml`);
  if (reason !== undefined) throw new ProjectError(`${dir} is not a Pulumi project: Pulumi.yaml ${reason}; run modelshare in the project's directory, or pass --cwd DIR`);
  const { files, problems } = listStackFiles(dir);
  if (problems.length > 0) throw new ProjectError(problems.map((p) => p.message).join("\n"));
  if (files.length === 0) throw new ProjectError(`${dir} has no Pulumi.<stack>.yaml file; the ML stack's file is required`);
  return files;
}

/** Validated configs by the flat config they came from: promotion re-reads the config before every decision. */
const validated = new Map<string, StackConfig>();

function parseFlat(flat: Record<string, unknown>, secretKeys: readonly string[], source: string): StackConfig {
  const cacheKey = JSON.stringify([source, flat, secretKeys]);
  const known = validated.get(cacheKey);
  if (known) return known;
  const config = parseStackConfig(rawConfigFromFlat(flat, secretKeys), source);
  validated.set(cacheKey, config);
  return config;
}

/** A stack's config: where it came from and what it holds. */
interface StackConfigRead {
  readonly file: StackFileName;
  readonly config?: StackConfig;
  readonly error?: ConfigError;
}

/** Builds the project from every stack's config (or its problems), all problems of all files at once. */
function assemble(dir: string, reads: readonly StackConfigRead[], warnings: readonly string[]): Project {
  const errors = reads.flatMap((r) => (r.error ? [r.error] : []));
  const stacks = reads.flatMap((r) => (r.config ? [{ stack: r.file.stack, file: r.file.path, config: r.config }] : []));
  if (errors.length === 0) errors.push(...projectProblems(stacks, { project: projectName(dir) ?? "modelshare", dir }));
  if (errors.length > 0) throw new ProjectError([...warnings.map((w) => `warning: ${w}`), ...errors.map((e) => e.message)].join("\n"));
  const ml = stacks.find((s) => s.config.stackKind === "ml")!;
  const consumers: Record<string, ConsumerStack> = Object.create(null);
  for (const s of stacks) if (s.config.stackKind === "consumer") consumers[s.config.environment] = { stack: s.stack, path: s.file, config: s.config };
  return { dir, ml: { stack: ml.stack, path: ml.file, config: ml.config as MlConfig }, consumers, ...(warnings.length > 0 ? { warnings } : {}) };
}

function configErrorOf(error: unknown, file: StackFileName): ConfigError {
  if (error instanceof ConfigError) return error;
  return new ConfigError([{ key: "(file)", message: `cannot be read: ${error instanceof Error ? error.message : String(error)}` }], basename(file.path));
}

/** Offline: the stack files alone (secrets as placeholders, ESC environments not opened). No Pulumi call. */
export function loadProjectFiles(dir: string): Project {
  const warnings: string[] = [];
  const reads = projectStackFiles(dir).map((file): StackConfigRead => {
    try {
      const contents = readStackFileContents(file.path);
      warnings.push(...offlineWarnings(file, contents.secretPaths, contents.environments));
      return { file, config: parseFlat(contents.config, contents.secretPaths, basename(file.path)) };
    } catch (error) {
      return { file, error: configErrorOf(error, file) };
    }
  });
  return assemble(dir, reads, warnings);
}

function offlineWarnings(file: StackFileName, secretPaths: readonly string[], environments: readonly string[]): string[] {
  const name = basename(file.path);
  return [
    ...(environments.length > 0
      ? [`${name} imports the ESC environment(s) ${environments.join(", ")}, which are not opened offline: values they provide are missing from this plan (run without --dry-run to read them through Pulumi)`]
      : []),
    ...(secretPaths.length > 0 ? [`${name}: ${secretPaths.join(", ")} cannot be decrypted offline (secure:); a placeholder stands in for ${secretPaths.length === 1 ? "it" : "them"}`] : []),
  ];
}

/**
 * Reads each stack's config through the workspace (the Automation API), as `pulumi up` sees it. Kept per stack
 * while its stack file is unchanged and no config was written through the workspace since (promotion re-reads
 * before every decision; each read is a `pulumi config` run). A stack that is not in the backend yet has only its
 * file: it is read offline, with a warning.
 */
export class ProjectReader {
  private readonly cache = new Map<string, { readonly text: string; readonly read: StackConfigRead; readonly warnings: readonly string[] }>();

  constructor(
    readonly dir: string,
    private readonly workspace: StackWorkspace,
  ) {}

  /** Forget a stack's config: it was just written. */
  invalidate(stack: string): void {
    this.cache.delete(stack);
  }

  async load(): Promise<Project> {
    const files = projectStackFiles(this.dir);
    const results = await Promise.all(files.map((file) => this.read(file)));
    return assemble(this.dir, results.map((r) => r.read), results.flatMap((r) => r.warnings));
  }

  private async read(file: StackFileName): Promise<{ read: StackConfigRead; warnings: readonly string[] }> {
    const text = fileText(file.path);
    const cached = this.cache.get(file.stack);
    if (cached && cached.text === text) return cached;
    let entry: { text: string; read: StackConfigRead; warnings: readonly string[] };
    try {
      const { flat, secretKeys } = flatFromAutomationConfig(await this.workspace.getAllConfig(file.stack));
      entry = { text, read: { file, config: parseFlat(flat, secretKeys, basename(file.path)) }, warnings: [] };
    } catch (error) {
      if (!(error instanceof StackNotDeployedError)) {
        if (error instanceof ConfigError) entry = { text, read: { file, error }, warnings: [] };
        else throw error;
      } else {
        try {
          const contents = readStackFileContents(file.path);
          const warnings = [`stack ${file.stack} is not in the backend yet: its config is read from ${basename(file.path)} alone`, ...offlineWarnings(file, contents.secretPaths, contents.environments)];
          entry = { text, read: { file, config: parseFlat(contents.config, contents.secretPaths, basename(file.path)) }, warnings };
        } catch (offline) {
          entry = { text, read: { file, error: configErrorOf(offline, file) }, warnings: [] };
        }
      }
    }
    this.cache.set(file.stack, entry);
    return entry;
  }
}

/** The file's text, or "" when it cannot be read (the read through Pulumi reports the problem). */
function fileText(path: string): string {
  if (notRegularFileReason(path) !== undefined) return "";
  return readFileSync(path, "utf8");
}

/** Environments that have a consumer stack, in a stable order. */
export function environmentNames(project: Project): string[] {
  return Object.keys(project.consumers).sort();
}
