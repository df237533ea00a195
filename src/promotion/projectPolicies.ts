import type { ProjectPolicy, RekognitionClient } from "@aws-sdk/client-rekognition";
import type { MlConfig } from "../config/schema";
import { ML_COPY_OUTPUTS } from "../contract";
import { planMl } from "../plan";
import { PolicyJson } from "../rules/documents";
import { rekognitionSdk } from "./sdk";

/**
 * The project policies on the shared project. A project policy is what lets another account copy a version
 * (CopyProjectVersion is called by the destination account and authorized by the source project's policy: Custom
 * Labels guide, "Creating a project policy document",
 * https://docs.aws.amazon.com/rekognition/latest/customlabels-dg/md-create-project-policy-document.html). The ML
 * guardrail stops changes to project policies, not the ones an adopted project already carries, and no Pulumi data
 * source lists them, so the CLI asks Rekognition (ListProjectPolicies, at most 5 a page) before deploy and promote
 * and in status. Only the policies listed in model.existingProjectPolicies, with the same document, are accepted.
 */

export interface LiveProjectPolicy {
  readonly name: string;
  readonly revisionId?: string;
  readonly document: unknown;
}

/** Every project policy on the project (paginated; bounded by a page count so a looping token cannot hang). */
export async function listProjectPolicies(client: RekognitionClient, projectArn: string, maxPages = 100): Promise<LiveProjectPolicy[]> {
  const policies: LiveProjectPolicy[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const response = await client.send(new (rekognitionSdk().ListProjectPoliciesCommand)({ ProjectArn: projectArn, MaxResults: 5, NextToken: nextToken }));
    for (const p of response?.ProjectPolicies ?? []) {
      policies.push({ name: p.PolicyName ?? "", ...(p.PolicyRevisionId ? { revisionId: p.PolicyRevisionId } : {}), document: parseDocument(p.PolicyDocument) });
    }
    nextToken = response?.NextToken;
    if (!nextToken) return policies;
  }
  throw new Error(`ListProjectPolicies on ${projectArn} returned more than ${maxPages} pages; refusing to go on`);
}

function parseDocument(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "null");
  } catch {
    return text;
  }
}

/** JSON with object keys sorted: two documents that differ only in key order are the same policy. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The copy policies modelshare itself plans (`<rolePrefix>-copy-<env>`, one per copy environment, docs/copy.md), from
 * the checkout's config; with `deployed` (the ML stack's output projectPolicies: what the last deploy applied) too,
 * so a config edit not deployed yet does not make the policy on the project unexpected.
 */
export function ownProjectPolicies(config: MlConfig, deployed: readonly PlannedProjectPolicy[] = []): PlannedProjectPolicy[] {
  const fromConfig = planMl(config).projectPolicies.map((p): PlannedProjectPolicy => ({ policyName: p.policyName, document: (p.document as PolicyJson | undefined) ?? null }));
  return [...fromConfig, ...deployed];
}

/**
 * Each live project policy the config does not accept, in words (empty: nothing unexpected). Accepted: the policies
 * listed in model.existingProjectPolicies with their document, and modelshare's own copy policies with exactly a
 * document modelshare planned (`own`); one of modelshare's names with another document is flagged.
 */
export function unexpectedProjectPolicies(live: readonly LiveProjectPolicy[], config: MlConfig, own: readonly PlannedProjectPolicy[] = ownProjectPolicies(config)): string[] {
  const accepted = new Map(config.model.existingProjectPolicies.map((p) => [p.name, canonicalJson(p.document)]));
  const planned = new Map<string, Set<string>>();
  for (const p of own) {
    const documents = planned.get(p.policyName) ?? new Set<string>();
    if (p.document !== null) documents.add(canonicalJson(p.document));
    planned.set(p.policyName, documents);
  }
  return live.flatMap((policy) => {
    const listed = accepted.get(policy.name);
    const ours = planned.get(policy.name);
    const revision = policy.revisionId ? ` (revision ${policy.revisionId})` : "";
    if (listed === undefined && ours !== undefined) {
      if (ours.has(canonicalJson(policy.document))) return [];
      return [`project policy "${policy.name}"${revision} has the name of modelshare's copy policy but not the document modelshare planned (config consumers.<env>.grantedVersions, ML stack output projectPolicies): someone changed who may copy the model; find out who, then delete it (rekognition delete-project-policy, by a role the ML guardrail exempts) and deploy again`];
    }
    if (listed === undefined) {
      return [`project policy "${policy.name}"${revision} is on the shared project but not in modelshare:model.existingProjectPolicies: it lets the principals it names copy every version (CopyProjectVersion). Remove it (rekognition delete-project-policy, by a role the ML guardrail exempts), or list it with its document if it is meant to be there`];
    }
    if (listed !== canonicalJson(policy.document)) {
      return [`project policy "${policy.name}"${revision} differs from its document in modelshare:model.existingProjectPolicies: someone changed who may copy the model; compare and correct one of them`];
    }
    return [];
  });
}

/** The problems of the shared project's policies now, asked through `client` (the ML account's credentials). */
export async function projectPolicyProblems(client: RekognitionClient, projectArn: string, config: MlConfig, deployed: DeployedProjectPolicies = async () => []): Promise<string[]> {
  const live = await listProjectPolicies(client, projectArn);
  const problems = unexpectedProjectPolicies(live, config);
  // The ML stack's outputs are read only when the config's plan leaves a problem (no Pulumi call in the usual case).
  return problems.length === 0 ? problems : unexpectedProjectPolicies(live, config, ownProjectPolicies(config, await deployed()));
}

/** The copy policies the last deploy applied, read on demand. */
export type DeployedProjectPolicies = () => Promise<readonly PlannedProjectPolicy[]>;

