import { NAMESPACE } from "../config/schema";
import { ML_OUTPUTS } from "../contract";
import { boundedUp } from "./boundedUp";
import { grantsFromOutputs, readDeployedState } from "./deployed";
import { requireCurrentCheckout } from "./drift";
import type { EngineDeps } from "./engine";
import { HeldLease } from "./lease";
import { ModelLifecycle, startActionFor, unitsOf, VersionDescription } from "./model";
import { copyOf } from "../config/copy";
import { ModelCopier } from "./copying";
import { DeployedCopyDestination, readCopyDestination } from "./deployed";
import { applyProjectPolicies, plannedProjectPolicies } from "./projectPolicies";
import { deployedUsageState, usersOf, VersionUse, versionLabel } from "./plan";
import { Project } from "./project";
import { InferenceUnits, Journal, JournalStep, StepEffects } from "./types";
import { addToConfigList, removeFromConfigList } from "./workspace";

/**
 * What a step may do, each change guarded by the promotion lease: before every side effect the lease is checked
 * (and renewed when due), so a run that lost it stops before its next change. Reads of the deployed state go
 * through the Automation API every time a decision depends on them; nothing is cached across steps.
 */
export class StepContext {
  private lifecycle: ModelLifecycle | undefined;
  private destination: Promise<DeployedCopyDestination> | undefined;

  constructor(
    readonly journal: Journal,
    readonly deps: EngineDeps,
    readonly lease: HeldLease,
  ) {}

  get env(): string {
    return this.journal.env;
  }

  save(): void {
    this.deps.journals.write(this.journal);
  }

  /** Writes what the step is about to change into the journal, before changing it. */
  intend(step: JournalStep, effects: StepEffects): void {
    step.effects = { ...step.effects, ...effects };
    this.save();
  }

  project(): Promise<Project> {
    return this.deps.loadProject();
  }

  /** Before every change: stop here if the run was interrupted (InterruptedError) or the lease is gone (LeaseLostError). */
  async guard(): Promise<void> {
    this.deps.signal?.throwIfAborted();
    await this.lease.check();
  }

  async mlOutputs(): Promise<Record<string, unknown>> {
    return this.deps.workspace.outputs((await this.project()).ml.stack);
  }

  async models(): Promise<ModelLifecycle> {
    if (!this.lifecycle) {
      const ml = (await this.project()).ml;
      const projectArn = ml.config.model.projectArn ?? String((await this.mlOutputs())[ML_OUTPUTS.projectArn] ?? "");
      if (projectArn === "") throw new Error(`the ML stack ${ml.stack} has no ${ML_OUTPUTS.projectArn} output and ${NAMESPACE}:model.projectArn is not set; deploy the ML stack first`);
      this.lifecycle = this.deps.modelLifecycle(projectArn, ml.config.region);
    }
    return this.lifecycle;
  }

  /** A copy environment's promotion (sharing: copy when it started). */
  get copying(): boolean {
    return this.journal.sharing === "copy";
  }

  /** The copy environment's destination (project, bucket, key), as its deployed consumer stack exports it. */
  async copyDestination(): Promise<DeployedCopyDestination> {
    this.destination ??= this.project().then((p) => readCopyDestination(this.deps.workspace, p.consumers[this.env].stack));
    return this.destination;
  }

  /** Versions of the environment's destination project, in its account (as its deploy role). */
  async copyModels(): Promise<ModelLifecycle> {
    return this.deps.copyLifecycle(this.env, (await this.copyDestination()).projectArn);
  }

  async copier(): Promise<ModelCopier> {
    const minutes = (await this.project()).ml.config.promotion.copyTimeoutMinutes;
    return this.deps.copier(this.env, (await this.copyDestination()).projectArn, minutes * 60);
  }

  /** The environment's copy of an ML version: the one this run made or found, else the one its config lists. */
  async copyOfVersion(source: string): Promise<string | undefined> {
    const known = this.journal.copies?.[source];
    if (known !== undefined) return known;
    return copyOf((await this.project()).consumers[this.env].config.copy, source);
  }

  noteCopy(source: string, copy: string | undefined): void {
    const copies = { ...(this.journal.copies ?? {}) };
    if (copy === undefined) delete copies[source];
    else copies[source] = copy;
    this.journal.copies = copies;
    this.save();
  }

  /**
   * What the environment calls for `version`, and where it runs: the ML version in the ML account (share), or the
   * environment's copy in its own account (copy; undefined when there is no copy).
   */
  async runningTarget(version: string): Promise<{ readonly arn: string; readonly models: ModelLifecycle } | undefined> {
    if (!this.copying) return { arn: version, models: await this.models() };
    const copy = await this.copyOfVersion(version);
    return copy === undefined ? undefined : { arn: copy, models: await this.copyModels() };
  }

