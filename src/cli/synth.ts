import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { ConfigError } from "../config/problems";
import { BudgetError } from "../errors";
import { buildAccessMatrix, loadSimulator, Simulator, SimulatorUnavailableError } from "../matrix";
import { checkSynthesized, RULES, withCheck } from "../rules";
import { ARCHIVE_RULES_WITHIN_MATRIX, archiveRulesWithinMatrix } from "../rules/archiveRulesWithinMatrix";
import { NO_PACK_CONFIG, parsePolicyPackConfig, PolicyPackConfig } from "../rules/enforcement";
import { judge, VerdictOptions, waiverErrors } from "../rules/verdict";
import { architectureMarkdown } from "../synth/architecture";
import { matrixCsv } from "../synth/matrixCsv";
import { PolicyDocumentFile, policyDocumentFiles } from "../synth/policyFiles";
import { checksDocument, dataLakeStatementsDocument, matrixDocument, stackDocument, synthSummary, formatSummary } from "../synth/report";
import { DATA_LAKE_STATEMENTS_FILE } from "./dataLake";
import type { ResourceRecorder as Recorder } from "../synth/mocks";
import { withoutStackTraces } from "../synth/quietStackTraces";
import { loadStackFiles, problemsOf, StackFile, StackFilesError, stackFileWarnings, synthesize, SynthesizedStack } from "../synth/run";
import { EXIT, Progress, projectDirectoryOption, requireProjectDirectory, stderrProgress, UsageError } from "./common";

export interface SynthFlags {
  readonly configDir?: string;
  readonly out?: string;
  readonly json?: boolean;
  /** The CrossGuard policy pack config file (enforcement levels, waivers-valid.requireExpiry). */
  readonly policyPackConfig?: string;
}


/** Where synth writes and reads; injectable so the tests capture output instead of the process's streams. */
export interface SynthIo {
  readonly cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  readonly progress: Progress;
  readonly now: () => number;
  /** Loads @cloud-copilot/iam-simulate (a dev dependency). */
  readonly loadSimulator: () => Promise<Simulator>;
}

export function defaultSynthIo(): SynthIo {
  return {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress: stderrProgress(),
    now: Date.now,
    loadSimulator: () => loadSimulator(),
  };
}

/**
 * --config-dir's default: the working directory (or --cwd), which must be a Pulumi project. Never this package's
 * own example files: a user running modelshare elsewhere means their project, not ours.
 */
export function defaultConfigDir(cwd: string): string {
  requireProjectDirectory(cwd);
  return cwd;
}

function resolveDirectories(flags: SynthFlags, cwd: string): { configDir: string; outDir: string } {
  if (flags.configDir === "") throw new UsageError('--config-dir "": is empty; give the directory that holds the Pulumi.<stack>.yaml files');
  const configDir = flags.configDir !== undefined ? path.resolve(cwd, flags.configDir) : defaultConfigDir(cwd);
  if (!existsSync(configDir) || !statSync(configDir).isDirectory()) {
    throw new UsageError(`--config-dir ${JSON.stringify(flags.configDir ?? configDir)}: not a directory; give the directory that holds the Pulumi.<stack>.yaml files`);
  }
  return { configDir, outDir: outDirectory(flags.out, cwd) };
}

/** --out as a directory that exists or can be created: refused (exit 2) before anything is synthesized. */
function outDirectory(out: string | undefined, cwd: string): string {
  const shown = JSON.stringify(out);
  if (out !== undefined && out.trim() === "") throw new UsageError(`--out ${shown}: is empty; allowed: a directory path (created when missing), e.g. out/`);
  const outDir = path.resolve(cwd, out ?? "out");
  // The nearest part of the path that exists must be a directory: a regular file there can never hold OUT/.
  for (let dir = outDir; ; dir = path.dirname(dir)) {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) {
        throw new UsageError(`--out ${shown}: ${dir === outDir ? "is" : `is below ${dir}, which is`} not a directory; allowed: a directory path (created when missing)`);
      }
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return outDir;
}