/** The copy policies the ML stack's last update planned (none when the stack is not deployed or its outputs cannot be read). */
export async function deployedProjectPolicies(workspace: { outputs(stack: string): Promise<Record<string, unknown>> }, mlStack: string): Promise<PlannedProjectPolicy[]> {
  try {
    return plannedProjectPolicies(await workspace.outputs(mlStack));
  } catch {
    return [];
  }
}

/** What the check needs of the CLI's context. */
export interface ProjectPolicyCheckContext {
  readonly rekognition: (region: string) => RekognitionClient;
  readonly stderr: (text: string) => void;
  readonly progress: { waiting(what: string): void };
}

/**
 * Before `deploy` and `promote` change anything: lists the shared project's policies and, when one is not accepted,
 * says so on stderr and sets exit code 1. Returns whether the command must stop.
 */
export async function refusedForProjectPolicies(ctx: ProjectPolicyCheckContext, projectArn: string, config: MlConfig, refusal: string, deployed?: DeployedProjectPolicies): Promise<boolean> {
  ctx.progress.waiting(`the project policies of ${projectArn} (Rekognition ListProjectPolicies)`);
  const problems = await projectPolicyProblems(ctx.rekognition(config.region), projectArn, config, deployed);
  if (problems.length === 0) return false;
  ctx.stderr(`${refusal}:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exitCode = 1;
  return true;
}

/**
 * Applies the ML stack's planned project policies (output `projectPolicies`) to the ML project: PutProjectPolicy,
 * DeleteProjectPolicy, ListProjectPolicies (Rekognition API Reference). @pulumi/aws 7 has no resource for project
 * policies, and a dynamic provider would run with the engine's ambient credentials and a serialized closure that the
 * offline tests and the engine lane cannot exercise; so the ML stack plans them (typed, checked by the rules and the
 * matrix like every other document) and this module applies them with the pipeline's credentials, right after the
 * ML stack's update (`modelshare deploy`) and in promotion's grant and revoke. Only policies named by modelshare
 * (`<rolePrefix>-copy-<env>`) are touched; a project may hold policies of others.
 *
 * Updates are conditional: PutProjectPolicy and DeleteProjectPolicy take the PolicyRevisionId that was read, and
 * Rekognition refuses the call when the policy changed meanwhile (InvalidPolicyRevisionIdException), so a concurrent
 * edit is never overwritten silently.
 */

/** One environment's planned policy, as the ML stack exports it; `document: null` when nothing is granted. */
export interface PlannedProjectPolicy {
  readonly policyName: string;
  readonly document: PolicyJson | null;
}

export type ProjectPolicyChange =
  | { readonly action: "put"; readonly policyName: string; readonly document: string; readonly revisionId?: string }
  | { readonly action: "delete"; readonly policyName: string; readonly revisionId?: string }
  | { readonly action: "unchanged"; readonly policyName: string };

/** The planned policies of the ML stack's outputs (none from an ML stack deployed before copy mode). */
export function plannedProjectPolicies(outputs: Record<string, unknown>): PlannedProjectPolicy[] {
  const value = outputs[ML_COPY_OUTPUTS.projectPolicies];
  if (!value || typeof value !== "object") return [];
  return Object.values(value as Record<string, PlannedProjectPolicy>).filter((p) => p && typeof p.policyName === "string");
}

/** What to do for each planned policy, given what the project holds now. Pure. */
export function projectPolicyChanges(planned: readonly PlannedProjectPolicy[], current: readonly Pick<ProjectPolicy, "PolicyName" | "PolicyDocument" | "PolicyRevisionId">[]): ProjectPolicyChange[] {
  return planned.map((plan): ProjectPolicyChange => {
    const existing = current.find((p) => p.PolicyName === plan.policyName);
    const revision = existing?.PolicyRevisionId !== undefined ? { revisionId: existing.PolicyRevisionId } : {};
    if (plan.document === null) return existing ? { action: "delete", policyName: plan.policyName, ...revision } : { action: "unchanged", policyName: plan.policyName };
    const document = JSON.stringify(plan.document);
    if (existing?.PolicyDocument !== undefined && sameDocument(existing.PolicyDocument, plan.document)) return { action: "unchanged", policyName: plan.policyName };
    return { action: "put", policyName: plan.policyName, document, ...revision };
  });
}

function sameDocument(text: string, planned: PolicyJson): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === canonicalJson(planned);
  } catch {
    return false;
  }
}

/** Brings the project's modelshare policies to the plan; returns what was done, one line per policy. */
export async function applyProjectPolicies(client: RekognitionClient, projectArn: string, planned: readonly PlannedProjectPolicy[]): Promise<ProjectPolicyChange[]> {
  if (planned.length === 0) return [];
  const current = (await listProjectPolicies(client, projectArn)).map((p) => ({ PolicyName: p.name, PolicyDocument: JSON.stringify(p.document), ...(p.revisionId ? { PolicyRevisionId: p.revisionId } : {}) }));
  const changes = projectPolicyChanges(planned, current);
  for (const change of changes) {
    if (change.action === "put") {
      await client.send(new (rekognitionSdk().PutProjectPolicyCommand)({ ProjectArn: projectArn, PolicyName: change.policyName, PolicyDocument: change.document, ...(change.revisionId ? { PolicyRevisionId: change.revisionId } : {}) }));
    } else if (change.action === "delete") {
      await client.send(new (rekognitionSdk().DeleteProjectPolicyCommand)({ ProjectArn: projectArn, PolicyName: change.policyName, ...(change.revisionId ? { PolicyRevisionId: change.revisionId } : {}) }));
    }
  }
  return changes;
}
