import { AccessMatrix, CategorySummary, MatrixRow, summarizeByCategory } from "../matrix";
import type { CheckReport } from "../rules";
import { SECRET_PLACEHOLDER } from "../config/raw";
import type { WaivedFinding, WaiverOutcome } from "../rules/waivers";
import type { SynthesizedResource, SynthesizedStack } from "./run";

/**
 * The JSON documents `modelshare synth` writes, built as plain values (the CLI only writes them). Shapes are the
 * contract of issue 3: OUT/<stack>.json and OUT/access-matrix.json.
 */

export interface StackDocument {
  readonly stack: string;
  readonly resources: readonly SynthesizedResource[];
  readonly outputs: Record<string, unknown>;
  /**
   * Where secrets are: the config keys held as secrets, and every resource input (`type::name.input`) and output
   * that carries one. Synth cannot decrypt them, so each shows the placeholder, never a value.
   */
  readonly secrets?: { readonly configKeys: readonly string[]; readonly resourceInputs: readonly string[]; readonly outputs: readonly string[] };
}

/** The SDK's marker of a secret value (runtime/rpc specialSigKey and specialSecretSig), as the mocks receive it. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretValue(value: unknown): value is { value: unknown } {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** A value with its Pulumi secret markers removed, and whether it held a secret (a marker or the placeholder). */
function unwrapSecrets(value: unknown): { value: unknown; secret: boolean } {
  if (isSecretValue(value)) return { value: unwrapSecrets(value.value).value, secret: true };
  if (typeof value === "string") return { value, secret: value.includes(SECRET_PLACEHOLDER) };
  if (Array.isArray(value)) {
    const items = value.map(unwrapSecrets);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)] as const);
    return { value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])), secret: entries.some(([, v]) => v.secret) };
  }
  return { value, secret: false };
}

/**
 * OUT/<stack>.json. Resources are sorted by name, then type, so a diff between two runs shows only real changes
 * (registration order depends on when Outputs resolve).
 */
export function stackDocument(stack: Pick<SynthesizedStack, "stack" | "resources" | "outputs"> & { readonly secretConfigKeys?: readonly string[] }): StackDocument {
  const secretInputs: string[] = [];
  const resources = [...stack.resources]
    .sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type))
    .map((r) => {
      const inputs = Object.fromEntries(
        Object.entries(r.inputs).map(([name, value]) => {
          const unwrapped = unwrapSecrets(value);
          if (unwrapped.secret) secretInputs.push(`${r.type}::${r.name}.${name}`);
          return [name, unwrapped.value];
        }),
      );
      return { type: r.type, name: r.name, parent: r.parent, provider: r.provider, account: r.account, region: r.region, inputs };
    });
  const secretOutputs = Object.entries(stack.outputs).filter(([, value]) => unwrapSecrets(value).secret).map(([name]) => name);
  const configKeys = [...(stack.secretConfigKeys ?? [])].sort();
  const marked = configKeys.length + secretInputs.length + secretOutputs.length > 0;
  return { stack: stack.stack, resources, outputs: stack.outputs, ...(marked ? { secrets: { configKeys, resourceInputs: secretInputs, outputs: secretOutputs } } : {}) };
}

export interface MatrixDocument {
  readonly rows: readonly MatrixRow[];
  readonly mismatches: number;
  readonly assumptions: readonly string[];
  readonly notes: readonly string[];
}

/** What the matrix assumes about what it cannot see offline; printed with it so nobody reads more into it. */
export const MATRIX_ASSUMPTIONS: readonly string[] = [
  "Every organization level carries FullAWSAccess and, besides modelshare's guardrails, no other SCP or RCP (existing ones are not visible offline).",
  "An OU the config names as a guardrail target is assumed to contain the accounts that guardrail is meant for.",
  "Application principals hold only the policies modelshare attaches; 'administrator' principals hold AdministratorAccess, so only trust policies and SCPs stop them.",
  "Context keys are set as AWS populates them (docs/synth.md lists each key and when it is present): aws:SourceVpce and aws:SourceVpc only through an endpoint, aws:VpceAccount and aws:SourceVpcArn only there and only for services that set them (Rekognition, not STS), aws:SourceIp only outside one.",
  "Endpoint policies live in the consumer account, whose administrators can change them: abuse and cross-environment rows are also tried through the consumer's endpoint with its policy opened, so the ML account's policies must hold on their own.",
  "Pairs of environments: each application is asked about two neighbouring environments and every environment its policies could reach or whose trust names it (docs/synth.md, 'Why a linear matrix is still a proof').",
  "The pipeline role holds src/policies/pipeline.ts's promotion policy.",
];