/** Reads --policy-pack-config: a regular file holding the pack's JSON config (the same file `pulumi preview` takes). */
function readPackConfig(file: string | undefined, cwd: string): PolicyPackConfig {
  if (file === undefined) return NO_PACK_CONFIG;
  const resolved = path.resolve(cwd, file);
  if (!existsSync(resolved)) throw new UsageError(`--policy-pack-config ${JSON.stringify(file)}: no such file; give the JSON file you pass to pulumi preview --policy-pack-config`);
  if (!statSync(resolved).isFile()) throw new UsageError(`--policy-pack-config ${JSON.stringify(file)}: not a regular file`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(resolved, "utf8"));
  } catch (error) {
    throw new ConfigError([{ key: "(file)", message: `is not valid JSON (${(error as Error).message})` }], file);
  }
  return parsePolicyPackConfig(value, RULES, file);
}

/** Synthesizes the stacks one at a time (ML first), so progress can name each; one recorder keeps the outputs. */
async function synthesizeWithProgress(stackFiles: readonly StackFile[], progress: Progress): Promise<SynthesizedStack[]> {
  // Pulumi's mock runtime loads only when synth runs (seconds that `--help` should not pay).
  const { ResourceRecorder } = require("../synth/mocks") as { ResourceRecorder: new (defaults: { account: string; region: string }) => Recorder };
  const recorder = new ResourceRecorder({ account: "000000000000", region: "us-east-1" });
  const stacks: SynthesizedStack[] = [];
  for (const [index, stackFile] of stackFiles.entries()) {
    progress.step(`synth ${stackFile.stack}`, `running the ${stackFile.config.stackKind} program (${index + 1}/${stackFiles.length})`);
    const [stack] = await withoutStackTraces(() => synthesize([stackFile], recorder));
    stacks.push(stack);
  }
  return stacks;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The directory under OUT that holds one file per policy document: OUT/policies/<stack>/<name>.json. */
export const POLICIES_DIR = "policies";

/**
 * Writes OUT/policies/<stack>/*.json, first removing the JSON files an earlier run left there (a policy that no longer
 * exists must not look deployed). Only .json files inside stack directories are removed, and only then the
 * directories that are left empty: nothing else under OUT is touched.
 */
function replacePolicyFiles(policiesDir: string, files: readonly PolicyDocumentFile[]): void {
  if (existsSync(policiesDir)) {
    for (const entry of readdirSync(policiesDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const stackDir = path.join(policiesDir, entry.name);
      for (const file of readdirSync(stackDir, { withFileTypes: true })) if (file.isFile() && file.name.endsWith(".json")) rmSync(path.join(stackDir, file.name));
      if (readdirSync(stackDir).length === 0) rmdirSync(stackDir);
    }
  }
  for (const file of files) {
    const target = path.join(policiesDir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.text);
  }
}

/** Reports a failure that stops synth: a message on stderr, and the same as JSON on stdout with --json. */
function fail(io: SynthIo, flags: SynthFlags, code: number, kind: string, message: string, details: Record<string, unknown> = {}, warnings: readonly string[] = []): number {
  for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
  io.stderr(`${message}\n`);
  if (flags.json) io.stdout(`${JSON.stringify({ ok: false, error: { kind, message, ...details } }, null, 2)}\n`);
  return code;
}

/**
 * `modelshare synth`: runs every stack program offline, checks the result, evaluates the access matrix and writes
 * OUT/<stack>.json, OUT/policies/<stack>/<name>.json, OUT/access-matrix.json and .csv and OUT/architecture.md. Returns
 * the exit code.
 */
export async function runSynth(flags: SynthFlags, io: SynthIo = defaultSynthIo()): Promise<number> {
  const started = io.now();
  const { configDir, outDir } = resolveDirectories(flags, io.cwd);
  // Paths in the summary as the user would type them: relative below the working directory, absolute elsewhere.
  const relative = (file: string) => {
    const shown = path.relative(io.cwd, file);
    return shown === "" ? "." : shown.startsWith("..") ? file : shown;
  };

  io.progress.step("config", `reading Pulumi.<stack>.yaml files in ${configDir}`);
  let stackFiles: StackFile[];
  let packConfig: PolicyPackConfig;
  try {
    packConfig = readPackConfig(flags.policyPackConfig, io.cwd);
    stackFiles = loadStackFiles(configDir);
  } catch (error) {
    if (error instanceof StackFilesError) return fail(io, flags, EXIT.badInput, "config", error.message, { problems: problemsOf(error), warnings: error.warnings }, error.warnings);
    // --policy-pack-config's own problems (its JSON, its policy names and levels).
    if (error instanceof ConfigError) return fail(io, flags, EXIT.badInput, "config", error.message, { problems: problemsOf(error) });
    throw error;
  }
  const warnings = stackFileWarnings(stackFiles);
  for (const warning of warnings) io.stderr(`warning: ${warning}\n`);

  // Before the slow part: a missing simulator should not cost a full synth to find out.
  let simulator: Simulator;
  try {
    simulator = await io.loadSimulator();
  } catch (error) {
    if (error instanceof SimulatorUnavailableError) return fail(io, flags, EXIT.failed, "simulator", error.message);
    throw error;
  }

  let stacks: SynthesizedStack[];
  try {
    stacks = await synthesizeWithProgress(stackFiles, io.progress);
  } catch (error) {
    if (error instanceof BudgetError) return fail(io, flags, EXIT.failed, "budget", error.message, { problems: error.problems });
    // Cross-stack problems (a consumer that does not match the ML stack) are config problems too.
    if (error instanceof ConfigError) return fail(io, flags, EXIT.badInput, "config", error.message, { problems: problemsOf(error) });
    throw error;
  }

  // Waivers name resources, so they are checked once the resources are known; a bad one is bad input (exit 2).
  const verdictOptions: VerdictOptions = {
    waivers: stacks.map((s) => ({ stack: s.stack, source: path.basename(s.file), waivers: s.config.waivers, resources: s.resources })),
    config: packConfig,
    now: new Date(io.now()),
  };
  const badWaivers = waiverErrors(RULES, verdictOptions);
  if (badWaivers.length > 0) {
    const error = new StackFilesError(badWaivers);
    return fail(io, flags, EXIT.badInput, "config", error.message, { problems: problemsOf(error) });
  }

  io.progress.step("checks", `running the rules over ${stacks.reduce((n, s) => n + s.resources.length, 0)} resources`);
  let checks = judge(await checkSynthesized(stacks), RULES, verdictOptions);
  io.progress.done("checks", `${checks.passed} passed, ${checks.failed} failed, ${checks.waived?.length ?? 0} waived`);

  io.progress.step("matrix", "evaluating the access matrix with iam-simulate");
  let reported = 0;
  const matrix = await buildAccessMatrix(stacks, simulator, {
    onProgress: (done, total) => {
      // Every 5,000 requests: enough to show it moves, not so much that it floods stderr.
      if (done - reported >= 5000 || done === total) io.progress.step("matrix", `${done}/${total} requests evaluated`);
      if (done - reported >= 5000) reported = done;
    },
  });
  io.progress.done("matrix", `${matrix.rows.length} rows, ${matrix.mismatches} mismatches`);
  // The archive rules are judged against the matrix itself: they may archive nothing it denies.
  checks = withCheck(checks, ARCHIVE_RULES_WITHIN_MATRIX, archiveRulesWithinMatrix(stacks, matrix.cases ?? [], matrix.rows));

  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    return fail(io, flags, EXIT.badInput, "out", `--out ${JSON.stringify(flags.out ?? "out")}: cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); allowed: a directory you can write`);
  }
  const stackEntries = stacks.map((stack) => {
    const file = path.join(outDir, `${stack.stack}.json`);
    writeJson(file, stackDocument(stack));
    return { stack: stack.stack, resources: stack.resources.length, file: relative(file) };
  });
  const matrixFile = path.join(outDir, "access-matrix.json");
  writeJson(matrixFile, matrixDocument(matrix));
  const matrixCsvFile = path.join(outDir, "access-matrix.csv");
  writeFileSync(matrixCsvFile, matrixCsv(matrix.rows));
  const policiesDir = path.join(outDir, POLICIES_DIR);
  const policyFiles = policyDocumentFiles(stacks);
  replacePolicyFiles(policiesDir, policyFiles);
  const checksFile = path.join(outDir, "checks.json");
  writeJson(checksFile, checksDocument(checks, flags.policyPackConfig ?? null));
  const architectureFile = path.join(outDir, "architecture.md");
  writeFileSync(architectureFile, architectureMarkdown(stacks, matrix, checks));
  const dataLake = dataLakeStatementsDocument(stacks);
  const dataLakeFile = path.join(outDir, DATA_LAKE_STATEMENTS_FILE);
  if (dataLake !== undefined) writeJson(dataLakeFile, dataLake);
  // A file from an earlier run with a data lake would otherwise be taken for this configuration's grant.
  else rmSync(dataLakeFile, { force: true });
  const written = stackEntries.length + (dataLake !== undefined ? 5 : 4) + policyFiles.length;
  io.progress.done("write", `${written} files in ${relative(outDir)}`);

  const summary = synthSummary({
    configDir: relative(configDir),
    outDir: relative(outDir),
    stacks: stackEntries,
    checks,
    checksFile: relative(checksFile),
    matrix,
    matrixFile: relative(matrixFile),
    matrixCsvFile: relative(matrixCsvFile),
    policies: { dir: relative(policiesDir), files: policyFiles.length },
    architectureFile: relative(architectureFile),
    ...(dataLake !== undefined ? { dataLakeStatementsFile: relative(dataLakeFile) } : {}),
    warnings,
    seconds: (io.now() - started) / 1000,
  });
  io.stdout(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
  return summary.ok ? EXIT.ok : EXIT.failed;
}

export function registerSynth(program: Command, io: () => SynthIo = defaultSynthIo): void {
  program
    .command("synth")
    .description(
      "Run every stack program offline (Pulumi mocks, no credentials, no pulumi CLI), check what it would deploy and evaluate who could " +
        "then do what. Writes OUT/<stack>.json, OUT/policies/<stack>/<name>.json (each policy document, pretty-printed), OUT/access-matrix.json " +
        "and .csv, OUT/architecture.md and, with a data lake, OUT/data-lake-statements.json.",
    )
    .option("--config-dir <dir>", "directory holding the Pulumi.<stack>.yaml files (default: the current directory, or --cwd)")
    .option("--out <dir>", "directory to write to, created when missing", "out/")
    .option("--json", "print the summary as JSON on stdout")
    .option(
      "--policy-pack-config <file>",
      "the policy pack config JSON (as for pulumi preview --policy-pack-config): enforcement levels per policy or \"all\", waivers-valid.requireExpiry",
    )
    .addHelpText(
      "after",
      "\nWaivers: modelshare:waivers in each Pulumi.<stack>.yaml accepts a rule's findings on one resource, with a reason (docs/policy.md). " +
        "They never apply to the access matrix.\n" +
        "Exit codes: 0 every check passed (or was waived) and the access matrix matches the config; 1 a check failed, a waiver expired, the " +
        "matrix has a mismatch or a policy is over its quota; 2 invalid configuration (each problem names its file and key: a malformed waiver, " +
        "one naming an unknown rule or a resource not in its stack), an invalid --policy-pack-config or bad flags.",
    )
    .action(async (flags: SynthFlags, command: Command) => {
      const base = io();
      process.exitCode = await runSynth(flags, { ...base, cwd: projectDirectoryOption(command, base.cwd) });
    });
}
