import { basename, isAbsolute, resolve } from "node:path";
import { ConfigError, ConfigProblem } from "./problems";
import { notRegularFileReason } from "./raw";
import { ConsumerConfig, MlConfig, NAMESPACE, StackConfig } from "./schema";
import { SharingMode } from "./copy";

/**
 * Checks across the stack files of one project, shared by synth and the CLI: exactly one ML stack, one consumer
 * stack per environment, each consumer known to the ML stack and pointing at it, its smoke test runnable. Each
 * problem names the file it is in (and the other file, when two disagree).
 */

export interface ProjectStackConfig {
  readonly stack: string;
  /** Path of the stack file. */
  readonly file: string;
  readonly config: StackConfig;
}

/** The most bytes DetectCustomLabels takes as image bytes (Custom Labels guide, "Guidelines and quotas"). */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

/** Pulumi's stack name forms (Pulumi docs, "Stacks"): stack, org/stack, org/project/stack. */
export function parseStackName(name: string): { org?: string; project?: string; stack: string } {
  const parts = name.split("/");
  if (parts.length === 3) return { org: parts[0], project: parts[1], stack: parts[2] };
  if (parts.length === 2) return { org: parts[0], stack: parts[1] };
  return { stack: name };
}

/**
 * The ML stack a consumer's modelshare:mlStack names, among the project's stacks: any organization (`organization`
 * on a file backend, the Pulumi Cloud org otherwise), the project of Pulumi.yaml, the stack of an ML stack file.
 */
export function resolveMlStack(reference: string, project: string, mlStacks: readonly string[]): { stack: string } | { problem: string } {
  const { project: named, stack } = parseStackName(reference);
  if (named !== undefined && named !== project) {
    return { problem: `names the project "${named}", but this project is "${project}" (Pulumi.yaml); allowed: ${forms(project, mlStacks)}` };
  }
  if (!mlStacks.includes(stack)) {
    return { problem: `names the stack "${stack}", which is not an ML stack (modelshare:stackKind ml) of this project; allowed: ${forms(project, mlStacks) || "none (no stack file has modelshare:stackKind ml)"}` };
  }
  return { stack };
}

function forms(project: string, mlStacks: readonly string[]): string {
  return mlStacks.map((s) => `${s}, <org>/${s} or <org>/${project}/${s} (<org> is "organization" on a file backend)`).join("; ");
}

export interface ProjectCheckOptions {
  /** The project name (Pulumi.yaml's name). */
  readonly project: string;
  /** Where relative smoke-test image paths start (the project directory). */
  readonly dir: string;
}

