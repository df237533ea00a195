import { Command } from "commander";
import { projectDirectoryOption } from "./common";
import { CliContext, defaultCliContext, historyClientFor, loadProjectForCli, modelLifecycleFor, projectArnOf, promotionLeaseFor } from "../promotion/cliContext";
import { readDeployedState } from "../promotion/deployed";
import { SsmHistoryStore } from "../promotion/history";
import { FileJournalStore } from "../promotion/journal";
import { environmentNames } from "../promotion/project";
import { formatStatus, LeaseStatus, leaseStatus, summarizeStatus } from "../promotion/status";
import { HistoryRecord } from "../promotion/types";
import { requireEnvironment } from "../promotion/validation";

interface StatusFlags {
  env?: string;
  history?: boolean;
  json?: boolean;
}

/** `modelshare status`: what each environment calls, what it may call, what runs and what it costs. */
export function registerStatus(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  program
    .command("status")
    .description(
      "Per environment, as deployed: the configured version, the granted versions and whether it is healthy (configured version granted and RUNNING), " +
        "a promotion in progress or a clean-up pending, and where this checkout's files differ; per model version: status, inference units and " +
        "estimated cost per hour; running versions no environment uses are flagged; who holds the promotion lease.",
    )
    .option("--env <env>", "only this environment")
    .option("--history", "also list the promotions and rollbacks recorded in each environment's account")
    .option("--json", "machine-readable output on stdout")
    .addHelpText("after", "\nExit codes: 0 every environment shown is healthy; 1 one is not (or AWS could not be read); 2 bad input.")
    .action(async (flags: StatusFlags) => {
      const ctx = context();
      const project = await loadProjectForCli(ctx);
      const env = flags.env === undefined ? undefined : requireEnvironment(project, "--env", flags.env);
      const models = modelLifecycleFor(ctx, await projectArnOf(ctx, project), project.ml.config.region);
      ctx.progress.step("status", `DescribeProjectVersions of ${models.projectArn}`);
      const descriptions = await models.describeAll();
      const journals = new FileJournalStore(ctx.stateDir).list();
      ctx.progress.waiting("the stacks' outputs (what is deployed)");
      const deployed = await readDeployedState(await ctx.workspace(), project);
      let lease: LeaseStatus;
      try {
        lease = leaseStatus(await promotionLeaseFor(ctx, project).current(), ctx.now());
      } catch (error) {
        lease = { error: error instanceof Error ? error.message : String(error) };
      }
      let report = { ...summarizeStatus(project, descriptions, journals, env, deployed), lease };
      if (flags.history) {
        const store = new SsmHistoryStore(historyClientFor(ctx, project));
        const history: Record<string, HistoryRecord[]> = {};
        for (const name of env === undefined ? environmentNames(project) : [env]) {
          ctx.progress.waiting(`the promotion history of ${name} (SSM GetParameterHistory in its account)`);
          history[name] = await store.list(name);
        }
        report = { ...report, history };
      }
      ctx.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatus(report)}\n`);
      process.exitCode = report.environments.every((e) => e.healthy) ? 0 : 1;
    });
}
