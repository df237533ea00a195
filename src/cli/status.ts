import { Command } from "commander";
import { projectDirectoryOption } from "./common";
import { CliContext, consumerRekognitionFor, defaultCliContext, historyClientFor, loadProjectForCli, modelLifecycleFor, projectArnOf, promotionLeaseFor } from "../promotion/cliContext";
import { readDeployedState } from "../promotion/deployed";
import { SsmHistoryStore } from "../promotion/history";
import { FileJournalStore } from "../promotion/journal";
import { formatStatus, LeaseStatus, leaseStatus, sharingModeOf, summarizeStatus, VersionAlarms } from "../promotion/status";
import { CopyAccountState, readCopyAccounts } from "../promotion/copyAccounts";
import { DeployedState } from "../promotion/deployed";
import { CloudWatchAlarmReader } from "../promotion/alarms";
import { modelAlarmNames } from "../detective/alarms";
import { detectDrift } from "../promotion/stackDrift";
import { VersionDescription } from "../promotion/model";
import { environmentNames, Project } from "../promotion/project";
import { formatRefusals, historyRulesFor, screenHistory } from "../promotion/historyChecks";
import { deployedProjectPolicies, projectPolicyProblems } from "../promotion/projectPolicies";
import { HistoryRecord } from "../promotion/types";
import { requireEnvironment } from "../promotion/validation";

interface StatusFlags {
  env?: string;
  history?: boolean;
  drift?: boolean;
  json?: boolean;
}

