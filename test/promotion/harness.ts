import { Command } from "commander";
import { CliContext, engineDepsFor, loadProjectForCli } from "../../src/promotion/cliContext";
import { EngineDeps } from "../../src/promotion/engine";
import { Liveness } from "../../src/promotion/journal";
import { AwsWorld, Clock, FakeWorkspace, fakeClock, ProjectLayout, recordingProgress, testContext, WorldSmokeTester, writeProject } from "./fakes";

/**
 * One promotion scenario: the simulated world plus an invariant watcher. After every deployment, every model
 * status change and every step boundary it checks, for every environment, that the version the environment calls
 * (as deployed) is granted to it (as deployed) and RUNNING. Violations are collected, so a test asserts none.
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
  liveness: Liveness = () => false;

  constructor(layout: ProjectLayout, models: Record<string, string>) {
    this.dir = writeProject(layout);
    this.workspace = new FakeWorkspace(this.dir);
    this.aws = new AwsWorld(models);
    this.smoke = new WorldSmokeTester(this.workspace, this.aws);
    this.workspace.onDeployed = () => this.checkInvariant("after an up");
    this.aws.onChange = () => this.checkInvariant("after a model status change");
    this.checkInvariant("initially");
  }

  environments(): string[] {
    return Object.keys(this.workspace.deployed).filter((s) => s !== "ml");
  }

  checkInvariant(when: string): void {
    this.checks++;
    for (const env of this.environments()) {
      const calls = this.workspace.deployedConfigured(env);
      if (!this.workspace.deployedGrants(env).includes(calls)) this.violations.push(`${when}: ${env} calls ${calls}, which is not granted to it`);
      const status = this.aws.status(calls);
      if (status !== "RUNNING") this.violations.push(`${when}: ${env} calls ${calls}, which is ${status}`);
    }
  }

  context(overrides: Partial<CliContext> = {}): CliContext {
    return {
      ...testContext({
        dir: this.dir,
        workspace: this.workspace,
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
    return engineDepsFor(context, loadProjectForCli(context));
  }

  /** Runs one registered command as the CLI would (process.exitCode is reset around it). */
  async cli(register: (program: Command, context: () => CliContext) => void, argv: string[], overrides: Partial<CliContext> = {}): Promise<{ exitCode: number; error?: Error }> {
    const program = new Command("modelshare").exitOverride();
    program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    register(program, () => this.context(overrides));
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

  restore(): void {
    this.aws.restore();
  }
}
