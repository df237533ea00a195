import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { RekognitionClient } from "@aws-sdk/client-rekognition";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { STSClient } from "@aws-sdk/client-sts";
import { resolve } from "node:path";
import { explainAwsError } from "../cli/awsErrors";
import { processInterruptSignal } from "../cli/interrupt";
import { setTimeout as sleepFor } from "node:timers/promises";
import { Progress, stderrProgress, UsageError } from "../cli/common";
import { ML_OUTPUTS, promotionLeaseTableName } from "../contract";
import { NAMESPACE } from "../config/schema";
import { terminalConfirm } from "./approval";
import { boundedClientConfig, SMOKE_FUNCTION_TIMEOUTS } from "./awsClients";
import { assumedRoleCredentials, sessionName } from "./credentials";
import { cloudwatchSdk, dynamodbSdk, lambdaSdk, rekognitionSdk, ssmSdk, stsSdk } from "./sdk";
import { EngineDeps, PromotionResult } from "./engine";
import { SsmHistoryStore } from "./history";
import { currentOwner, FileJournalStore, FileLocks, Liveness, processLiveness } from "./journal";
import { DEFAULT_LEASE_TIMING, DynamoLeaseStore, LeaseIdentity, leaseIdentityFrom, LeaseTiming, PromotionLease } from "./lease";
import { DEFAULT_COPY_TIMING, ModelCopier } from "./copying";
import { DEFAULT_START_TIMING, DEFAULT_STOP_TIMING, ModelLifecycle, WaitTiming } from "./model";
import { versionLabel } from "./plan";
import { loadProjectFiles, Project, ProjectError, ProjectReader } from "./project";
import type { PulumiWorkspace } from "./pulumiWorkspace";
import { ModelClientSmokeTester } from "./smokeTestAdapter";
import { CloudWatchAlarmReader } from "./alarms";
import { LambdaSmokeTester } from "./lambdaSmokeTester";
import { RunnerSmokeTester, SmokeTester } from "./verify";
import { StackWorkspace } from "./workspace";

/**
 * Everything a command touches outside itself, in one object: the CLI builds the real one (defaultCliContext), the
 * tests and the benchmark build theirs with a fake workspace, mocked AWS clients, a fake clock. The commands
 * contain no branch on which one they got.
 */
export interface CliContext {
  /** The Pulumi project: Pulumi.yaml and the Pulumi.<stack>.yaml files. */
  readonly projectDir: string;
  /** Where the promotion journal and locks live. */
  readonly stateDir: string;
  readonly now: () => number;
  /** A monotonic clock for the durations the lease decides on (performance.now); tests leave it out and use `now`. */
  readonly monotonic?: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly progress: Progress;
  /** Created on first use: a dry run never looks for the pulumi CLI. */
  /** The Pulumi workspace; only `deploy` asks it to create stacks that do not exist yet. */
  readonly workspace: (options?: { readonly createMissingStacks?: boolean }) => Promise<StackWorkspace>;
  /** Rekognition in a region, with optional credentials (a consumer account's, through its deploy role: copy mode). */
  readonly rekognition: (region: string, credentials?: ReturnType<typeof assumedRoleCredentials>) => RekognitionClient;
  readonly sts: (region: string) => STSClient;
  /** SSM client in a region with optional credentials (a consumer account's, through its deploy role). */
  readonly ssm: (region: string, credentials?: ReturnType<typeof assumedRoleCredentials>) => SSMClient;
  /** DynamoDB in the ML account (the promotion lease table), with the ambient (pipeline) credentials. */
  readonly dynamodb: (region: string) => DynamoDBClient;
  /** CloudWatch in the ML account (the model's alarms), with the ambient (pipeline) credentials. */
  readonly cloudwatch: (region: string) => CloudWatchClient;
  readonly leaseTiming: LeaseTiming;
  readonly smokeTester: SmokeTester;
  readonly liveness: Liveness;
  /** Polling of the model waiters; `copy` (copy mode's COPYING_COMPLETED wait) is bounded by promotion.copyTimeoutMinutes. */
  readonly modelTiming: { readonly start: WaitTiming; readonly stop: WaitTiming; readonly copy?: WaitTiming };
  /** The command line, shown to whoever finds the lock held. */
  readonly commandLine: string;
  /** A person can answer a prompt (stdin and stderr are terminals): deploy, promote and rollback ask before applying. */
  readonly interactive: boolean;
  /** Asks a yes/no question (only called when interactive). */
  readonly confirm: (question: string) => Promise<boolean>;
  /** Aborted on SIGINT/SIGTERM (../cli/interrupt): long operations stop at a safe point. */
  readonly signal?: AbortSignal;
}