  /**
   * Copy mode: brings the ML project's policies to what the ML stack's last update planned (output projectPolicies),
   * with the pipeline's credentials, each write conditional on the revision read (./projectPolicies).
   */
  async applyProjectPolicies(): Promise<string> {
    const project = await this.project();
    const outputs = await this.mlOutputs();
    const projectArn = String(outputs[ML_OUTPUTS.projectArn] ?? project.ml.config.model.projectArn ?? "");
    await this.guard();
    this.deps.progress.waiting(`the project policies of ${projectArn} (Rekognition PutProjectPolicy / DeleteProjectPolicy)`);
    const changes = await applyProjectPolicies(this.deps.rekognition(project.ml.config.region), projectArn, plannedProjectPolicies(outputs));
    return changes.map((c) => `${c.policyName} ${c.action}`).join(", ");
  }

  /** Units to start `version` with: the request's (a rollback: what it last ran with), else modelshare:promotion's. */
  async unitsFor(version: string): Promise<InferenceUnits> {
    const known = this.journal.units?.[version];
    if (known) return known;
    const promotion = (await this.project()).ml.config.promotion;
    return { min: promotion.minInferenceUnits, ...(promotion.maxInferenceUnits !== undefined ? { max: promotion.maxInferenceUnits } : {}) };
  }

  /** Notes what DescribeProjectVersions showed, under this lease. */
  observe(description: VersionDescription): void {
    // A stopped version shows no units: keep the ones it was last seen running with.
    const units = unitsOf(description) ?? this.journal.models?.[description.arn]?.units;
    (this.journal.models ??= {})[description.arn] = {
      status: description.status,
      ...(units ? { units } : {}),
      lease: this.lease.token,
      at: new Date(this.deps.now()).toISOString(),
    };
  }

  /** A bounded `pulumi up` (promotion.upTimeoutMinutes), cancelled through the run's signal on SIGINT/SIGTERM. */
  async up(stack: string): Promise<void> {
    await this.guard();
    const minutes = (await this.project()).ml.config.promotion.upTimeoutMinutes;
    this.deps.progress.waiting(`pulumi up of stack ${stack} (bounded at ${minutes} min)`);
    await boundedUp(this.deps.workspace, stack, { timeoutMs: minutes * 60_000, ...(this.deps.signal ? { signal: this.deps.signal } : {}) });
  }

  /**
   * Edits this environment's grants in the ML stack's file and deploys it: only after the file was checked against
   * the deployed grants of EVERY environment (an `up` deploys them all), so a checkout that is behind cannot take a
   * grant away from another environment. Differences this promotion explains (its own undeployed edit) pass.
   */
  async changeGrants(edit: (project: Project) => Promise<void>): Promise<void> {
    const project = await this.project();
    const grants = grantsFromOutputs(await this.mlOutputs(), project.ml.stack);
    requireCurrentCheckout(project, { grants, configured: {} }, this.explanation());
    await this.guard();
    await edit(project);
    await this.up(project.ml.stack);
  }

  async addGrant(project: Project, version: string, step: JournalStep, effect: "addedGrant" | null): Promise<boolean> {
    const ml = project.ml;
    const granted = ml.config.consumers[this.env].grantedVersions;
    if (granted.includes(version)) return false;
    if (!ml.config.model.versions.includes(version)) {
      // A grant must name a catalogued version (the ML schema checks it).
      if (effect) this.intend(step, { addedToCatalogue: true });
      await addToConfigList(this.deps.workspace, ml.stack, configPath("model", "versions"), ml.config.model.versions, version);
    }
    if (effect) this.intend(step, { [effect]: true });
    await addToConfigList(this.deps.workspace, ml.stack, configPath("consumers", this.env, "grantedVersions"), granted, version);
    return true;
  }

  async removeGrant(project: Project, version: string): Promise<boolean> {
    const ml = project.ml;
    return removeFromConfigList(this.deps.workspace, ml.stack, configPath("consumers", this.env, "grantedVersions"), ml.config.consumers[this.env].grantedVersions, version);
  }

  /** Differences between the files and what is deployed that this promotion's own edits explain. */
  explanation(): { env: string; grantVersions: string[]; configuredVersions: string[] } {
    const versions = [this.journal.version, this.journal.previous];
    return { env: this.env, grantVersions: versions, configuredVersions: versions };
  }

