import * as path from "node:path";
import type * as pulumiTypes from "@pulumi/pulumi";
import { declaredOrganization } from "../config/placement";
import { ConfigError } from "../config/problems";
import { toRuntimeConfig, topLevelSecretKeys } from "../config/raw";
import { parseStackName } from "../config/projectChecks";
import { PROJECT_NAME } from "../config/stackFiles";
import type { StackFile } from "../config/stackFiles";
import type { StackConfig } from "../config/schema";
import { mlOutputsFor } from "../config/crossStack";
import { ML_OUTPUTS } from "../contract";
import type { RecordedLookup, RecordedResource, ResourceRecorder } from "./mocks";

// Reading and validating the stack files lives in src/config/stackFiles.ts, so the CrossGuard pack can read them
// without loading the stack programs; synth's callers keep importing them from here.
export { loadStackFiles, PROJECT_NAME, problemsOf, stackFileWarnings, StackFilesError } from "../config/stackFiles";
export type { StackFile } from "../config/stackFiles";

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
export async function synthesize(stackFiles: readonly StackFile[], given?: ResourceRecorder): Promise<SynthesizedStack[]> {
  // Loaded here, not at the top: the CLI imports this module for every command, and Pulumi's runtime and the
  // program (with @pulumi/aws) take seconds to load that `--help` should not pay.
  const pulumi = require("@pulumi/pulumi") as typeof pulumiTypes;
  const { runStack } = require("../../stacks") as typeof import("../../stacks");
  const { installMocks, ResourceRecorder, resolveDeep, settle } = require("./mocks") as typeof import("./mocks");
  const recorder = given ?? new ResourceRecorder({ account: "000000000000", region: "us-east-1" });
  const results: SynthesizedStack[] = [];
  for (const stackFile of stackFiles) {
    recorder.reset();
    recorder.setDefaults(accountAndRegion(stackFile.config));
    const config = stackFile.config;
    recorder.stackReferenceView = stackReferenceViewFor(config);
    if (config.stackKind === "consumer") checkMlStackReference(config.mlStack, recorder, stackFile.file);
    // Offline, Organizations is what the config declares (the config checks hold it to the guardrail targets).
    recorder.declaredOrganization = config.stackKind === "ml" ? declaredOrganization(config) : undefined;
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