/** Every cross-file problem, as one ConfigError per file. */
export function projectProblems(stacks: readonly ProjectStackConfig[], options: ProjectCheckOptions): ConfigError[] {
  const byFile = new Map<string, ConfigProblem[]>();
  const add = (file: string, problem: ConfigProblem) => byFile.set(basename(file), [...(byFile.get(basename(file)) ?? []), problem]);
  const mlStacks = stacks.filter((s): s is ProjectStackConfig & { config: MlConfig } => s.config.stackKind === "ml");
  const consumers = stacks.filter((s): s is ProjectStackConfig & { config: ConsumerConfig } => s.config.stackKind === "consumer");

  if (mlStacks.length === 0 && stacks.length > 0) {
    add(stacks[0].file, { key: `${NAMESPACE}:stackKind`, message: `no stack file of the project has ${NAMESPACE}:stackKind ml (found: ${stacks.map((s) => basename(s.file)).join(", ")}); the ML account's stack is required` });
  }
  mlStacks.slice(1).forEach((extra) => {
    add(extra.file, { key: `${NAMESPACE}:stackKind`, value: "ml", message: `${basename(extra.file)} and ${basename(mlStacks[0].file)} both have ${NAMESPACE}:stackKind ml; exactly one ML stack is allowed` });
  });

  const firstByEnvironment = new Map<string, ProjectStackConfig>();
  for (const consumer of consumers) {
    const env = consumer.config.environment;
    const first = firstByEnvironment.get(env);
    if (first !== undefined) {
      add(consumer.file, { key: `${NAMESPACE}:environment`, value: env, message: `is also the environment of ${basename(first.file)}; each environment has one consumer stack (${basename(first.file)} and ${basename(consumer.file)})` });
      continue;
    }
    firstByEnvironment.set(env, consumer);
  }

  const ml = mlStacks.length === 1 ? mlStacks[0] : undefined;
  for (const consumer of consumers) {
    const c = consumer.config;
    const resolved = resolveMlStack(c.mlStack, options.project, mlStacks.map((s) => s.stack));
    if ("problem" in resolved) add(consumer.file, { key: `${NAMESPACE}:mlStack`, value: c.mlStack, message: resolved.problem });
    if (ml === undefined) continue;
    const entry = Object.hasOwn(ml.config.consumers, c.environment) ? ml.config.consumers[c.environment] : undefined;
    if (entry === undefined) {
      add(consumer.file, { key: `${NAMESPACE}:environment`, value: c.environment, message: `has no entry ${NAMESPACE}:consumers.${c.environment} in ${basename(ml.file)}; environments it defines: ${Object.keys(ml.config.consumers).sort().join(", ")}` });
      continue;
    }
    if (entry.accountId !== c.accountId) {
      add(consumer.file, { key: `${NAMESPACE}:accountId`, value: c.accountId, message: `differs from ${NAMESPACE}:consumers.${c.environment}.accountId ${entry.accountId} in ${basename(ml.file)}` });
    }
    for (const problem of sharingModeProblems(entry.sharing, c, ml.config.region, basename(ml.file))) add(consumer.file, problem);
    for (const problem of copySourceProblems(c, ml.config.model.versions, basename(ml.file))) add(consumer.file, problem);
    const smoke = c.smokeTest;
    if (smoke === undefined) continue;
    // A copy environment's smoke test calls its own copy directly: no shared role has to trust it.
    if (entry.sharing === "share" && !entry.applicationPrincipalArns.includes(smoke.principalRoleArn)) {
      add(consumer.file, {
        key: `${NAMESPACE}:smokeTest.principalRoleArn`,
        value: smoke.principalRoleArn,
        message: `is not trusted by the shared role of "${c.environment}": add it to ${NAMESPACE}:consumers.${c.environment}.applicationPrincipalArns in ${basename(ml.file)} (trusted now: ${entry.applicationPrincipalArns.join(", ")})`,
      });
    }
    const image = isAbsolute(smoke.image) ? smoke.image : resolve(options.dir, smoke.image);
    const reason = notRegularFileReason(image, MAX_IMAGE_BYTES);
    if (reason !== undefined) {
      add(consumer.file, { key: `${NAMESPACE}:smokeTest.image`, value: smoke.image, message: `${reason} (resolved to ${image}); allowed: a PNG or JPEG file of at most 4 MB, relative to the project directory` });
    }
  }
  return [...byFile].map(([file, problems]) => new ConfigError(problems, file));
}

/**
 * The consumer stack must agree with the ML stack's `consumers.<env>.sharing`: a copy environment needs the
 * `modelshare:copy` block (the destination project and the S3 output location CopyProjectVersion requires) and the
 * model's region; a shared environment has no copy block.
 */
export function sharingModeProblems(mode: SharingMode, consumer: ConsumerConfig, mlRegion: string, mlFile: string): ConfigProblem[] {
  const env = consumer.environment;
  if (mode === "share") {
    return consumer.copy === undefined ? [] : [{ key: `${NAMESPACE}:copy`, message: `is set (projectName ${consumer.copy.projectName}), but ${NAMESPACE}:consumers.${env}.sharing in ${mlFile} is share: set sharing: copy there, or remove this block` }];
  }
  const problems: ConfigProblem[] = [];
  if (consumer.copy === undefined) {
    problems.push({ key: `${NAMESPACE}:copy.outputBucketName`, message: `is missing: ${NAMESPACE}:consumers.${env}.sharing in ${mlFile} is copy, which needs ${NAMESPACE}:copy with projectName (the destination project) and outputBucketName (the S3 output location CopyProjectVersion writes to)` });
  }
  if (consumer.region !== mlRegion) {
    problems.push({ key: "aws:region", value: consumer.region, message: `differs from the model's region ${mlRegion} (${mlFile}): CopyProjectVersion copies only between accounts of the same region` });
  }
  return problems;
}

/**
 * Each listed copy must be a copy of a version of the shared model (modelshare:model.versions in the ML file): an entry
 * whose source is anything else would have the application role and endpoint allow a model nobody granted.
 */
export function copySourceProblems(consumer: ConsumerConfig, catalogue: readonly string[], mlFile: string): ConfigProblem[] {
  return (consumer.copy?.versions ?? []).flatMap((entry, i) =>
    catalogue.includes(entry.source)
      ? []
      : [{ key: `${NAMESPACE}:copy.versions[${i}].source`, value: entry.source, message: `is not a version of the shared model (${NAMESPACE}:model.versions in ${mlFile}); allowed: one of its versions` }],
  );
}
