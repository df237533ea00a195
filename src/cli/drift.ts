import { Command } from "commander";
import { CliContext, defaultCliContext, loadProjectForCli } from "../promotion/cliContext";
import { projectDirectoryOption } from "./common";
import { parseStackList, selectStacks } from "../promotion/deploy";
import { detectDrift, formatDrift } from "../promotion/stackDrift";
import { requireInteger } from "../promotion/validation";

interface DriftFlags {
  stacks?: string;
  concurrency?: string;
  json?: boolean;
}

export const DEFAULT_DRIFT_CONCURRENCY = 4;

/** `modelshare drift`: does what exists still match what the program declares? */
export function registerDrift(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  program
    .command("drift")
    .description(
      "For each stack, a refresh-preview through the Automation API (pulumi preview --refresh: it changes nothing) and, per resource, what differs " +
        "from the program: a shared role's policy, an endpoint policy or an SCP edited by hand. Run it on the commit that was deployed.",
    )
    .option("--stacks <list>", "comma-separated stack names (default: every Pulumi.<stack>.yaml of the project)")
    .option("--concurrency <n>", `stacks previewed at once (default ${DEFAULT_DRIFT_CONCURRENCY})`)
    .option("--json", "machine-readable output on stdout")
    .addHelpText("after", "\nExit codes: 0 nothing drifted; 1 a stack drifted or could not be checked; 2 bad input (an unknown stack, a bad flag).")
    .action(async (flags: DriftFlags) => {
      const ctx = context();
      const concurrency = requireInteger("--concurrency", flags.concurrency, 1, 64) ?? DEFAULT_DRIFT_CONCURRENCY;
      const project = await loadProjectForCli(ctx);
      const selection = selectStacks(project, parseStackList(flags.stacks));
      ctx.progress.step("drift", `refresh-preview of ${[selection.ml, ...selection.consumers].filter(Boolean).join(", ")}`);
      const report = await detectDrift(selection, concurrency, { workspace: await ctx.workspace(), now: ctx.now, writeOutput: ctx.stderr, progress: ctx.progress });
      ctx.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDrift(report)}\n`);
      process.exitCode = report.drifted || report.failed ? 1 : 0;
    });
}
