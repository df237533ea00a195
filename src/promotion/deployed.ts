import { CONSUMER_OUTPUTS, ML_COPY_OUTPUTS, ML_OUTPUTS } from "../contract";
import { CopiedVersion, SHARING_MODES, SharingMode } from "../config/copy";
import { mapBounded } from "./bounded";
import { environmentNames, Project } from "./project";
import { StackNotDeployedError, StackWorkspace } from "./workspace";

/**
 * What is deployed, read from the stacks' outputs through the Automation API: the truth every decision about
 * grants and stopping is made from. The Pulumi.<stack>.yaml files of a checkout can be behind (another operator
 * promoted since), so they are compared with this before anything changes (./drift) and never trusted alone.
 */

export interface DeployedState {
  /** environment -> versions the deployed ML stack grants it (ML output grantedVersions). */
  readonly grants: Readonly<Record<string, readonly string[]>>;
  /** environment -> the version its deployed consumer stack configures; undefined when that stack was never deployed. */
  readonly configured: Readonly<Record<string, string | undefined>>;
  /** environment -> its mode as the deployed ML stack says (output `sharing`); absent from an ML stack deployed before copy mode (every environment shares). */
  readonly sharing?: Readonly<Record<string, SharingMode>>;
  /**
   * Copy environments: the `{ source, copy }` entries their deployed consumer stack lists (output copy.versions);
   * absent for shared environments and for stacks deployed before the output existed.
   */
  readonly copies?: Readonly<Record<string, readonly CopiedVersion[]>>;
}

/** The ML stack's outputs; a stack that was never deployed is an error here: grants cannot be decided without it. */
export async function readMlOutputsOf(workspace: StackWorkspace, mlStack: string): Promise<Record<string, unknown>> {
  return workspace.outputs(mlStack);
}

export function grantsFromOutputs(outputs: Record<string, unknown>, mlStack: string): Record<string, string[]> {
  const granted = outputs[ML_OUTPUTS.grantedVersions];
  if (granted === undefined || granted === null || typeof granted !== "object") {
    throw new Error(`the ML stack ${mlStack} has no ${ML_OUTPUTS.grantedVersions} output: deploy it first (modelshare deploy --stacks ${mlStack})`);
  }
  return Object.fromEntries(Object.entries(granted as Record<string, unknown>).map(([env, list]) => [env, Array.isArray(list) ? list.map(String) : []]));
}

/** The deployed ML stack's modes (output `sharing`); entries that are not a mode are left out (the config's mode is used). */
export function sharingFromOutputs(outputs: Record<string, unknown>): Record<string, SharingMode> {
  const sharing = outputs[ML_COPY_OUTPUTS.sharing];
  if (sharing === undefined || sharing === null || typeof sharing !== "object") return {};
  return Object.fromEntries(Object.entries(sharing as Record<string, unknown>).filter((e): e is [string, SharingMode] => (SHARING_MODES as readonly unknown[]).includes(e[1])));
}

/** The version one environment's deployed consumer stack calls; undefined when the stack was never deployed. */
export async function readDeployedConfigured(workspace: StackWorkspace, stack: string): Promise<string | undefined> {
  return (await readDeployedConsumer(workspace, stack)).configured;
}

/** What one deployed consumer stack says: the version it calls, and in copy mode the copies it lists. */
async function readDeployedConsumer(workspace: StackWorkspace, stack: string): Promise<{ configured?: string; copies?: CopiedVersion[] }> {
  let outputs: Record<string, unknown>;
  try {
    outputs = await workspace.outputs(stack);
  } catch (error) {
    if (error instanceof StackNotDeployedError) return {};
    throw error;
  }
  const value = outputs[CONSUMER_OUTPUTS.modelVersionArn];
  const copies = copiesFromOutputs(outputs);
  return { ...(typeof value === "string" && value !== "" ? { configured: value } : {}), ...(copies ? { copies } : {}) };
}

/** The `{ source, copy }` entries of a copy environment's output copy.versions; undefined when it exports none. */
export function copiesFromOutputs(outputs: Record<string, unknown>): CopiedVersion[] | undefined {
  const versions = (outputs[CONSUMER_OUTPUTS.copy] as { versions?: unknown } | undefined)?.versions;
  if (!Array.isArray(versions)) return undefined;
  return versions.filter((v): v is CopiedVersion => typeof v?.source === "string" && typeof v?.copy === "string").map((v) => ({ source: v.source, copy: v.copy }));
}

/** Pulumi reads at once when every environment's consumer stack is read (each is a `pulumi stack output`). */
const OUTPUT_READS_AT_ONCE = 4;

/** The deployed grants of every environment and the deployed configured version of `envs` (default: all). */
export async function readDeployedState(workspace: StackWorkspace, project: Project, envs: readonly string[] = environmentNames(project)): Promise<DeployedState> {
  const mlOutputs = await readMlOutputsOf(workspace, project.ml.stack);
  const grants = grantsFromOutputs(mlOutputs, project.ml.stack);
  const consumers = await mapBounded(envs, OUTPUT_READS_AT_ONCE, (env) => readDeployedConsumer(workspace, project.consumers[env].stack));
  const copies = Object.fromEntries(envs.flatMap((env, i) => (consumers[i].copies ? [[env, consumers[i].copies!]] : [])));
  return { grants, configured: Object.fromEntries(envs.map((env, i) => [env, consumers[i].configured])), sharing: sharingFromOutputs(mlOutputs), copies };
}

/** A copy environment's destination, as its deployed consumer stack exports it (output `copy`). */
export interface DeployedCopyDestination {
  readonly projectArn: string;
  readonly outputBucketName: string;
  readonly outputPrefix: string;
  readonly kmsKeyArn?: string;
  /** The copy the environment's parameter names (NOT_COPIED_YET before the first copy); absent from a stack deployed before it was exported. */
  readonly calledVersionArn?: string;
}

/** The destination of a copy environment's deployed stack; an error naming the stack when it has none (not deployed in copy mode). */
export async function readCopyDestination(workspace: StackWorkspace, stack: string): Promise<DeployedCopyDestination> {
  return copyDestinationFromOutputs(await workspace.outputs(stack), stack);
}

/** The destination in a consumer stack's outputs; an error naming the stack when they have none. */
export function copyDestinationFromOutputs(outputs: Record<string, unknown>, stack: string): DeployedCopyDestination {
  const value = outputs[CONSUMER_OUTPUTS.copy] as Partial<Record<keyof DeployedCopyDestination, unknown>> | undefined;
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const projectArn = text(value?.projectArn);
  const outputBucketName = text(value?.outputBucketName);
  if (projectArn === undefined || outputBucketName === undefined) {
    throw new Error(`the consumer stack ${stack} has no ${CONSUMER_OUTPUTS.copy} output with the destination project and output bucket: deploy it in copy mode first (modelshare deploy --stacks ${stack})`);
  }
  const kmsKeyArn = text(value?.kmsKeyArn);
  const calledVersionArn = text(value?.calledVersionArn);
  return { projectArn, outputBucketName, outputPrefix: typeof value?.outputPrefix === "string" ? value.outputPrefix : "", ...(kmsKeyArn ? { kmsKeyArn } : {}), ...(calledVersionArn ? { calledVersionArn } : {}) };
}