export function matrixDocument(matrix: AccessMatrix): MatrixDocument {
  return { rows: matrix.rows, mismatches: matrix.mismatches, assumptions: MATRIX_ASSUMPTIONS, notes: matrix.notes };
}

export interface SynthSummary {
  readonly ok: boolean;
  readonly configDir: string;
  readonly outDir: string;
  readonly stacks: readonly { readonly stack: string; readonly resources: number; readonly file: string }[];
  readonly checks: {
    readonly rules: number;
    readonly passed: number;
    readonly failed: number;
    readonly failures: CheckReport["findings"];
    /** Findings of advisory policies (policy pack config): shown, not failing. */
    readonly warnings: CheckReport["findings"];
    /** Findings a waiver accepted, each with its waiver's key and reason. */
    readonly waived: readonly WaivedFinding[];
    /** Every waiver of every stack: applied, unused, expired. */
    readonly waivers: readonly WaiverOutcome[];
    /** OUT/checks.json. */
    readonly file: string;
  };
  readonly matrix: {
    readonly rows: number;
    readonly mismatches: number;
    /** Rows per red-team category: allowed, denied, mismatches. */
    readonly categories: readonly CategorySummary[];
    readonly mismatchedRows: readonly MatrixRow[];
    readonly notes: readonly string[];
    readonly file: string;
    /** The same rows as CSV (RFC 4180, header row). */
    readonly csvFile: string;
  };
  /** OUT/policies/<stack>/<name>.json: every policy document, pretty-printed. */
  readonly policies: { readonly dir: string; readonly files: number };
  readonly architecture: string;
  /** OUT/data-lake-statements.json, when an ML stack grants a data lake. */
  readonly dataLakeStatements?: string;
  /** What synth could not see (ESC environments, secrets), as printed on stderr. */
  readonly warnings?: readonly string[];
  readonly seconds: number;
}

/**
 * OUT/data-lake-statements.json: the data-lake grant of the (first) ML stack that has one, from its `dataLake`
 * output, for the data-lake owner and `modelshare data-lake check`. Undefined when no ML stack grants a data lake.
 */
export function dataLakeStatementsDocument(stacks: readonly Pick<SynthesizedStack, "stack" | "config" | "outputs">[]): Record<string, unknown> | undefined {
  const ml = stacks.find((s) => s.config.stackKind === "ml" && s.outputs.dataLake !== undefined);
  if (ml === undefined) return undefined;
  return { stack: ml.stack, ...(ml.outputs.dataLake as Record<string, unknown>) };
}

/**
 * OUT/checks.json: every rule with its enforcement levels and counts, every failure, warning and waived finding, and
 * every waiver with its reason and status, for review and for CI to archive.
 */
export function checksDocument(checks: CheckReport, policyPackConfig: string | null): Record<string, unknown> {
  return {
    policyPackConfig,
    rules: checks.rules,
    failures: checks.findings,
    warnings: checks.warnings ?? [],
    waived: checks.waived ?? [],
    waivers: checks.waivers ?? [],
  };
}

export function synthSummary(input: {
  configDir: string;
  outDir: string;
  stacks: readonly { stack: string; resources: number; file: string }[];
  checks: CheckReport;
  checksFile: string;
  matrix: AccessMatrix;
  matrixFile: string;
  matrixCsvFile: string;
  policies: { dir: string; files: number };
  architectureFile: string;
  dataLakeStatementsFile?: string;
  warnings?: readonly string[];
  seconds: number;
}): SynthSummary {
  return {
    // A waiver accepts rule findings only: a matrix mismatch always fails, whatever the waivers say.
    ok: input.checks.findings.length === 0 && input.matrix.mismatches === 0,
    configDir: input.configDir,
    outDir: input.outDir,
    stacks: input.stacks,
    checks: {
      rules: input.checks.rules.length,
      passed: input.checks.passed,
      failed: input.checks.failed,
      failures: input.checks.findings,
      warnings: input.checks.warnings ?? [],
      waived: input.checks.waived ?? [],
      waivers: input.checks.waivers ?? [],
      file: input.checksFile,
    },
    matrix: {
      rows: input.matrix.rows.length,
      mismatches: input.matrix.mismatches,
      categories: summarizeByCategory(input.matrix.rows),
      mismatchedRows: input.matrix.rows.filter((r) => r.mismatch),
      notes: input.matrix.notes,
      file: input.matrixFile,
      csvFile: input.matrixCsvFile,
    },
    policies: input.policies,
    architecture: input.architectureFile,
    ...(input.dataLakeStatementsFile !== undefined ? { dataLakeStatements: input.dataLakeStatementsFile } : {}),
    ...(input.warnings !== undefined && input.warnings.length > 0 ? { warnings: input.warnings } : {}),
    seconds: input.seconds,
  };
}

