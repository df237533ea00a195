import { isAccountId, parseProjectVersionArn } from "../arn";
import type { MlConfig, StackConfig } from "../config/schema";
import { AccessMatrix, summarizeByCategory, summarizeDenied } from "../matrix";
import type { CheckReport } from "../rules";
import type { StackLike } from "../matrix/topology";
import { conditionValues, documentsOf, listOf, statementsOf, TYPES } from "../rules/documents";
import type { SynthesizedResource } from "./run";

/**
 * OUT/architecture.md: a Mermaid diagram of the accounts and what each stack creates in them, drawn from the
 * synthesized resources (components, their children, and the links their policies make), then the access matrix.
 * Pure: returns the Markdown text.
 */

/** `aws:iam/role:Role` -> `Role`; `modelshare:index:SharedModelRole` -> `SharedModelRole`. */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

function escapeLabel(text: string): string {
  return text.replace(/"/g, "#quot;").replace(/[<>]/g, (c) => (c === "<" ? "#lt;" : "#gt;"));
}

function drawLabel(lines: readonly string[]): string {
  return lines.map(escapeLabel).join("<br/>");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** What each account is, in the config's words. */
function accountLabels(configs: readonly StackConfig[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const config of configs) {
    if (config.stackKind !== "ml") continue;
    const ml = config as MlConfig;
    labels.set(ml.mlAccountId, "ML account");
    for (const [environment, consumer] of Object.entries(ml.consumers)) labels.set(consumer.accountId, `${environment} account`);
    const management = ml.guardrail.managementRoleArn?.split(":")[4];
    if (management) labels.set(management, "organization management account");
    const dataLake = ml.dataLake.accountId ?? ml.dataLake.roleArn?.split(":")[4];
    if (ml.dataLake.enabled && dataLake && dataLake !== ml.mlAccountId) labels.set(dataLake, "data-lake account");
  }
  for (const config of configs) {
    if (config.stackKind === "consumer" && !labels.has(config.accountId)) labels.set(config.accountId, `${config.environment} account`);
  }
  return labels;
}

interface DiagramNode {
  readonly id: string;
  readonly account: string;
  /** Lines of the node's label (escaped and joined with <br/> when drawn). */
  readonly label: readonly string[];
  /** The resources this node stands for (a component and its children, or one resource). */
  readonly resources: readonly SynthesizedResource[];
}

function summarizeChildren(children: readonly SynthesizedResource[]): string {
  const counts = new Map<string, number>();
  for (const child of children) counts.set(shortType(child.type), (counts.get(shortType(child.type)) ?? 0) + 1);
  return [...counts].map(([type, count]) => (count === 1 ? type : `${count} × ${type}`)).join(", ");
}

function keyFacts(resources: readonly SynthesizedResource[]): string[] {
  const facts: string[] = [];
  for (const r of resources) {
    if (r.type === TYPES.role && typeof r.inputs.name === "string") facts.push(`role ${String(r.inputs.path ?? "/")}${r.inputs.name}`);
    if (r.type === TYPES.organizationsPolicy && typeof r.inputs.name === "string") facts.push(`SCP ${r.inputs.name}`);
    if (r.type === TYPES.vpcEndpoint && typeof r.inputs.serviceName === "string") facts.push(`endpoint ${r.inputs.serviceName.split(".").pop()}`);
    if (r.type === TYPES.bucketPolicy && typeof r.inputs.bucket === "string") facts.push(`bucket ${r.inputs.bucket}`);
  }
  return facts;
}

/**
 * In statements mode nothing of the ML stack lives in the data-lake account: the grant its owner adds is drawn there
 * as a node of its own, from the ML stack's `dataLake` output (as a bucket policy resource would carry it).
 */
function dataLakeGrantNodes(stacks: readonly StackLike[], first: number): DiagramNode[] {
  return stacks.flatMap((stack, i) => {
    const grant = stack.outputs.dataLake as { mode?: string; bucketName?: string; bucketAccountId?: string; statements?: unknown[] } | undefined;
    if (stack.config.stackKind !== "ml" || grant?.mode !== "statements" || !grant.bucketName || !grant.bucketAccountId) return [];
    const resource: SynthesizedResource = {
      type: TYPES.bucketPolicy,
      name: "data-lake-grant",
      parent: null,
      provider: "(none: added by the bucket owner)",
      account: grant.bucketAccountId,
      region: null,
      inputs: { bucket: grant.bucketName, policy: JSON.stringify({ Version: "2012-10-17", Statement: grant.statements ?? [] }) },
    };
    return [{ id: `n${first + i + 1}`, account: grant.bucketAccountId, label: [`bucket ${grant.bucketName} [${stack.stack}]`, "grant the bucket owner adds (dataLake.mode statements)"], resources: [resource] }];
  });
}

/** Components become one node each (with their children); AWS resources outside components become their own. */
function nodesOf(stacks: readonly StackLike[]): DiagramNode[] {
  const nodes: DiagramNode[] = [];
  for (const stack of stacks) {
    const childrenOf = new Map<string, SynthesizedResource[]>();
    for (const r of stack.resources) if (r.parent) childrenOf.set(r.parent, [...(childrenOf.get(r.parent) ?? []), r]);
    for (const r of stack.resources) {
      const isComponent = !r.type.startsWith("aws:") && !r.type.startsWith("pulumi:");
      if (isComponent) {
        const children = childrenOf.get(`${r.type}::${r.name}`) ?? [];
        const account = children.find((c) => c.account)?.account;
        if (!account) continue;
        const details = [...keyFacts(children), summarizeChildren(children)].filter((d) => d.length > 0);
        nodes.push({ id: `n${nodes.length + 1}`, account, label: [`${shortType(r.type)} ${r.name} [${stack.stack}]`, ...details], resources: children });
      } else if (r.type.startsWith("aws:") && !r.parent && r.account) {
        nodes.push({ id: `n${nodes.length + 1}`, account: r.account, label: [`${shortType(r.type)} ${r.name} [${stack.stack}]`, ...keyFacts([r])], resources: [r] });
      }
    }
  }
  return [...nodes, ...dataLakeGrantNodes(stacks, nodes.length)];
}

function allowedResources(resource: SynthesizedResource, action: string): string[] {
  return documentsOf(resource).flatMap((d) =>
    statementsOf(d.document ?? {})
      .filter((s) => s.Effect === "Allow" && listOf(s.Action).some((a) => a.toLowerCase() === action.toLowerCase()))
      .flatMap((s) => [...listOf(s.Resource)]),
  );
}

function roleArnOf(resource: SynthesizedResource, partition: string): string | undefined {
  if (resource.type !== TYPES.role || typeof resource.inputs.name !== "string" || !resource.account) return undefined;
  return `arn:${partition}:iam::${resource.account}:role${String(resource.inputs.path ?? "/")}${resource.inputs.name}`;
}

function mermaidDiagram(stacks: readonly StackLike[]): string {
  const configs = stacks.map((s) => s.config);
  const labels = accountLabels(configs);
  const partition = configs[0]?.partition ?? "aws";
  const nodes = nodesOf(stacks);
  const lines = ["flowchart LR"];
  const edges: string[] = [];

  // Model projects are not resources of the stacks (versions are trained by Rekognition): one node per project.
  const projectNodes = new Map<string, { id: string; account: string; label: readonly string[] }>();
  const projectNode = (versionArn: string) => {
    const version = parseProjectVersionArn(versionArn);
    if (typeof version === "string") return undefined;
    const key = `${version.accountId}/${version.projectName}`;
    if (!projectNodes.has(key)) projectNodes.set(key, { id: `p${projectNodes.size + 1}`, account: version.accountId, label: [`Rekognition project ${version.projectName}`, "(model versions)"] });
    return projectNodes.get(key)!;
  };

  const nodeByRoleArn = new Map<string, DiagramNode>();
  for (const node of nodes) for (const r of node.resources) {
    const arn = roleArnOf(r, partition);
    if (arn) nodeByRoleArn.set(arn, node);
  }

  const targets = new Map<string, string>();
  for (const node of nodes) {
    const assumed = new Set(node.resources.filter((r) => r.type === TYPES.rolePolicy).flatMap((r) => allowedResources(r, "sts:AssumeRole")));
    for (const arn of assumed) {
      const target = nodeByRoleArn.get(arn);
      if (target && target !== node) edges.push(`  ${node.id} -->|"sts:AssumeRole"| ${target.id}`);
    }
    for (const kind of [TYPES.rolePolicy, TYPES.vpcEndpoint]) {
      const versions = new Set(node.resources.filter((r) => r.type === kind).flatMap((r) => allowedResources(r, "rekognition:DetectCustomLabels")));
      const byProject = new Map<string, { id: string; count: number }>();
      for (const arn of versions) {
        const project = projectNode(arn);
        if (project) byProject.set(project.id, { id: project.id, count: (byProject.get(project.id)?.count ?? 0) + 1 });
      }
      for (const { id, count } of byProject.values()) {
        const how = kind === TYPES.vpcEndpoint ? "endpoint admits DetectCustomLabels" : "DetectCustomLabels";
        edges.push(`  ${node.id} ${kind === TYPES.vpcEndpoint ? "-.->" : "-->"}|"${how} (${count} version${count === 1 ? "" : "s"})"| ${id}`);
      }
    }
    for (const attachment of node.resources.filter((r) => r.type === TYPES.policyAttachment)) {
      const target = String(attachment.inputs.targetId);
      if (!isAccountId(target) && !targets.has(target)) targets.set(target, `t${targets.size + 1}`);
      edges.push(`  ${node.id} -.->|"SCP attached"| ${isAccountId(target) ? `acct_${target}` : targets.get(target)}`);
    }
    for (const bucket of node.resources.filter((r) => r.type === TYPES.bucketPolicy)) {
      for (const d of documentsOf(bucket)) for (const s of statementsOf(d.document ?? {})) {
        if (s.Effect !== "Allow") continue;
        const source = conditionValues(s, "StringEquals", "aws:SourceAccount")?.[0];
        const principal = conditionValues(s, "ArnEquals", "aws:PrincipalArn")?.[0];
        const label = principal ? `${principal.slice(principal.lastIndexOf("/") + 1)} ${listOf(s.Action).join(", ")}` : source ? `rekognition.amazonaws.com reads for ${source}` : undefined;
        const account = principal?.split(":")[4] ?? source;
        if (label && account && !edges.some((e) => e.includes(`${node.id} -.->|"${label}"|`))) edges.push(`  ${node.id} -.->|"${label}"| acct_${account}`);
      }
    }
  }

  const accounts = new Set<string>([...nodes.map((n) => n.account), ...[...projectNodes.values()].map((p) => p.account)]);
  // Every account an SCP is attached to gets a box, even when no stack creates anything in it.
  for (const edge of edges) {
    const match = / acct_(\d{12})$/.exec(edge);
    if (match) accounts.add(match[1]);
  }
  for (const account of [...accounts].sort()) {
    lines.push(`  subgraph acct_${account}["${escapeLabel(`${labels.get(account) ?? "account"} ${account}`)}"]`);
    for (const node of nodes.filter((n) => n.account === account)) lines.push(`    ${node.id}["${drawLabel(node.label)}"]`);
    for (const project of [...projectNodes.values()].filter((p) => p.account === account)) lines.push(`    ${project.id}[("${drawLabel(project.label)}")]`);
    lines.push("  end");
  }
  if (targets.size > 0) {
    lines.push(`  subgraph organization["organization targets (OUs, roots)"]`);
    for (const [target, id] of targets) lines.push(`    ${id}["${escapeLabel(target)}"]`);
    lines.push("  end");
  }
  return [...lines, ...edges].join("\n");
}

function table(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ("l" | "r")[]): string[] {
  return [`| ${header.join(" | ")} |`, `|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`, ...rows.map((cells) => `| ${cells.map(escapeCell).join(" | ")} |`)];
}

/**
 * The matrix for people, at any size: rows per category, then who is allowed to do what (every allowed row), the
 * denied rows summarised per category and kind, and every mismatch in full. access-matrix.json has every row.
 */
function matrixSections(matrix: AccessMatrix): string[] {
  const categories = summarizeByCategory(matrix.rows);
  const allowed = matrix.rows.filter((r) => r.decision === "Allowed");
  const mismatched = matrix.rows.filter((r) => r.mismatch);
  const lines: string[] = [
    ...table(["category", "rows", "allowed", "denied", "mismatches"], categories.map((c) => [c.category, String(c.rows), String(c.allowed), String(c.denied), String(c.mismatches)]), ["l", "r", "r", "r", "r"]),
    "",
    "### Who is allowed to do what",
    "",
    `Every allowed request (${allowed.length}); ✗ marks one the configuration does not intend.`,
    "",
    ...table(
      ["", "category", "scenario", "principal", "action", "resource", "reason"],
      allowed.map((r) => [r.mismatch ? "✗" : "✓", r.category, r.scenario, r.principal, r.action, r.resource, r.reason]),
      ["l", "l", "l", "l", "l", "l", "l"],
    ),
    "",
    "### Denied, by category",
    "",
    ...table(
      ["category", "kind", "rows", "explicitly", "implicitly", "for example"],
      summarizeDenied(matrix.rows).map((d) => [d.category, d.kind, String(d.rows), String(d.explicitly), String(d.implicitly), d.example]),
      ["l", "l", "r", "r", "r", "l"],
    ),
  ];
  if (mismatched.length > 0) {
    lines.push(
      "",
      "### Mismatches",
      "",
      ...table(
        ["category", "scenario", "principal", "action", "resource", "expected", "decision", "reason"],
        mismatched.map((r) => [r.category, r.scenario, r.principal, r.action, r.resource, r.expected, r.decision, r.reason]),
        ["l", "l", "l", "l", "l", "l", "l", "l"],
      ),
    );
  }
  return lines;
}

/** The rule checks for people: failures and warnings, and every waiver with its reason and what it accepted. */
function checkSections(checks: CheckReport): string[] {
  const waivers = checks.waivers ?? [];
  const findings = [
    ...checks.findings.map((f) => ["fails", f.ruleId, f.resource, f.detail, ""]),
    ...(checks.warnings ?? []).map((f) => ["warns", f.ruleId, f.resource, f.detail, ""]),
    ...(checks.waived ?? []).map((f) => ["waived", f.ruleId, f.resource, f.detail, `${f.waiver.source} ${f.waiver.key}: ${f.waiver.reason}`]),
  ];
  const lines = [
    "## Checks and waivers",
    "",
    `${checks.rules.length} rules: ${checks.passed} passed, ${checks.failed} failed; ${(checks.waived ?? []).length} findings waived. ` +
      "A waiver (modelshare:waivers in a stack's file) accepts one rule's findings on one resource; it never applies to the access matrix below.",
    "",
  ];
  if (findings.length > 0) lines.push(...table(["", "rule", "resource", "finding", "waiver"], findings, ["l", "l", "l", "l", "l"]), "");
  lines.push(`### Waivers (${waivers.length})`, "");
  if (waivers.length === 0) lines.push("None.");
  else {
    lines.push(
      ...table(
        ["stack", "waiver", "rule", "resource", "reason", "expires", "status", "findings"],
        waivers.map((w) => [w.stack, `${w.source} ${w.key}`, w.rule, w.resource, w.reason, w.expires ?? "never", w.status, String(w.findings)]),
        ["l", "l", "l", "l", "l", "l", "l", "r"],
      ),
    );
  }
  return [...lines, ""];
}

export function architectureMarkdown(stacks: readonly StackLike[], matrix: AccessMatrix, checks?: CheckReport): string {
  const resources = stacks.reduce((n, s) => n + s.resources.length, 0);
  return [
    "# modelshare: what would be deployed",
    "",
    `Generated by \`modelshare synth\` from ${stacks.length} stack${stacks.length === 1 ? "" : "s"} (${stacks.map((s) => s.stack).join(", ")}; ${resources} resources), offline, under Pulumi's mock runtime. ` +
      "Each box is an AWS account; each node is a component (with what it creates) or a resource outside components. " +
      "Solid arrows are what identity policies allow, dotted ones what endpoint, bucket and organization policies do.",
    "",
    "```mermaid",
    mermaidDiagram(stacks),
    "```",
    "",
    ...(checks ? checkSections(checks) : []),
    "## Access matrix",
    "",
    `Evaluated with @cloud-copilot/iam-simulate on the synthesized identity, trust, SCP and VPC endpoint policies: a red-team matrix, ` +
      `${matrix.rows.length} requests in ${summarizeByCategory(matrix.rows).length} categories, ${matrix.mismatches} mismatch${matrix.mismatches === 1 ? "" : "es"} with the configuration's intent.`,
    "",
    ...matrixSections(matrix),
    ...(matrix.notes.length > 0 ? ["", "Notes:", ...matrix.notes.map((n) => `- ${n}`)] : []),
    "",
  ].join("\n");
}
