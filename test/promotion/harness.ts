import { existsSync, readFileSync } from "node:fs";
import { Command } from "commander";
import { main } from "../../src/cli/main";
import { withFakePulumiOnPath } from "../helpers/fakePulumi";
import { historyParameterName } from "../../src/contract";
import { executePromotion, PromotionInput } from "../../src/promotion/engine";
import { HistoryRecord } from "../../src/promotion/types";
import { CliContext, engineDepsFor, loadProjectForCli } from "../../src/promotion/cliContext";
import { EngineDeps } from "../../src/promotion/engine";
import { Liveness } from "../../src/promotion/journal";
import { AwsWorld, Clock, copyProject, FakeWorkspace, fakeClock, ProjectLayout, recordingProgress, testContext, WorldSmokeTester, writeProject } from "./fakes";

/**
 * One promotion scenario: the simulated world plus an invariant watcher. After every deployment, every model
 * status change and every step boundary it checks, for every environment, that the version the environment calls
 * (as deployed) is granted to it (as deployed), allowed by its VPC endpoint policy (as deployed) and RUNNING.
 * Violations are collected, so a test asserts none. Several checkouts of the project (operators) share the world.
 */
export class Scenario {
  readonly dir: string;
  readonly workspace: FakeWorkspace;
  readonly aws: AwsWorld;
  readonly smoke: WorldSmokeTester;
  readonly clock: Clock = fakeClock();
  readonly progress: string[] = [];
  readonly violations: string[] = [];
  readonly out: string[] = [];
  readonly err: string[] = [];
  checks = 0;
  /**
   * Whether the process that holds a lock or the lease lives. Every run of a test shares one process, so a run the
   * test "killed" (left hanging) is declared dead with `crashed()`; until then every holder is alive.
   */
  liveness: Liveness = () => true;

  /** The runs left hanging so far are dead: their locks and lease may be taken over. */
  crashed(): void {
    this.liveness = () => false;
  }

  constructor(layout: ProjectLayout, models: Record<string, string>) {
    this.dir = writeProject(layout);
    this.workspace = new FakeWorkspace(this.dir);
    this.aws = new AwsWorld(models);
    this.smoke = new WorldSmokeTester(this.workspace, this.aws);
    this.workspace.onDeployed = () => this.checkInvariant("after an up");
    this.workspace.world.onEdited = () => this.checkInvariant("after a config edit");
    this.aws.onChange = () => this.checkInvariant("after an AWS change");
    this.checkInvariant("initially");
  }

  environments(): string[] {
    return Object.keys(this.workspace.deployed).filter((s) => s !== "ml");
  }

  checkInvariant(when: string): void {
    this.checks++;
    for (const env of this.environments()) {
      if (this.workspace.world.copying(env)) {
        this.checkCopyInvariant(env, when);
        continue;
      }
      const calls = this.workspace.deployedConfigured(env);
      if (!this.workspace.deployedGrants(env).includes(calls)) this.violations.push(`${when}: ${env} calls ${calls}, which is not granted to it`);
      if (!this.workspace.endpointAllows(env).includes(calls)) this.violations.push(`${when}: ${env} calls ${calls}, which its endpoint policy does not allow`);
      const status = this.aws.status(calls);
      if (status !== "RUNNING") this.violations.push(`${when}: ${env} calls ${calls}, which is ${status}`);
    }
  }

  /** Copy environments whose parameter has named a copy: from then on it must always name one. */
  private readonly hadCopy = new Set<string>();

  /**
   * A copy environment: its deployed configured version is granted to it, its parameter names a copy (never the
   * "not copied yet" placeholder once it had one: before its first promotion it has none), the copy is one its
   * deployed stack allows, and it is RUNNING.
   */
  private checkCopyInvariant(env: string, when: string): void {
    const source = this.workspace.deployedConfigured(env);
    if (!this.workspace.deployedGrants(env).includes(source)) this.violations.push(`${when}: ${env} is configured for ${source}, which is not granted to it`);
    const copy = this.workspace.deployedCopy(env);
    if (copy === undefined) {
      if (this.hadCopy.has(env)) this.violations.push(`${when}: ${env}'s parameter names no copy of ${source} any more`);
      return;
    }
    this.hadCopy.add(env);
    if (!this.workspace.copyAllows(env).includes(copy)) this.violations.push(`${when}: ${env} calls ${copy}, which its stack does not allow`);
    const status = this.aws.status(copy);
    if (status !== "RUNNING") this.violations.push(`${when}: ${env} calls its copy ${copy}, which is ${status}`);
  }

  /** A second operator: another checkout of the project (its files as they are now), sharing the deployed world. */
  checkout(): Checkout {
    const dir = copyProject(this.dir);
    return new Checkout(this, dir, new FakeWorkspace(dir, this.workspace.world));
  }

