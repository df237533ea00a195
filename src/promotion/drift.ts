import { own } from "../config/lists";
import { NAMESPACE } from "../config/schema";
import { DeployedState } from "./deployed";
import { versionLabel } from "./plan";
import { environmentNames, Project } from "./project";

/**
 * Does this checkout's Pulumi.<stack>.yaml agree with what is deployed? A checkout that predates another
 * operator's promotion would, on its next `up`, deploy its old grants and take away the version another
 * environment calls. Pure: the executor reads the deployed state and refuses on any problem found here, before
 * it changes anything.
 */

/** Differences a promotion itself explains: config it edited (journal-first) but had not deployed when it stopped. */
export interface Explanation {
  readonly env: string;
  /** Versions whose grant to `env` the promotion adds or removes. */
  readonly grantVersions: readonly string[];
  /** Versions `env`'s consumer file may name instead of the deployed one (a switch or its undo in flight). */
  readonly configuredVersions: readonly string[];
}

export interface DriftProblem {
  readonly env: string;
  readonly file: string;
  readonly key: string;
  readonly inCheckout: readonly string[] | string | undefined;
  readonly deployed: readonly string[] | string | undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/**
 * Grants of every environment (one ML stack file holds them all: an `up` deploys all of them) and the configured
 * version of the environments in `deployed.configured`; a consumer stack that was never deployed is skipped.
 */
export function checkoutDrift(project: Project, deployed: DeployedState, explanation?: Explanation): DriftProblem[] {
  const problems: DriftProblem[] = [];
  const ml = project.ml;
  const envs = [...new Set([...Object.keys(ml.config.consumers), ...Object.keys(deployed.grants)])].sort();
  for (const env of envs) {
    const key = `${NAMESPACE}:consumers.${env}.grantedVersions`;
    const inCheckout = ml.config.consumers[env]?.grantedVersions;
    const live = own(deployed.grants, env);
    if (inCheckout === undefined || live === undefined) {
      problems.push({ env, file: ml.path, key, inCheckout, deployed: live });
      continue;
    }
    const explained = explanation?.env === env ? new Set(explanation.grantVersions) : new Set<string>();
    if (!sameSet(inCheckout.filter((v) => !explained.has(v)), live.filter((v) => !explained.has(v)))) {
      problems.push({ env, file: ml.path, key, inCheckout, deployed: live });
    }
  }
  for (const env of environmentNames(project)) {
    if (!Object.hasOwn(deployed.configured, env)) continue;
    const live = own(deployed.configured, env);
    const consumer = project.consumers[env];
    const inCheckout = consumer.config.modelVersionArn;
    if (live === undefined || live === inCheckout) continue;
    if (explanation?.env === env && explanation.configuredVersions.includes(inCheckout) && explanation.configuredVersions.includes(live)) continue;
    problems.push({ env, file: consumer.path, key: `${NAMESPACE}:modelVersionArn`, inCheckout, deployed: live });
  }
  return [...problems, ...copyDrift(project, deployed, explanation)];
}

/**
 * Copy environments: the checkout lists the copies the deployed stack lists (a stale checkout's `up` would unlist a
 * copy another checkout listed). Entries for the versions the promotion itself moves between are explained.
 */
function copyDrift(project: Project, deployed: DeployedState, explanation?: Explanation): DriftProblem[] {
  const problems: DriftProblem[] = [];
  for (const [env, live] of Object.entries(deployed.copies ?? {})) {
    const consumer = own(project.consumers, env);
    if (consumer === undefined) continue;
    const explained = new Set(explanation?.env === env ? explanation.configuredVersions : []);
    const entries = (list: readonly { source: string; copy: string }[]) => list.filter((v) => !explained.has(v.source)).map((v) => `${v.source} -> ${v.copy}`);
    const inCheckout = consumer.config.copy?.versions ?? [];
    if (!sameSet(entries(inCheckout), entries(live))) {
      problems.push({ env, file: consumer.path, key: `${NAMESPACE}:copy.versions`, inCheckout: entries(inCheckout), deployed: entries(live) });
    }
  }
  return problems;
}

function show(value: readonly string[] | string | undefined): string {
  if (value === undefined) return "nothing (no such entry)";
  if (typeof value === "string") return versionLabel(value);
  return `[${value.map(versionLabel).join(", ")}]`;
}

function full(value: readonly string[] | string | undefined): string {
  if (value === undefined) return "(remove the entry)";
  return typeof value === "string" ? value : `[${value.join(", ")}]`;
}

/** This checkout disagrees with what is deployed in a way the promotion does not explain: nothing was changed. */
export class StaleCheckoutError extends Error {
  constructor(readonly problems: readonly DriftProblem[]) {
    super(
      [
        "refused: this checkout's stack files disagree with what is deployed (another promotion or deploy changed the stacks since this checkout was updated); nothing was changed:",
        ...problems.map((p) => `  - ${p.env}: ${p.file} has ${p.key} = ${show(p.inCheckout)}, the deployed stack has ${show(p.deployed)}`),
        "Update the checkout to what is deployed, then re-run: pull the commit that recorded the other change (git pull), or set these values:",
        ...problems.map((p) => `  ${p.key} = ${full(p.deployed)}   (in ${p.file})`),
        "`modelshare status` shows what is deployed; `modelshare status --history` who changed it. To move an environment to another version, use `modelshare promote` (it verifies the version before switching).",
      ].join("\n"),
    );
    this.name = "StaleCheckoutError";
  }
}

export function requireCurrentCheckout(project: Project, deployed: DeployedState, explanation?: Explanation): void {
  const problems = checkoutDrift(project, deployed, explanation);
  if (problems.length > 0) throw new StaleCheckoutError(problems);
}

/**
 * What `deploy` of these stacks would break, from this checkout's files and what is deployed: an ML stack whose file
 * no longer grants an environment the version its deployed stack calls (a checkout behind a promotion), and a
 * consumer stack whose file names another version than the deployed one (switching is promote's job: it verifies
 * first). Stacks never deployed have nothing to break.
 */
export function deployHazards(project: Project, deployed: DeployedState, selection: { readonly ml?: string; readonly consumers: readonly string[] }): DriftProblem[] {
  const problems: DriftProblem[] = [];
  for (const env of environmentNames(project)) {
    const consumer = project.consumers[env];
    const live = own(deployed.configured, env);
    if (live === undefined) continue;
    const grants = project.ml.config.consumers[env]?.grantedVersions ?? [];
    if (selection.ml !== undefined && !grants.includes(live)) {
      problems.push({ env, file: project.ml.path, key: `${NAMESPACE}:consumers.${env}.grantedVersions`, inCheckout: grants, deployed: own(deployed.grants, env) ?? [live] });
    }
    if (selection.consumers.includes(consumer.stack) && consumer.config.modelVersionArn !== live) {
      problems.push({ env, file: consumer.path, key: `${NAMESPACE}:modelVersionArn`, inCheckout: consumer.config.modelVersionArn, deployed: live });
    }
  }
  return problems;
}