/** The real context, for the project in `projectDir` (the working directory or --cwd: never this package's own files). */
export function defaultCliContext(projectDir: string): CliContext {
  const stsClients = new Map<string, STSClient>();
  const sts = (region: string) => {
    let client = stsClients.get(region);
    if (!client) stsClients.set(region, (client = new (stsSdk().STSClient)(boundedClientConfig(region))));
    return client;
  };
  const workspaces = new Map<boolean, Promise<StackWorkspace>>();
  const signal = processInterruptSignal();
  return {
    projectDir,
    signal,
    stateDir: resolve(projectDir, ".modelshare"),
    now: Date.now,
    monotonic: () => performance.now(),
    // A wait (for the lease, between polls) ends at once on SIGINT/SIGTERM.
    sleep: (ms) => sleepUnless(ms, signal),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress: stderrProgress(),
    workspace: (options = {}) => {
      const create = options.createMissingStacks ?? false;
      let workspace = workspaces.get(create);
      if (!workspace) workspaces.set(create, (workspace = loadPulumiWorkspace().create(projectDir, { createMissingStacks: create })));
      return workspace;
    },
    rekognition: (region, credentials) => new (rekognitionSdk().RekognitionClient)({ ...boundedClientConfig(region), ...(credentials ? { credentials } : {}) }),
    sts,
    ssm: (region, credentials) => new (ssmSdk().SSMClient)({ ...boundedClientConfig(region), ...(credentials ? { credentials } : {}) }),
    dynamodb: (region) => new (dynamodbSdk().DynamoDBClient)(boundedClientConfig(region)),
    cloudwatch: (region) => new (cloudwatchSdk().CloudWatchClient)(boundedClientConfig(region)),
    leaseTiming: DEFAULT_LEASE_TIMING,
    smokeTester: new RunnerSmokeTester({ function: new LambdaSmokeTester((region) => new (lambdaSdk().LambdaClient)(boundedClientConfig(region, SMOKE_FUNCTION_TIMEOUTS))), direct: new ModelClientSmokeTester(sts) }),
    liveness: processLiveness,
    modelTiming: { start: DEFAULT_START_TIMING, stop: DEFAULT_STOP_TIMING },
    commandLine: `modelshare ${process.argv.slice(2).join(" ")}`,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    confirm: terminalConfirm(),
  };
}

function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return sleepFor(ms, undefined, { signal }).catch(() => signal.throwIfAborted());
}

/**
 * The Automation API adapter, loaded when a command first needs Pulumi: @pulumi/pulumi/automation takes seconds to
 * load, which `--help`, `--version`, `status --help` or a dry run should not pay.
 */
function loadPulumiWorkspace(): typeof PulumiWorkspace {
  return (require("./pulumiWorkspace") as typeof import("./pulumiWorkspace")).PulumiWorkspace;
}

/**
 * Reads the project as `pulumi up` would (each stack's config through the Automation API: secrets, service-managed
 * config, ESC environments); a missing or invalid stack file or config is bad input (exit 2). Warnings (a stack not
 * in the backend yet) go to stderr.
 */
export async function loadProjectForCli(context: CliContext, options: { readonly createMissingStacks?: boolean } = {}): Promise<Project> {
  const project = await asUsageError(async () => new ProjectReader(context.projectDir, await context.workspace(options)).load());
  for (const warning of project.warnings ?? []) context.stderr(`warning: ${warning}\n`);
  return project;
}

/** Reads the project's files alone, with no Pulumi call (`--dry-run`): secrets and ESC environments are warned about. */
export async function loadProjectOffline(context: CliContext): Promise<Project> {
  const project = await asUsageError(async () => loadProjectFiles(context.projectDir));
  for (const warning of project.warnings ?? []) context.stderr(`warning: ${warning}\n`);
  return project;
}

