import { Command } from "commander";
import { UsageError } from "./common";
import { CliContext, defaultCliContext, loadProjectForCli, modelLifecycleFor, projectArnOf } from "../promotion/cliContext";
import { FileJournalStore } from "../promotion/journal";
import { startActionFor, stopActionFor } from "../promotion/model";
import { describeUses, usageState, usersOf, versionLabel } from "../promotion/plan";
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
export function registerModel(program: Command, context: () => CliContext = () => defaultCliContext()): void {
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
      const project = loadProjectForCli(ctx);
      if (flags.version === undefined) throw new UsageError("--version is required: a model version ARN of the ML stack's project");
      const version = requireVersionArn(project, "--version", flags.version);
      const promotion = project.ml.config.promotion;
      const min = requireInteger("--min-units", flags.minUnits, 1, MAX_UNITS) ?? promotion.minInferenceUnits;
      const max = requireInteger("--max-units", flags.maxUnits, 1, MAX_UNITS) ?? promotion.maxInferenceUnits;
      if (max !== undefined && max < min) throw new UsageError(`--max-units "${max}" is below --min-units ${min}; allowed: a number >= ${min}`);

      const models = modelLifecycleFor(ctx, await projectArnOf(ctx, project), project.ml.config.region);
      const name = versionLabel(version);
      ctx.progress.step("start", `${name} with ${min}${max !== undefined ? `-${max}` : ""} inference unit(s)`);
      const description = await models.require(version);
      const action = startActionFor(description.status);
      if (typeof action === "object") throw new Error(`model version ${name} ${action.refuse}`);
      if (action === "wait-stopped-then-start") {
        ctx.progress.waiting(`${name} to finish STOPPING`);
        await models.waitStopped(version);
      }
      if (action === "start" || action === "wait-stopped-then-start") await models.start(version, { min, ...(max !== undefined ? { max } : {}) });
      if (action !== "none") {
        ctx.progress.waiting(`${name} to become RUNNING`);
        await models.waitRunning(version);
      }
      ctx.progress.done("start", `${name} is RUNNING`);
      ctx.stdout(flags.json ? `${JSON.stringify({ version, status: "RUNNING", previousStatus: description.status })}\n` : `${name} is RUNNING (was ${description.status})\n`);
    });

  model
    .command("stop")
    .description("Stop a model version and wait until it is STOPPED; refused while an environment calls it or is granted it")
    .option("--version <arn>", "model version ARN")
    .option("--force", "stop it even though an environment uses it (its calls will fail)")
    .option("--json", "machine-readable output on stdout")
    .addHelpText("after", "\nExit codes: 0 STOPPED; 1 it could not be stopped; 2 bad input (including a version in use without --force).")
    .action(async (flags: StopFlags) => {
      const ctx = context();
      const project = loadProjectForCli(ctx);
      if (flags.version === undefined) throw new UsageError("--version is required: a model version ARN of the ML stack's project");
      const version = requireVersionArn(project, "--version", flags.version);
      const uses = usersOf(version, usageState(project, new FileJournalStore(ctx.stateDir).list()));
      if (uses.length > 0 && !flags.force) {
        throw new UsageError(`--version "${version}" is used by ${describeUses(uses)}: stopping it breaks their calls; allowed: a version no environment uses (see \`modelshare status\`), or add --force`);
      }
      const models = modelLifecycleFor(ctx, await projectArnOf(ctx, project), project.ml.config.region);
      const name = versionLabel(version);
      ctx.progress.step("stop", name);
      const description = await models.require(version);
      const action = stopActionFor(description.status);
      if (action === "stop") await models.stop(version);
      if (action !== "none") {
        ctx.progress.waiting(`${name} to become STOPPED`);
        await models.waitStopped(version);
      }
      const final = action === "none" ? description.status : "STOPPED";
      ctx.progress.done("stop", `${name} is ${final}`);
      ctx.stdout(flags.json ? `${JSON.stringify({ version, status: final, previousStatus: description.status })}\n` : `${name} is ${final} (was ${description.status})\n`);
    });
}