  context(overrides: Partial<CliContext> = {}, dir: string = this.dir, workspace: FakeWorkspace = this.workspace): CliContext {
    return {
      ...testContext({
        dir,
        workspace,
        smokeTester: this.smoke,
        clock: this.clock,
        progress: recordingProgress(this.progress, () => this.checkInvariant("at a step boundary")),
        liveness: (owner) => this.liveness(owner),
        out: this.out,
        err: this.err,
      }),
      ...overrides,
    };
  }

  async deps(overrides: Partial<CliContext> = {}): Promise<EngineDeps> {
    const context = this.context(overrides);
    return engineDepsFor(context, await loadProjectForCli(context));
  }

  /** Runs one registered command as the CLI would (process.exitCode is reset around it). */
  async cli(register: (program: Command, context: () => CliContext) => void, argv: string[], overrides: Partial<CliContext> = {}): Promise<{ exitCode: number; error?: Error }> {
    return runCommand(register, argv, () => this.context(overrides));
  }

  restore(): void {
    this.aws.restore();
  }
}

/** Another checkout of the scenario's project: its own files and .modelshare/, the same deployed world and AWS. */
export class Checkout {
  constructor(
    readonly scenario: Scenario,
    readonly dir: string,
    readonly workspace: FakeWorkspace,
  ) {}

  context(overrides: Partial<CliContext> = {}): CliContext {
    return this.scenario.context(overrides, this.dir, this.workspace);
  }

  async deps(overrides: Partial<CliContext> = {}): Promise<EngineDeps> {
    const context = this.context(overrides);
    return engineDepsFor(context, await loadProjectForCli(context));
  }

  async cli(register: (program: Command, context: () => CliContext) => void, argv: string[], overrides: Partial<CliContext> = {}): Promise<{ exitCode: number; error?: Error }> {
    return runCommand(register, argv, () => this.context(overrides));
  }
}

/**
 * Runs one registered command as the CLI would; a thrown error is returned (main() maps it to an exit code).
 * process.exitCode is saved and reset around it.
 */
async function runCommand(register: (program: Command, context: () => CliContext) => void, argv: string[], context: () => CliContext): Promise<{ exitCode: number; error?: Error }> {
  const program = new Command("modelshare").exitOverride();
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  register(program, context);
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: "user" });
    return { exitCode: Number(process.exitCode ?? 0) };
  } catch (error) {
    return { exitCode: -1, error: error as Error };
  } finally {
    process.exitCode = before;
  }
}

/** The input of `promote --env ENV --version VERSION` as the engine takes it. */
export function promote(env: string, version: string, keepOld = false): PromotionInput {
  return { intent: { kind: "promote", env, version }, request: async () => ({ kind: "promote", environment: env, version, keepOld }) };
}

/** The history records written to ENV's parameter, oldest first. */
export function historyOf(s: Scenario, env: string): HistoryRecord[] {
  return (s.aws.parameters[historyParameterName(env)] ?? []).map((v) => JSON.parse(v) as HistoryRecord);
}

/** Waits (real time, bounded) until `condition` holds: for a run left hanging in the background. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((done) => setTimeout(done, 2));
  }
}

/**
 * Starts `promote --env prod --version VERSION` and lets it die while it deploys the switch (its `up` of prod never
 * returns, like a killed process); returns once it is there, with the scenario told that run is dead. The `up` is
 * not applied: prod's deployed stack still calls the previous version.
 */
export async function dieDuringSwitch(s: Scenario, version: string, deps?: EngineDeps): Promise<void> {
  let dying = true;
  const atSwitch = (op: { kind: string; stack: string; config: Record<string, any> }) => op.kind === "up" && op.stack === "prod" && op.config["modelshare:modelVersionArn"] === version;
  s.workspace.faults.push((op) => (dying && atSwitch(op) ? "hang" : undefined));
  void executePromotion(promote("prod", version), deps ?? (await s.deps()));
  await until(() => s.workspace.calls.some(atSwitch));
  dying = false;
  s.crashed();
}

/** Runs the real `main` (its exit-code mapping) against a project directory. */
export async function runMain(dir: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string; pulumiCalls: string[] }> {
  const write = process.stderr.write.bind(process.stderr);
  const writeOut = process.stdout.write.bind(process.stdout);
  let stderr = "";
  let stdout = "";
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string) => {
    stdout += chunk;
    return true;
  }) as typeof process.stdout.write;
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    // The real context, with a stand-in pulumi CLI on PATH: the config is read through the Automation API.
    return await withFakePulumiOnPath(async (log) => {
      const code = await main(["--cwd", dir, ...argv]);
      const pulumiCalls = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter((line) => line !== "") : [];
      return { code, stdout, stderr, pulumiCalls };
    });
  } finally {
    process.stderr.write = write;
    process.stdout.write = writeOut;
    process.exitCode = before;
  }
}