async function asUsageError<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ProjectError) throw new UsageError(error.message);
    throw error;
  }
}

/** The workspace with config writes that make the reader forget the stack's config (it is read again when next needed). */
function invalidating(workspace: StackWorkspace, reader: ProjectReader): StackWorkspace {
  return {
    getAllConfig: (stack) => workspace.getAllConfig(stack),
    setConfig: async (stack, key, value, options) => {
      reader.invalidate(stack);
      await workspace.setConfig(stack, key, value, options);
    },
    setConfigs: async (stack, values, options) => {
      reader.invalidate(stack);
      await workspace.setConfigs(stack, values, options);
    },
    removeConfig: async (stack, key, options) => {
      reader.invalidate(stack);
      await workspace.removeConfig(stack, key, options);
    },
    up: (stack, onOutput, options) => workspace.up(stack, onOutput, options),
    preview: (stack, options) => workspace.preview(stack, options),
    outputs: (stack) => workspace.outputs(stack),
    refreshPreview: (stack, onOutput) => workspace.refreshPreview(stack, onOutput),
  };
}

/** An environment's deploy-role credentials (assumed through regional STS), when its consumer config names a deploy role. */
export function consumerCredentials(context: CliContext, project: Project, env: string, purpose: string): ReturnType<typeof assumedRoleCredentials> | undefined {
  const consumer = project.consumers[env].config;
  return consumer.deployRoleArn ? assumedRoleCredentials(context.sts(consumer.region), consumer.deployRoleArn, sessionName(purpose, env), context.now) : undefined;
}

/**
 * Rekognition in a copy environment's account, as its deploy role (the one principal the consumer guardrail lets copy,
 * start, stop and delete versions of the destination project): one client per environment.
 */
export function consumerRekognitionFor(context: CliContext, project: Project, purpose: string): (env: string) => RekognitionClient {
  const clients = new Map<string, RekognitionClient>();
  return (env) => {
    let client = clients.get(env);
    if (!client) clients.set(env, (client = context.rekognition(project.consumers[env].config.region, consumerCredentials(context, project, env, purpose))));
    return client;
  };
}

/** SSM in an environment's account: through its deploy role when the consumer config names one. */
export function historyClientFor(context: CliContext, project: Project): (env: string) => SSMClient {
  const clients = new Map<string, SSMClient>();
  return (env) => {
    let client = clients.get(env);
    if (!client) {
      client = context.ssm(project.consumers[env].config.region, consumerCredentials(context, project, env, "history"));
      clients.set(env, client);
    }
    return client;
  };
}

/** The model's project ARN: from config when the project is adopted, else from the ML stack's outputs. */
export async function projectArnOf(context: CliContext, project: Project): Promise<string> {
  const configured = project.ml.config.model.projectArn;
  if (configured) return configured;
  const outputs = await (await context.workspace()).outputs(project.ml.stack);
  const arn = outputs[ML_OUTPUTS.projectArn];
  if (typeof arn !== "string" || arn === "") {
    throw new Error(`the ML stack ${project.ml.stack} has no ${ML_OUTPUTS.projectArn} output and ${NAMESPACE}:model.projectArn is not set; deploy the ML stack first`);
  }
  return arn;
}

export function modelLifecycleFor(context: CliContext, projectArn: string, region: string): ModelLifecycle {
  return new ModelLifecycle(context.rekognition(region), projectArn, context.modelTiming, context.signal);
}

/** The promotion lease in the ML account's table (its name comes from the contract, so no Pulumi call is needed). */
export function promotionLeaseFor(context: CliContext, project: Project): PromotionLease {
  const ml = project.ml.config;
  const store = new DynamoLeaseStore(context.dynamodb(ml.region), promotionLeaseTableName(ml.rolePrefix), `account ${ml.mlAccountId}, ${ml.region}`);
  return new PromotionLease(store, { now: context.now, sleep: context.sleep, ...(context.monotonic ? { monotonic: context.monotonic } : {}) }, context.liveness, context.leaseTiming);
}

