import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigProblem } from "../config/problems";
import { rawConfigFromFlat, readStackFileContents, toRuntimeConfig, topLevelSecretKeys } from "../config/raw";
import { parseStackName, projectProblems } from "../config/projectChecks";
import { listStackFiles, projectName } from "../config/stackFiles";
import { parseStackConfig, StackConfig } from "../config/schema";
import { mlOutputsFor } from "../config/crossStack";
import { ML_OUTPUTS } from "../contract";
import { runStack } from "../../stacks";
import { installMocks, RecordedLookup, RecordedResource, ResourceRecorder, resolveDeep, settle } from "./mocks";

/** One resource as the provider would receive it. */
export interface SynthesizedResource {
  readonly type: string;
  readonly name: string;
  /** `type::name` of the parent, or null for top-level resources. */
  readonly parent: string | null;
  /** Name of the provider resource the resource is created with ("default" for ambient credentials). */
  readonly provider: string;
  /** Account and region the provider targets (AWS resources only). */
  readonly account: string | null;
  readonly region: string | null;
  /** Resolved inputs; policy documents are the JSON strings the provider gets. */
  readonly inputs: Record<string, unknown>;
}

export interface SynthesizedStack {
  readonly stack: string;
  readonly file: string;
  readonly config: StackConfig;
  readonly resources: readonly SynthesizedResource[];
  readonly outputs: Record<string, unknown>;
  /** The data sources the program called (deploy-time AWS lookups), for the benchmark's floor. */
  readonly lookups?: readonly RecordedLookup[];
  /** Config keys held as secrets (synth saw placeholders). */
  readonly secretConfigKeys?: readonly string[];
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

function accountAndRegion(config: StackConfig): { account: string; region: string } {
  return config.stackKind === "ml"
    ? { account: config.mlAccountId, region: config.region }
    : { account: config.accountId, region: config.region };
}

function toSynthesized(resource: RecordedResource): SynthesizedResource {
  return {
    type: resource.type,
    name: resource.name,
    parent: resource.parent ?? null,
    provider: resource.provider,
    account: resource.account ?? null,
    region: resource.region ?? null,
    inputs: resource.inputs,
  };
}

/**
 * Runs the real stack programs under Pulumi's mock runtime, ML stacks first, each one's outputs served to the
 * consumer stacks' StackReferences under every name a consumer may use (`org/project/stack`, `project/stack`,
 * `stack`). Throws the program's own errors (ConfigError, BudgetError) unchanged.
 */
export async function synthesize(stackFiles: readonly StackFile[], recorder = new ResourceRecorder({ account: "000000000000", region: "us-east-1" })): Promise<SynthesizedStack[]> {
  const results: SynthesizedStack[] = [];
  for (const stackFile of stackFiles) {
    recorder.reset();
    recorder.setDefaults(accountAndRegion(stackFile.config));
    const config = stackFile.config;
    recorder.stackReferenceView = stackReferenceViewFor(config);
    if (config.stackKind === "consumer") checkMlStackReference(config.mlStack, recorder, stackFile.file);
    await installMocks(recorder, PROJECT_NAME, stackFile.stack);
    pulumi.runtime.setAllConfig(toRuntimeConfig(stackFile.fileConfig), topLevelSecretKeys(stackFile.secretPaths ?? []));
    const outputs = (await resolveDeep(await runStack())) as Record<string, unknown>;
    await settle();
    recorder.stackOutputs.set(stackFile.stack, outputs);
    results.push({
      stack: stackFile.stack,
      file: stackFile.file,
      config: stackFile.config,
      resources: recorder.resources.map(toSynthesized),
      outputs,
      lookups: [...recorder.lookups],
      secretConfigKeys: stackFile.secretPaths ?? [],
    });
  }
  return results;
}

/**
 * What a stack's StackReferences are served of the ML stack's outputs. Each consumer gets only its own entries
 * of the per-environment maps. Real Pulumi hands every consumer the whole map, but in its own process; here all
 * consumers share one process, and serializing the whole map into each of N consumers made synth grow with N
 * squared. The consumer program reads only its own entries, which the unit tests check against the full map.
 */
export function stackReferenceViewFor(config: StackConfig): (outputs: Record<string, unknown>) => Record<string, unknown> {
  return config.stackKind === "consumer" ? (outputs) => mlOutputsFor(config.environment, outputs) : (outputs) => outputs;
}

/**
 * Serves the ML stack a consumer's modelshare:mlStack names (any org, this project: projectProblems checked it) to
 * its StackReference under the name as written. A name that matches no ML stack synthesized before it fails here
 * with the key and the choices, not inside the program with an error that names neither.
 */
function checkMlStackReference(mlStack: string, recorder: ResourceRecorder, file: string): void {
  const isMl = (outputs: Record<string, unknown>) => outputs[ML_OUTPUTS.sharedRoleArns] !== undefined;
  const referenced = recorder.stackOutputs.get(parseStackName(mlStack).stack);
  if (referenced !== undefined && isMl(referenced)) {
    recorder.stackOutputs.set(mlStack, referenced);
    return;
  }
  const known = [...recorder.stackOutputs].filter(([, outputs]) => isMl(outputs)).map(([name]) => name);
  throw new ConfigError(
    [
      {
        key: "modelshare:mlStack",
        value: mlStack,
        message: `${referenced === undefined ? "is not a stack in the config directory" : "is not an ML stack (modelshare:stackKind ml)"}; name one of: ${[...new Set(known)].join(", ") || "none (the directory holds no ML stack)"}`,
      },
    ],
    path.basename(file),
  );
}

/** Every problem of a StackFilesError or ConfigError, for machine output. */
export function problemsOf(error: StackFilesError | ConfigError): { source: string; problems: readonly ConfigProblem[] }[] {
  const errors = error instanceof StackFilesError ? error.errors : [error];
  return errors.map((e) => ({ source: e.source, problems: e.problems }));
}