  /**
   * Who uses what, from every environment's DEPLOYED state (grants in the ML stack, configured versions in the
   * consumer stacks) read now, plus the promotions in flight in this checkout: the decision to stop a version is
   * made from this, under the lease, at the moment of stopping.
   */
  async usersOf(version: string): Promise<VersionUse[]> {
    const project = await this.project();
    const deployed = await readDeployedState(this.deps.workspace, project);
    const others = this.deps.journals.list().filter((j) => j.env !== this.env);
    return usersOf(version, deployedUsageState(project, deployed, others));
  }

  /**
   * Applications read the configured version from SSM and cache it (ModelClient: parameterTtlMs, 60 s by default,
   * docs/client.md); until they re-read it they call the previous version. Revoke and stop therefore wait until
   * modelshare:promotion.drainSeconds have passed since the switch finished (time spent in between counts), showing
   * what they wait for; the lease is renewed meanwhile by its timer.
   */
  async drainAfterSwitch(): Promise<void> {
    const seconds = (await this.project()).ml.config.promotion.drainSeconds;
    const finishedAt = this.journal.steps.find((s) => s.id === "switch")?.finishedAt;
    if (seconds === 0 || finishedAt === undefined) return;
    const until = Date.parse(finishedAt) + seconds * 1000;
    if (until <= this.deps.now()) return;
    this.deps.progress.waiting(
      `${Math.ceil((until - this.deps.now()) / 1000)}s more for applications to re-read the configured version before ${versionLabel(this.journal.previous)} is revoked or stopped (promotion.drainSeconds ${seconds})`,
    );
    while (this.deps.now() < until) {
      this.deps.signal?.throwIfAborted();
      await this.deps.sleep(Math.min(until - this.deps.now(), 15_000));
    }
  }

  /**
   * After the switch the environment calls the new version; the previous one is its only fallback. Revoke and stop
   * take that fallback away, so they go on only while the new version is RUNNING, described now (a resume may come
   * hours later, after someone stopped it): otherwise the step fails and the clean-up stays pending.
   */
  async requireNewVersionRunning(): Promise<void> {
    const { version, previous } = this.journal;
    const target = await this.runningTarget(version);
    const description = target ? await target.models.describe(target.arn) : undefined;
    if (description) this.observe(description);
    if (description?.status === "RUNNING") return;
    const what = this.copying ? `its copy of ${versionLabel(version)}` : versionLabel(version);
    throw new Error(
      `${this.env} calls ${what}, which is ${description ? description.status : "not found"}: ${versionLabel(previous)} is kept granted and running as its fallback. ` +
        `Start ${versionLabel(version)} again (modelshare model start) and re-run the same command, or roll back (modelshare rollback --env ${this.env})`,
    );
  }

  /** Gets a version RUNNING: starts it if needed (or joins a start under way) and waits with a waiter scoped to it. */
  async ensureRunning(version: string, onStart: () => void, requestedUnits?: InferenceUnits, models?: ModelLifecycle): Promise<string> {
    const units = requestedUnits ?? (await this.unitsFor(version));
    models ??= await this.models();
    const name = versionLabel(version);
    const description = await models.require(version);
    this.observe(description);
    let action = startActionFor(description.status);
    if (typeof action === "object") throw new Error(`model version ${name} ${action.refuse}`);
    if (action === "none") return `${name} is already RUNNING`;
    if (action === "wait-stopped-then-start") {
      this.deps.progress.waiting(`${name} to finish STOPPING before it can be started`);
      await models.waitStopped(version);
      action = "start";
    }
    let joined = action === "wait";
    if (action === "start") {
      onStart();
      await this.guard();
      this.deps.progress.waiting(`StartProjectVersion of ${name} with ${formatUnits(units)} inference unit(s)`);
      joined = (await models.startOrJoin(version, units)) === "joined";
    }
    this.deps.progress.waiting(`${name} to become RUNNING (billed from now on)`);
    await models.waitRunning(version);
    this.observe({ arn: version, status: "RUNNING", ...(joined ? {} : { minInferenceUnits: units.min, ...(units.max !== undefined ? { maxInferenceUnits: units.max } : {}) }) });
    return joined ? `${name} was being started by another run; it is RUNNING` : `started ${name} with ${formatUnits(units)} inference unit(s); it is RUNNING`;
  }
}

export function formatUnits(units: InferenceUnits): string {
  return units.max !== undefined ? `${units.min}-${units.max}` : `${units.min}`;
}

/** Builds a Pulumi config path; names that are not plain identifiers (e.g. `pre-prod`) are quoted. */
export function configPath(...segments: string[]): string {
  const [first, ...rest] = segments;
  return `${NAMESPACE}:${first}${rest.map((s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `["${s}"]`)).join("")}`;
}
