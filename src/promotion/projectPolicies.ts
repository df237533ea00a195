import type { RekognitionClient } from "@aws-sdk/client-rekognition";
import type { MlConfig } from "../config/schema";
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

/** Each live project policy the config does not accept, in words (empty: nothing unexpected). */
export function unexpectedProjectPolicies(live: readonly LiveProjectPolicy[], config: MlConfig): string[] {
  const accepted = new Map(config.model.existingProjectPolicies.map((p) => [p.name, canonicalJson(p.document)]));
  return live.flatMap((policy) => {
    const listed = accepted.get(policy.name);
    const revision = policy.revisionId ? ` (revision ${policy.revisionId})` : "";
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
export async function projectPolicyProblems(client: RekognitionClient, projectArn: string, config: MlConfig): Promise<string[]> {
  return unexpectedProjectPolicies(await listProjectPolicies(client, projectArn), config);
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
export async function refusedForProjectPolicies(ctx: ProjectPolicyCheckContext, projectArn: string, config: MlConfig, refusal: string): Promise<boolean> {
  ctx.progress.waiting(`the project policies of ${projectArn} (Rekognition ListProjectPolicies)`);
  const problems = await projectPolicyProblems(ctx.rekognition(config.region), projectArn, config);
  if (problems.length === 0) return false;
  ctx.stderr(`${refusal}:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exitCode = 1;
  return true;
}
