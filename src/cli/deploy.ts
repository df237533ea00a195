import { Command } from "commander";
import { CliContext, defaultCliContext, loadProjectForCli } from "../promotion/cliContext";
import { deployStacks, formatDeploySummary, parseStackList, selectStacks } from "../promotion/deploy";
import { currentOwner, FileLocks } from "../promotion/journal";
import { requireInteger } from "../promotion/validation";

interface DeployFlags {
  stacks?: string;
  preview?: boolean;
  concurrency?: string;
  json?: boolean;
}

export const DEFAULT_CONCURRENCY = 4;

/** `modelshare deploy`: the ML stack, then the consumer stacks, through the Automation API. */
export function registerDeploy(program: Command, context: () => CliContext = () => defaultCliContext()): void {
  program
    .command("deploy")
    .description(
      "Update (or preview) the project's stacks with the pulumi CLI on PATH: the ML stack first, then the consumer stacks " +
        "concurrently. Each stack's output is streamed to stderr with its name in front; a summary of changes per stack follows.",
    )
    .option("--stacks <list>", "comma-separated stack names (default: every Pulumi.<stack>.yaml of the project)")
    .option("--preview", "preview instead of update")
    .option("--concurrency <n>", `consumer stacks updated at once (default ${DEFAULT_CONCURRENCY})`)
    .option("--json", "print the summary as JSON on stdout")
    .addHelpText("after", "\nExit codes: 0 every stack succeeded; 1 a stack failed (consumer stacks are not run when the ML stack fails); 2 bad input.")
    .action(async (flags: DeployFlags) => {
      const ctx = context();
      const project = loadProjectForCli(ctx);
      const selection = selectStacks(project, parseStackList(flags.stacks));
      const concurrency = requireInteger("--concurrency", flags.concurrency, 1, 64) ?? DEFAULT_CONCURRENCY;
      const workspace = await ctx.workspace({ createMissingStacks: true });
      const results = await deployStacks(selection, { preview: flags.preview === true, concurrency }, {
        workspace,
        now: ctx.now,
        writeOutput: ctx.stderr,
        locks: { locks: new FileLocks(ctx.stateDir, ctx.liveness), owner: currentOwner(ctx.commandLine, new Date(ctx.now())), sleep: ctx.sleep },
      });
      ctx.stdout(flags.json ? `${JSON.stringify({ stacks: results }, null, 2)}\n` : `${formatDeploySummary(results)}\n`);
      process.exitCode = results.every((r) => r.status === "ok") ? 0 : 1;
    });
}