/** `modelshare status`: what each environment calls, what it may call, what runs and what it costs. */
export function registerStatus(program: Command, context: () => CliContext = () => defaultCliContext(projectDirectoryOption(program))): void {
  program
    .command("status")
    .description(
      "Per environment, as deployed: the configured version, the granted versions and whether it is healthy (share: the configured version granted and RUNNING; copy: the copy its parameter names RUNNING in its own account), " +
        "a promotion in progress or a clean-up pending, and where this checkout's files differ; per model version: status, inference units and " +
        "estimated cost per hour, and the state of its alarms (detective.alarms); per environment its mode (share or copy), its cost per hour and what the other mode " +
        "would add and save; a copy environment's copies, read in its account as its deploy role; running ML versions no shared environment uses (copy environments run their own copies), and running copies " +
        "their environment no longer calls or lists, are flagged; --json carries every field (docs/copy.md, \"Status: what each mode costs\"); who holds the promotion lease.",
    )
    .option("--env <env>", "only this environment")
    .option("--history", "also list the promotions and rollbacks recorded in each environment's account")
    .option("--drift", "also a refresh-preview of the stacks (the ML stack and the environments' stacks): what differs from the program")
    .option("--json", "machine-readable output on stdout")
    .addHelpText("after", "\nWarns (stderr, and `warnings` in --json) about a project policy on the shared project that model.existingProjectPolicies does not list,\nand about promotion-history records that fail modelshare's checks.\nA copy environment's copies are read in its account as its deploy role; an account that cannot be read makes that environment not healthy, and the others are still shown.\nCost: inference hours at the minimum units x modelshare:promotion.pricePerInferenceUnitHour (the maximum beside it with auto-scaling); S3 storage of copies and endpoints are not estimated.\nExit codes: 0 every environment shown is healthy (and, with --drift, nothing drifted); 1 one is not, an alarm of the version it calls is in ALARM, a stack drifted (or AWS could not be read); 2 bad input.")
    .action(async (flags: StatusFlags) => {
      const ctx = context();
      const project = await loadProjectForCli(ctx);
      const env = flags.env === undefined ? undefined : requireEnvironment(project, "--env", flags.env);
      const projectArn = await projectArnOf(ctx, project);
      const models = modelLifecycleFor(ctx, projectArn, project.ml.config.region);
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
      const alarms = await versionAlarms(ctx, project, descriptions);
      const warnings = await projectPolicyWarnings(ctx, project, projectArn);
      const copies = await copyAccounts(ctx, project, deployed, env === undefined ? environmentNames(project) : [env]);
      let report = { ...summarizeStatus(project, descriptions, journals, env, deployed, alarms, ctx.liveness, copies), lease, ...(warnings.length > 0 ? { warnings } : {}) };
      if (flags.history) {
        const store = new SsmHistoryStore(historyClientFor(ctx, project));
        const history: Record<string, HistoryRecord[]> = {};
        for (const name of env === undefined ? environmentNames(project) : [env]) {
          ctx.progress.waiting(`the promotion history of ${name} (SSM GetParameterHistory in its account)`);
          // Records that fail the checks are shown as warnings, never as history (they come from the consumer account).
          const screened = screenHistory(await store.list(name), historyRulesFor(project.ml.config, name));
          history[name] = screened.records;
          if (screened.refused.length > 0) warnings.push(formatRefusals(name, screened.refused));
        }
        report = { ...report, history, ...(warnings.length > 0 ? { warnings } : {}) };
      }
      if (flags.drift) {
        const consumers = (env === undefined ? environmentNames(project) : [env]).map((name) => project.consumers[name].stack);
        ctx.progress.waiting("a refresh-preview of each stack (drift)");
        const drift = await detectDrift({ ml: project.ml.stack, consumers }, 4, { workspace: await ctx.workspace(), now: ctx.now, writeOutput: () => undefined, progress: ctx.progress });
        report = { ...report, drift };
      }
      for (const warning of warnings) ctx.stderr(`warning: ${warning}\n`);
      ctx.stdout(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatus(report)}\n`);
      const driftOk = report.drift === undefined || (!report.drift.drifted && !report.drift.failed);
      process.exitCode = report.environments.every((e) => e.healthy) && driftOk ? 0 : 1;
    });
}

/**
 * The alarms of every RUNNING version (with detective.alarms on), read from CloudWatch in the ML account. A read that
 * fails is reported per version; it does not stop `status`.
 */
async function versionAlarms(ctx: CliContext, project: Project, descriptions: readonly VersionDescription[]): Promise<Record<string, VersionAlarms>> {
  const ml = project.ml.config;
  if (!ml.detective.alarms.enabled) return {};
  const running = descriptions.filter((d) => d.status === "RUNNING").map((d) => d.arn);
  if (running.length === 0) return {};
  ctx.progress.waiting(`the alarms of ${running.length} running version(s) (CloudWatch DescribeAlarms)`);
  const reader = new CloudWatchAlarmReader(ctx.cloudwatch(ml.region));
  const names = running.map((arn) => modelAlarmNames(ml.rolePrefix, arn));
  try {
    const statuses = await reader.read(names.flat());
    const byName = new Map(statuses.map((s) => [s.name, s]));
    return Object.fromEntries(running.map((arn, i) => [arn, names[i].map((name) => byName.get(name) ?? { name, state: "MISSING" as const })]));
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return Object.fromEntries(running.map((arn) => [arn, { error: message }]));
  }
}

/**
 * What runs in the shown copy environments' accounts, read as each one's deploy role (the pipeline may assume it); an
 * account that cannot be read is reported for its environment, and the others are still read.
 */
async function copyAccounts(ctx: CliContext, project: Project, deployed: DeployedState, envs: readonly string[]): Promise<Record<string, CopyAccountState>> {
  const modeOf = sharingModeOf(project, deployed);
  const copyEnvs = envs.filter((name) => modeOf(name) === "copy");
  if (copyEnvs.length === 0) return {};
  ctx.progress.waiting(`the copies in ${copyEnvs.join(", ")}'s account${copyEnvs.length === 1 ? "" : "s"} (DescribeProjectVersions as the deploy role)`);
  return readCopyAccounts(await ctx.workspace(), Object.fromEntries(copyEnvs.map((name) => [name, project.consumers[name].stack])), consumerRekognitionFor(ctx, project, "status"));
}

/** A project policy that appeared on the shared project since it was adopted: a warning, not a failure of `status`. */
async function projectPolicyWarnings(ctx: CliContext, project: Project, projectArn: string): Promise<string[]> {
  try {
    return await projectPolicyProblems(ctx.rekognition(project.ml.config.region), projectArn, project.ml.config, async () => deployedProjectPolicies(await ctx.workspace(), project.ml.stack));
  } catch (error) {
    return [`could not list the shared project's project policies (ListProjectPolicies): ${error instanceof Error ? error.message : String(error)}`];
  }
}
