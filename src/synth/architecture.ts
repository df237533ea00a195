import { AccessMatrix, summarizeByCategory, summarizeDenied } from "../matrix";
import type { CheckReport } from "../rules";
import type { StackLike } from "../matrix/topology";
import { accountLabels, guardrailReach, mermaidDiagram } from "./diagram";

export { shortType } from "./diagram";

/**
 * OUT/architecture.md: a Mermaid diagram of the accounts and what each stack creates in them, drawn from the
 * synthesized resources (components, their children, and the links their policies make), then the access matrix.
 * Pure: returns the Markdown text.
 */

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
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

/** Which accounts each guardrail SCP reaches, through which targets, and whom its Deny statements leave out. */
function guardrailSection(stacks: readonly StackLike[]): string[] {
  const labels = accountLabels(stacks.map((s) => s.config));
  const reach = guardrailReach(stacks);
  if (reach.length === 0) return [];
  return [
    "## Guardrails: which accounts each reaches",
    "",
    "An SCP attached to an OU or a root reaches the accounts in it; an OU the configuration names is assumed to hold the accounts the guardrail is meant for (the access matrix assumes the same). SCPs never restrict the management account.",
    "",
    ...table(
      ["guardrail", "attached to", "reaches", "left out by its Deny statements (aws:PrincipalArn)"],
      reach.map((g) => [g.name, g.targets.join(", "), g.accounts.map((a) => `${labels.get(a) ?? "account"} ${a}`).join(", "), g.exempt.join(", ") || "nobody"]),
      ["l", "l", "l", "l"],
    ),
    "",
  ];
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
      "Each box is an AWS account; each node is a component (with what it creates), a resource outside components, a role the configuration names (rounded) or a model project. " +
      "Solid arrows are what identity and trust policies allow, dotted ones what endpoint, bucket and organization policies do; thick arrows are the paths: " +
      "an application's call through its endpoints to its shared role and the model, and training data from the data lake to the role that trains the model.",
    "",
    "```mermaid",
    mermaidDiagram(stacks),
    "```",
    "",
    ...guardrailSection(stacks),
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
