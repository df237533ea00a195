import Table from "cli-table3";

/**
 * What a preview says an update would do, per resource, and how it is shown before anyone is asked to apply it.
 * Pure: the Automation API adapter (./pulumiWorkspace) turns the engine's events into ResourceChange lists; the
 * fakes build them directly.
 */

/** The four kinds of change a reviewer decides on (Pulumi's finer step kinds fold into these). */
export type ChangeKind = "create" | "update" | "replace" | "delete";

export interface ResourceChange {
  readonly kind: ChangeKind;
  readonly urn: string;
  /** Resource type token, e.g. `aws:iam/role:Role`. */
  readonly type: string;
  /** Logical name (the URN's last part). */
  readonly name: string;
  /** Properties that changed (or forced the replacement), when the engine says. */
  readonly properties?: readonly string[];
}

/** The engine's step metadata, as much of it as a change needs (StepEventMetadata in @pulumi/pulumi/automation). */
export interface StepMetadata {
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  readonly keys?: readonly string[];
  readonly diffs?: readonly string[];
}

const KIND_OF_OP: Readonly<Record<string, ChangeKind>> = {
  create: "create",
  import: "create",
  update: "update",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  "import-replacement": "replace",
  delete: "delete",
};

/** The name part of a URN (`urn:pulumi:stack::project::type$childType::name`). */
export function nameOfUrn(urn: string): string {
  const parts = urn.split("::");
  return parts[parts.length - 1] ?? urn;
}

/**
 * One change per resource from a preview's step events: a replacement (reported by the engine as up to three steps,
 * create-replacement, replace and delete-replaced) counts once; steps that change nothing (same, read, refresh) are
 * left out. Order: as the engine reported them.
 */
export function changesFromSteps(steps: readonly StepMetadata[]): ResourceChange[] {
  const byUrn = new Map<string, ResourceChange>();
  for (const step of steps) {
    const kind = KIND_OF_OP[step.op];
    if (kind === undefined) continue;
    const known = byUrn.get(step.urn);
    if (known && (known.kind === "replace" || kind !== "replace")) continue;
    const properties = [...new Set([...(step.keys ?? []), ...(step.diffs ?? [])])];
    byUrn.set(step.urn, { kind, urn: step.urn, type: step.type, name: nameOfUrn(step.urn), ...(properties.length > 0 ? { properties } : {}) });
  }
  return [...byUrn.values()];
}

/**
 * Resources whose replacement or deletion is an outage or a loss, with why. A role or endpoint with an explicit name
 * is deleted before its replacement is created; consumers' calls fail in between (and a new role has a new unique id).
 */
const CRITICAL: ReadonlyArray<{ readonly type: string; readonly within?: string; readonly why: string }> = [
  { type: "aws:iam/role:Role", within: "modelshare:index:SharedModelRole", why: "a shared role: every application of the environment is refused until it exists again" },
  { type: "aws:iam/role:Role", within: "modelshare:index:ApplicationAccess", why: "the application role: running tasks lose their credentials" },
  { type: "aws:ec2/vpcEndpoint:VpcEndpoint", why: "a VPC endpoint: calls from the VPC fail (or leave it) until the new one is available" },
  { type: "aws:rekognition/project:Project", why: "the Rekognition project: deleting it deletes every trained version" },
  { type: "aws:dynamodb/table:Table", within: "modelshare:index:PromotionLease", why: "the promotion lease table: a promotion in progress loses its lease" },
];

/** Why this change needs a second look, or undefined when it is routine. */
export function criticalReason(change: ResourceChange): string | undefined {
  if (change.kind !== "replace" && change.kind !== "delete") return undefined;
  const rule = CRITICAL.find((r) => r.type === change.type && (r.within === undefined || change.urn.includes(`${r.within}$`)));
  return rule?.why;
}

export interface StackPlan {
  readonly stack: string;
  readonly changes: readonly ResourceChange[];
  /** Said under the stack's table, e.g. what the preview cannot show yet. */
  readonly note?: string;
}

/** Counts per kind, e.g. `{ create: 1, update: 2, replace: 0, delete: 0 }`. */
export function countChanges(changes: readonly ResourceChange[]): Record<ChangeKind, number> {
  const counts: Record<ChangeKind, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const change of changes) counts[change.kind]++;
  return counts;
}

export function hasChanges(plans: readonly StackPlan[]): boolean {
  return plans.some((p) => p.changes.length > 0);
}

/** Every critical change of the plan, as `stack: name (type): why`. */
export function criticalChanges(plans: readonly StackPlan[]): string[] {
  return plans.flatMap((plan) =>
    plan.changes.flatMap((change) => {
      const why = criticalReason(change);
      return why === undefined ? [] : [`${plan.stack}: ${change.kind.toUpperCase()} ${change.name} (${change.type}): ${why}`];
    }),
  );
}

const PLAIN_TABLE = {
  chars: { top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "", left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "  " },
  style: { head: [] as string[], border: [] as string[], "padding-left": 0, "padding-right": 0 },
};

/** A borderless table (cli-table3), aligned for a terminal and still readable in a CI log. */
export function plainTable(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ("left" | "right")[] = []): string {
  const table = new Table({ head: [...head], ...PLAIN_TABLE, colAligns: head.map((_, i) => align[i] ?? "left") });
  table.push(...rows.map((r) => [...r]));
  return table
    .toString()
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}

/**
 * The plan as a reviewer reads it: per stack, the count of each kind and one row per changed resource; replacements
 * and deletions of shared roles, endpoints, the project or the lease table marked `!!` and listed again at the end.
 */
export function formatPlan(plans: readonly StackPlan[]): string {
  const sections = plans.map((plan) => {
    const counts = countChanges(plan.changes);
    const head = `${plan.stack}: ${plan.changes.length === 0 ? "no changes" : (Object.keys(counts) as ChangeKind[]).filter((k) => counts[k] > 0).map((k) => `${counts[k]} to ${k}`).join(", ")}`;
    const rows = plan.changes.map((c) => [criticalReason(c) ? `!! ${c.kind}` : `   ${c.kind}`, c.type, c.name, (c.properties ?? []).join(", ")]);
    const lines = [head];
    if (rows.length > 0) lines.push(plainTable(["   change", "type", "name", "properties"], rows).replace(/^/gm, "  "));
    if (plan.note) lines.push(`  (${plan.note})`);
    return lines.join("\n");
  });
  const critical = criticalChanges(plans);
  if (critical.length > 0) sections.push(["!! replacements or deletions that interrupt consumers or lose data:", ...critical.map((c) => `  - ${c}`)].join("\n"));
  return sections.join("\n\n");
}