/** Who takes the lease: this process and the AWS identity it runs as. */
export async function leaseIdentity(context: CliContext, project: Project, purpose: string): Promise<LeaseIdentity> {
  const owner = currentOwner(context.commandLine, new Date(context.now()));
  return leaseIdentityFrom(owner, await callerIdentity(context, project, `${owner.user}@${owner.host}`), purpose);
}

async function callerIdentity(context: CliContext, project: Project, local: string): Promise<string> {
  try {
    const identity = await context.sts(project.ml.config.region).send(new (stsSdk().GetCallerIdentityCommand)({}));
    return identity.Arn ? `${identity.Arn} (${local})` : local;
  } catch {
    return local; // the history still says who ran it; a credentials problem surfaces at the first step
  }
}

export async function engineDepsFor(context: CliContext, project: Project): Promise<EngineDeps> {
  const reader = new ProjectReader(context.projectDir, await context.workspace());
  const workspace = invalidating(await context.workspace(), reader);
  const owner = currentOwner(context.commandLine, new Date(context.now()));
  const consumerRekognition = consumerRekognitionFor(context, project, "promote");
  return {
    projectDir: context.projectDir,
    loadProject: () => asUsageError(() => reader.load()),
    workspace,
    modelLifecycle: (projectArn, region) => modelLifecycleFor(context, projectArn, region),
    rekognition: (region) => context.rekognition(region),
    copyLifecycle: (env, destinationProjectArn) => new ModelLifecycle(consumerRekognition(env), destinationProjectArn, context.modelTiming, context.signal),
    // promotion.copyTimeoutMinutes bounds the wait; a context's own copy timing may bound it further.
    copier: (env, destinationProjectArn, maxWaitSeconds) =>
      new ModelCopier(consumerRekognition(env), destinationProjectArn, {
        ...(context.modelTiming.copy ?? DEFAULT_COPY_TIMING),
        maxWaitSeconds: Math.min(maxWaitSeconds, context.modelTiming.copy?.maxWaitSeconds ?? maxWaitSeconds),
      }),
    smokeTester: context.smokeTester,
    journals: new FileJournalStore(context.stateDir),
    locks: new FileLocks(context.stateDir, context.liveness),
    lease: promotionLeaseFor(context, project),
    history: new SsmHistoryStore(historyClientFor(context, project)),
    now: context.now,
    sleep: context.sleep,
    progress: context.progress,
    ...(context.signal ? { signal: context.signal } : {}),
    owner,
    who: () => callerIdentity(context, project, `${owner.user}@${owner.host}`),
    alarms: (region) => new CloudWatchAlarmReader(context.cloudwatch(region)),
  };
}

/** 0 when the promotion succeeded and was recorded; 1 when a step (or the record) failed, or a clean-up is pending. */
export function exitCodeFor(result: PromotionResult): 0 | 1 {
  return result.outcome === "succeeded" && result.historyError === undefined ? 0 : 1;
}

export function formatResult(result: PromotionResult): string {
  const head = `${result.kind} ${result.env}: ${result.previous === result.version ? "" : `${versionLabel(result.previous)} -> `}${versionLabel(result.version)}: ${result.outcome.toUpperCase()}${result.resumed ? " (resumed)" : ""}`;
  const steps = result.steps.map((s) => `  ${s.id.padEnd(14)}  ${s.state.padEnd(7)}  ${s.note ?? ""}`);
  const tail: string[] = [];
  if (result.undid) tail.push(`undid the interrupted ${result.undid.kind} to ${versionLabel(result.undid.version)}: ${result.env} calls ${versionLabel(result.version)}`);
  if (result.outcome === "failed") tail.push(`step ${result.failedStep} failed: ${result.reason}`, `every step taken was undone: ${result.env} still calls ${versionLabel(result.previous)}`);
  // A raw AWS SDK message in a step's reason gets the line that says what to check.
  const hint = result.outcome === "succeeded" ? undefined : explainAwsError(result.reason ?? "");
  if (hint !== undefined) tail.push(`hint: ${hint}`);
  if (result.outcome === "undo-failed" || result.outcome === "cleanup-pending") tail.push(`${result.reason}`);
  if (result.historyError) tail.push(result.historyError);
  return [head, ...steps, ...tail].join("\n");
}
