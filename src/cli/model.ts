import { Command } from "commander";
import { UsageError, projectDirectoryOption } from "./common";
import { CliContext, defaultCliContext, leaseIdentity, loadProjectForCli, modelLifecycleFor, projectArnOf, promotionLeaseFor } from "../promotion/cliContext";
import { readDeployedState } from "../promotion/deployed";
import { FileJournalStore } from "../promotion/journal";
import { describeLease, HeldLease } from "../promotion/lease";
import { startActionFor, stopActionFor } from "../promotion/model";
import { deployedUsageState, describeUses, usageState, UsageState, usersOf, versionLabel } from "../promotion/plan";
import { Project } from "../promotion/project";
import { requireInteger, requireVersionArn } from "../promotion/validation";

interface StartFlags {
  version?: string;
  minUnits?: string;
  maxUnits?: string;
  json?: boolean;
}

interface StopFlags {
  version?: string;
  force?: boolean;
  json?: boolean;
}

/** The most inference units StartProjectVersion accepts is an account quota; this only catches typos. */
const MAX_UNITS = 1000;

/** `modelshare model start|stop`: run or stop a model version by hand (billing runs while it is RUNNING). */
export function registerModel(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  const model = program.command("model").description("Start or stop a model version of the ML stack's project");

  model
    .command("start")
    .description("Start a model version and wait until it is RUNNING (a waiter scoped to that version)")
    .option("--version <arn>", "model version ARN")
    .option("--min-units <n>", "inference units to start with (default modelshare:promotion.minInferenceUnits)")
    .option("--max-units <n>", "upper bound for auto-scaling (default modelshare:promotion.maxInferenceUnits)")
    .option("--json", "machine-readable output on stdout")
    .addHelpText("after", "\nExit codes: 0 RUNNING; 1 it could not be started; 2 bad input.")
    .action(async (flags: StartFlags) => {
      const ctx = context();
      const project = await loadProjectForCli(ctx);
      if (flags.version === undefined) throw new UsageError("--version is required: a model version ARN of the ML stack's project");
      const version = requireVersionArn(project, "--version", flags.version);
      const promotion = project.ml.config.promotion;
      const min = requireInteger("--min-units", flags.minUnits, 1, MAX_UNITS) ?? promotion.minInferenceUnits;
      const max = requireInteger("--max-units", flags.maxUnits, 1, MAX_UNITS) ?? promotion.maxInferenceUnits;
      if (max !== undefined && max < min) throw new UsageError(`--max-units "${max}" is below --min-units ${min}; allowed: a number >= ${min}`);

      const models = modelLifecycleFor(ctx, await projectArnOf(ctx, project), project.ml.config.region);
      const name = versionLabel(version);
      const description = await withLease(ctx, project, `model start ${name}`, async (lease) => {
        ctx.progress.step("start", `${name} with ${min}${max !== undefined ? `-${max}` : ""} inference unit(s)`);
        const seen = await models.require(version);
        const action = startActionFor(seen.status);
        if (typeof action === "object") throw new Error(`model version ${name} ${action.refuse}`);
        if (action === "wait-stopped-then-start") {
          ctx.progress.waiting(`${name} to finish STOPPING`);
          await models.waitStopped(version);
        }
        // STARTING (someone's start under way) is waited for; a start that races ours is joined, not failed.
        // The lease may have been lost during the wait for STOPPED: checked right before the change.
        if (action === "start" || action === "wait-stopped-then-start") await lease.check();
        if (action === "start" || action === "wait-stopped-then-start") await models.startOrJoin(version, { min, ...(max !== undefined ? { max } : {}) });
        if (action !== "none") {
          ctx.progress.waiting(`${name} to become RUNNING`);
          await models.waitRunning(version);
        }
        return seen;
      });
      ctx.progress.done("start", `${name} is RUNNING`);
      ctx.stdout(flags.json ? `${JSON.stringify({ version, status: "RUNNING", previousStatus: description.status })}\n` : `${name} is RUNNING (was ${description.status})\n`);
    });

  model
    .command("stop")
    .description(
      "Stop a model version and wait until it is STOPPED; refused while an environment calls it or is granted it (as deployed), " +
        "or while it is STARTING (someone is starting it). Holds the promotion lease.",
    )
    .option("--version <arn>", "model version ARN")
    .option("--force", "stop it even though an environment uses it (its calls will fail) or it is STARTING")
    .option("--json", "machine-readable output on stdout")
    .addHelpText(
      "after",
      "\nExit codes: 0 STOPPED; 1 it could not be stopped, or another run holds the promotion lease; 2 bad input (including a version in use or STARTING, without --force).",
    )
    .action(async (flags: StopFlags) => {
      const ctx = context();
      const project = await loadProjectForCli(ctx);
      if (flags.version === undefined) throw new UsageError("--version is required: a model version ARN of the ML stack's project");
      const version = requireVersionArn(project, "--version", flags.version);
      const journals = new FileJournalStore(ctx.stateDir).list();
      // First from the files (no call at all), then, under the lease, from what is deployed.
      refuseInUse(version, usageState(project, journals), flags.force === true);
      const models = modelLifecycleFor(ctx, await projectArnOf(ctx, project), project.ml.config.region);
      const name = versionLabel(version);
      const { description, action } = await withLease(ctx, project, `model stop ${name}`, async (lease) => {
        refuseInUse(version, await deployedUsage(ctx, project, journals), flags.force === true);
        ctx.progress.step("stop", name);
        const seen = await models.require(version);
        const next = stopActionFor(seen.status);
        if (next === "starting" && !flags.force) {
          throw new UsageError(`--version "${version}" is STARTING: someone is starting it (a promotion or \`model start\`); allowed: a RUNNING version, or add --force to stop the start`);
        }
        if (next === "stop" || next === "starting") {
          await lease.check();
          await models.stop(version);
        }
        if (next !== "none") {
          ctx.progress.waiting(`${name} to become STOPPED`);
          await models.waitStopped(version);
        }
        return { description: seen, action: next };
      });
      const final = action === "none" ? description.status : "STOPPED";
      ctx.progress.done("stop", `${name} is ${final}`);
      ctx.stdout(flags.json ? `${JSON.stringify({ version, status: final, previousStatus: description.status })}\n` : `${name} is ${final} (was ${description.status})\n`);
    });
}

function refuseInUse(version: string, state: UsageState, force: boolean): void {
  const uses = usersOf(version, state);
  if (uses.length > 0 && !force) {
    throw new UsageError(`--version "${version}" is used by ${describeUses(uses)}: stopping it breaks their calls; allowed: a version no environment uses (see \`modelshare status\`), or add --force`);
  }
}

/** Who uses what, as deployed (grants of every environment, configured versions of the deployed consumer stacks). */
async function deployedUsage(ctx: CliContext, project: Project, journals: ReturnType<FileJournalStore["list"]>): Promise<UsageState> {
  return deployedUsageState(project, await readDeployedState(await ctx.workspace(), project), journals);
}

/** Runs `operation` holding the promotion lease: a manual start or stop must not interleave with a promotion. */
async function withLease<T>(ctx: CliContext, project: Project, purpose: string, operation: (lease: HeldLease) => Promise<T>): Promise<T> {
  const lease = await promotionLeaseFor(ctx, project).acquire(await leaseIdentity(ctx, project, purpose), (holder) =>
    ctx.progress.waiting(`the promotion lease, held by ${describeLease(holder, ctx.now())}`),
  );
  try {
    return await operation(lease);
  } finally {
    await lease.release().catch(() => undefined);
  }
}