/** The per-category table of the terminal summary. */
export function formatCategories(categories: readonly CategorySummary[]): string[] {
  const width = Math.max(8, ...categories.map((c) => c.category.length));
  const header = `  ${"category".padEnd(width)}  ${"rows".padStart(6)}  ${"allowed".padStart(7)}  ${"denied".padStart(6)}  mismatches`;
  return [header, ...categories.map((c) => `  ${c.category.padEnd(width)}  ${String(c.rows).padStart(6)}  ${String(c.allowed).padStart(7)}  ${String(c.denied).padStart(6)}  ${String(c.mismatches).padStart(10)}`)];
}

/** The summary for people: counts first, then every failure with its rule id and resource. */
export function formatSummary(summary: SynthSummary): string {
  const lines: string[] = [];
  lines.push(`modelshare synth: ${summary.stacks.length} stack${summary.stacks.length === 1 ? "" : "s"} from ${summary.configDir} -> ${summary.outDir} (${summary.seconds.toFixed(1)} s)`);
  const width = Math.max(...summary.stacks.map((s) => s.stack.length), 5);
  for (const s of summary.stacks) lines.push(`  ${s.stack.padEnd(width)}  ${String(s.resources).padStart(4)} resources  ${s.file}`);
  const c = summary.checks;
  const extra = [c.failures.length > 0 ? `${c.failures.length} findings` : "", c.warnings.length > 0 ? `${c.warnings.length} warnings` : "", c.waived.length > 0 ? `${c.waived.length} waived` : ""].filter((x) => x);
  lines.push(`checks: ${c.rules} rules, ${c.passed} passed, ${c.failed} failed${extra.length > 0 ? ` (${extra.join(", ")})` : ""} (${c.file})`);
  for (const f of c.failures) lines.push(`  FAIL [${f.ruleId}] ${f.resource}: ${f.detail}`);
  for (const f of c.warnings) lines.push(`  WARN [${f.ruleId}] ${f.resource}: ${f.detail}`);
  for (const f of c.waived) lines.push(`  WAIVED [${f.ruleId}] ${f.resource}: ${f.detail} (${f.waiver.source} ${f.waiver.key}: ${f.waiver.reason})`);
  if (c.waivers.length > 0) {
    lines.push(`waivers: ${c.waivers.length} (${(["applied", "unused", "expired"] as const).map((s) => `${c.waivers.filter((w) => w.status === s).length} ${s}`).join(", ")})`);
    for (const w of c.waivers) {
      lines.push(`  ${w.status.toUpperCase().padEnd(7)} ${w.source} ${w.key}: ${w.rule} on ${w.resource}${w.expires ? ` until ${w.expires}` : ""}, ${w.findings} finding${w.findings === 1 ? "" : "s"}: ${w.reason}`);
    }
  }
  const m = summary.matrix;
  lines.push(`access matrix: ${m.rows} rows, ${m.mismatches} mismatch${m.mismatches === 1 ? "" : "es"} (${m.file}, ${m.csvFile})`);
  lines.push(...formatCategories(m.categories));
  for (const r of m.mismatchedRows) {
    lines.push(`  MISMATCH [${r.category}] ${r.scenario}: ${r.principal} ${r.action} ${r.resource}: expected ${r.expected}, got ${r.decision} (${r.reason})`);
  }
  for (const note of m.notes) lines.push(`  note: ${note}`);
  lines.push(`policy documents: ${summary.policies.files} in ${summary.policies.dir}/<stack>/`);
  lines.push(`architecture: ${summary.architecture}`);
  if (summary.dataLakeStatements !== undefined) lines.push(`data-lake grant for the bucket owner: ${summary.dataLakeStatements}`);
  lines.push(summary.ok ? "result: every check passed" : "result: FAILED");
  return lines.join("\n");
}
