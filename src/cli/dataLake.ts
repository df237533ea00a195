import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { BucketPolicyJson, checkDataLakeStatements, DataLakeCheckResult, parseBucketPolicy } from "../policies/dataLake";
import type { Statement } from "../policies/document";
import { EXIT, projectDirectoryOption, UsageError } from "./common";

/** The file synth writes for the data-lake owner (and this command reads). */
export const DATA_LAKE_STATEMENTS_FILE = "data-lake-statements.json";

/** What OUT/data-lake-statements.json holds. */
export interface DataLakeStatementsFile {
  readonly stack: string;
  readonly mode: "statements" | "merge";
  readonly bucketName: string;
  readonly bucketAccountId: string;
  readonly trainingPrincipalArn: string;
  /** Statements the bucket policy must hold (each with its Sid). */
  readonly statements: readonly Statement[];
  /** The identity policy the training principal needs in the ML account. */
  readonly trainingPrincipalPolicy: unknown;
}

export interface DataLakeCheckFlags {
  readonly policy?: string;
  readonly statements?: string;
  readonly json?: boolean;
}

export interface DataLakeCheckIo {
  readonly cwd: string;
  /** The project directory (--cwd, else the working directory): where synth wrote out/, the default statements. */
  readonly projectDir?: string;
  stdout(text: string): void;
}

/** A small regular file's text: a FIFO or a device would block the read, and a directory is a mistake. */
function readRegularFile(flag: string, file: string, cwd: string): string {
  const resolved = path.resolve(cwd, file);
  let stats;
  try {
    stats = statSync(resolved);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(file)}: no such file (looked for ${resolved})`);
  }
  if (!stats.isFile()) throw new UsageError(`${flag} ${JSON.stringify(file)}: is not a regular file; give a JSON file`);
  if (stats.size > 1024 * 1024) throw new UsageError(`${flag} ${JSON.stringify(file)}: is ${stats.size} bytes; a bucket policy is at most 20 KB`);
  return readFileSync(resolved, "utf8");
}

function parseJson(flag: string, file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${flag} ${JSON.stringify(file)}: is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The bucket policy, as a policy document or as `aws s3api get-bucket-policy` prints it (`{"Policy": "<json>"}`).
 */
function readPolicy(file: string, cwd: string): BucketPolicyJson {
  const text = readRegularFile("--policy", file, cwd);
  const wrapped = parseJson("--policy", file, text);
  const inner = wrapped !== null && typeof wrapped === "object" && typeof (wrapped as { Policy?: unknown }).Policy === "string" ? (wrapped as { Policy: string }).Policy : text;
  const policy = parseBucketPolicy(inner);
  if (typeof policy === "string") throw new UsageError(`--policy ${JSON.stringify(file)}: ${policy}; give the bucket policy (aws s3api get-bucket-policy --bucket NAME > policy.json)`);
  return policy;
}

function readStatementsFile(file: string, cwd: string): DataLakeStatementsFile {
  const parsed = parseJson("--statements", file, readRegularFile("--statements", file, cwd));
  const statements = (parsed as { statements?: unknown } | null)?.statements;
  const valid = Array.isArray(statements) && statements.length > 0 && statements.every((s) => s !== null && typeof s === "object" && typeof (s as { Sid?: unknown }).Sid === "string");
  if (!valid) throw new UsageError(`--statements ${JSON.stringify(file)}: has no "statements" list with a Sid on each; give the ${DATA_LAKE_STATEMENTS_FILE} that modelshare synth writes`);
  return parsed as DataLakeStatementsFile;
}

function formatResult(file: DataLakeStatementsFile, result: DataLakeCheckResult): string {
  const lines = [`data-lake check: bucket ${file.bucketName} (account ${file.bucketAccountId}), ${result.required.length} modelshare statements required`];
  for (const sid of result.present) lines.push(`  present    ${sid}`);
  for (const sid of result.missing) lines.push(`  MISSING    ${sid}`);
  for (const d of result.different) lines.push(`  DIFFERENT  ${d.sid}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.found)}`);
  lines.push(
    result.ok
      ? "result: the bucket policy holds every statement modelshare needs"
      : `result: ${result.missing.length} missing, ${result.different.length} different: add the statements of the statements file to the bucket policy as they are`,
  );
  return `${lines.join("\n")}\n`;
}

/** `modelshare data-lake check`: does a bucket policy hold the grant synth wrote? Returns the exit code. */
export function runDataLakeCheck(flags: DataLakeCheckFlags, io: DataLakeCheckIo): number {
  if (flags.policy === undefined) throw new UsageError("--policy is required: the bucket's current policy as JSON (aws s3api get-bucket-policy --bucket NAME > policy.json)");
  // The default is where `modelshare synth` writes it: out/ of the project directory, wherever this runs from.
  const statementsFile = readStatementsFile(flags.statements ?? path.join(io.projectDir ?? io.cwd, "out", DATA_LAKE_STATEMENTS_FILE), io.cwd);
  const result = checkDataLakeStatements(readPolicy(flags.policy, io.cwd), statementsFile.statements);
  io.stdout(flags.json ? `${JSON.stringify({ bucketName: statementsFile.bucketName, ...result }, null, 2)}\n` : formatResult(statementsFile, result));
  return result.ok ? EXIT.ok : EXIT.failed;
}

export function registerDataLake(program: Command, io: () => DataLakeCheckIo = () => ({ cwd: process.cwd(), stdout: (text) => process.stdout.write(text) })): void {
  const dataLake = program.command("data-lake").description("The data-lake grant: what the training bucket's policy must hold for the ML account");
  dataLake
    .command("check")
    .description("Check that a bucket policy holds every statement of the grant (OUT/data-lake-statements.json, written by synth), unchanged")
    .option("--policy <file>", "the bucket's current policy: a policy document, or the output of aws s3api get-bucket-policy")
    .option("--statements <file>", `the grant written by modelshare synth (default: out/${DATA_LAKE_STATEMENTS_FILE} of the project directory, --cwd)`)
    .option("--json", "print the result as JSON on stdout")
    .addHelpText("after", "\nExit codes: 0 every statement is present and unchanged; 1 a statement is missing or different; 2 bad input (a file missing, not JSON or not a policy).")
    .action((flags: DataLakeCheckFlags, command: Command) => {
      const base = io();
      process.exitCode = runDataLakeCheck(flags, { ...base, projectDir: base.projectDir ?? projectDirectoryOption(command, base.cwd) });
    });
}
