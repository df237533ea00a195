import { copyOf } from "../config/copy";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseDocument } from "yaml";
import { own } from "../config/lists";
import { NAMESPACE } from "../config/schema";
import { ApprovalIo, approvePlan } from "./approval";
import { StackPlan } from "./changes";
import { grantsFromOutputs } from "./deployed";
import { versionLabel } from "./plan";
import { Project } from "./project";
import { Journal } from "./types";
import { StackWorkspace } from "./workspace";

/**
 * A promotion's plan before it applies anything: what `pulumi up` of each stack it updates (the ML stack and the
 * environment's consumer stack) would do once the promotion's config edits are made. The edits are not made for this:
 * each stack is previewed with a temporary copy of its Pulumi.<stack>.yaml that has them (`--config-file`), so a
 * declined plan leaves every file as it was.
 */

/** One value to set in a stack file, at a path under `config:` (e.g. `modelshare:consumers` / `prod` / `grantedVersions`). */
export interface ConfigEdit {
  readonly stack: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

/**
 * The config the run ends with: forward (a new or resumed run), the environment calls `version`, which is granted and
 * catalogued, and `previous` is no longer granted unless kept (or it is the same version); undoing (a step before the
 * switch failed, or a rollback undoes an interrupted promotion), the environment calls `previous` again with the
 * grants it had before.
 */
export function promotionEndState(project: Project, journal: Journal): ConfigEdit[] {
  const env = journal.env;
  const ml = project.ml;
  const consumer = own(project.consumers, env);
  const granted = own(ml.config.consumers, env)?.grantedVersions ?? [];
  const catalogue = ml.config.model.versions;
  const grantStep = journal.steps.find((s) => s.id === "grant");
  const revokeStep = journal.steps.find((s) => s.id === "revoke");
  let grants: string[];
  let calls: string;
  let catalogued = [...catalogue];
  if (journal.phase === "undoing") {
    grants = granted.filter((v) => !(grantStep?.effects.addedGrant && v === journal.version));
    if (revokeStep?.effects.removedGrant && !grants.includes(journal.previous)) grants.push(journal.previous);
    if (grantStep?.effects.addedToCatalogue && !grants.includes(journal.version)) catalogued = catalogued.filter((v) => v !== journal.version);
    calls = journal.previous;
  } else {
    grants = granted.includes(journal.version) ? [...granted] : [...granted, journal.version];
    if (!catalogued.includes(journal.version)) catalogued.push(journal.version);
    if (revokeStep !== undefined && !journal.keepOld && journal.previous !== journal.version) grants = grants.filter((v) => v !== journal.previous);
    calls = journal.version;
  }
  const edits: ConfigEdit[] = [];
  if (!sameList(catalogued, catalogue)) edits.push({ stack: ml.stack, path: [`${NAMESPACE}:model`, "versions"], value: catalogued });
  if (!sameList(grants, granted)) edits.push({ stack: ml.stack, path: [`${NAMESPACE}:consumers`, env, "grantedVersions"], value: grants });
  if (consumer && consumer.config.modelVersionArn !== calls) edits.push({ stack: consumer.stack, path: [`${NAMESPACE}:modelVersionArn`], value: calls });
  return edits;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The text of a stack file with `edits` applied (comments, other keys and secure values kept as they are). */
export function applyConfigEdits(text: string, edits: readonly ConfigEdit[]): string {
  const document = parseDocument(text);
  for (const edit of edits) document.setIn(["config", ...edit.path], document.createNode(edit.value));
  return document.toString();
}

export interface PreviewDeps {
  readonly workspace: StackWorkspace;
  readonly project: Project;
  readonly onStack?: (stack: string) => void;
}

/**
 * Previews the stacks the promotion updates, ML first, each with its end-state config. The consumer stack reads the
 * ML stack's outputs through a StackReference, which the preview sees as deployed now: the endpoint policy update that
 * follows the grant shows only once the ML stack is updated (said in the plan's note).
 */
export async function previewPromotion(journal: Journal, deps: PreviewDeps): Promise<StackPlan[]> {
  const { project } = deps;
  const consumer = own(project.consumers, journal.env);
  // The consumer program refuses a version the DEPLOYED ML stack does not grant it (as `up` would), and the grant is
  // deployed only by the grant step: until then the switch is previewed as the version it calls now.
  const deployedGrants = own(grantsFromOutputs(await deps.workspace.outputs(project.ml.stack), project.ml.stack), journal.env) ?? [];
  const endState = promotionEndState(project, journal);
  // Copy mode: the parameter names the copy, which the copy step makes and lists; before that the switch cannot be
  // previewed either (it would show the parameter saying "not copied yet").
  const uncopied = (version: string) => journal.sharing === "copy" && journal.copies?.[version] === undefined && copyOf(consumer?.config.copy, version) === undefined;
  const unpreviewable = endState.find((e) => e.stack === consumer?.stack && typeof e.value === "string" && (!deployedGrants.includes(e.value) || uncopied(e.value)));
  const edits = endState.filter((e) => e !== unpreviewable);
  const stacks = [{ stack: project.ml.stack, path: project.ml.path }, ...(consumer ? [{ stack: consumer.stack, path: consumer.path }] : [])];
  const dir = mkdtempSync(join(tmpdir(), "modelshare-plan-"));
  try {
    const plans: StackPlan[] = [];
    for (const { stack, path } of stacks) {
      const own = edits.filter((e) => e.stack === stack);
      const configFile = join(dir, basename(path));
      writeFileSync(configFile, applyConfigEdits(readFileSync(path, "utf8"), own));
      deps.onStack?.(stack);
      const preview = await deps.workspace.preview(stack, { configFile });
      const note =
        stack !== consumer?.stack
          ? undefined
          : `previewed against the ML stack as deployed now; the promotion updates it after the ML stack, so its endpoint policy also follows the grants then` +
            (unpreviewable ? `; the switch to ${versionLabel(String(unpreviewable.value))} (its model-version-arn parameter) follows the ${journal.sharing === "copy" ? "grant and the copy" : "grant"} and is not in this preview` : "");
      plans.push({ stack, changes: preview.changes, ...(note ? { note } : {}) });
    }
    return plans;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The engine's approval hook for promote and rollback: previews the run's stacks with its end-state config, shows the
 * steps still to run and the plan, and asks (or takes `--yes`). Throws PlanDeclinedError when declined.
 */
export function promotionApproval(command: string, yes: boolean, io: ApprovalIo, deps: { readonly workspace: StackWorkspace; readonly loadProject: () => Project | Promise<Project>; readonly onStack?: (stack: string) => void }): (journal: Journal) => Promise<void> {
  return async (journal) => {
    const plans = await previewPromotion(journal, { workspace: deps.workspace, project: await deps.loadProject(), ...(deps.onStack ? { onStack: deps.onStack } : {}) });
    const pending = journal.phase === "undoing" ? [...journal.steps].reverse().filter((s) => s.state === "done" || s.state === "failed" || s.state === "running").map((s) => `undo ${s.id}`) : journal.steps.filter((s) => s.state !== "done" && s.state !== "skipped").map((s) => `${s.id.padEnd(14)}  ${s.detail}`);
    await approvePlan(command, plans, yes, io, pending);
  };
}
