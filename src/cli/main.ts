import { Command, CommanderError } from "commander";
import { explainAwsError } from "./awsErrors";
import { EXIT, UsageError } from "./common";
import { runInterruptible } from "./interrupt";
import { registerInvoke } from "./invoke";
import { registerDeploy } from "./deploy";
import { registerPromote } from "./promote";
import { registerRollback } from "./rollback";
import { registerStatus } from "./status";
import { registerModel } from "./model";
import { registerLease } from "./lease";
import { registerSynth } from "./synth";
import { registerDataLake } from "./dataLake";
import { packageVersion } from "./version";
import { registerDrift } from "./drift";

/**
 * `modelshare` command line. Each command lives in its own module and registers itself here; all share the
 * exit codes in ./common (0 ok, 1 a check or step failed, 2 bad input).
 */
export function buildProgram(): Command {
  const program = new Command("modelshare")
    .description("Share an Amazon Rekognition Custom Labels model across AWS accounts")
    .option("--cwd <dir>", "the project directory (holds Pulumi.yaml and the Pulumi.<stack>.yaml files); default: the current directory")
    // Not commander's .version(): a program option is parsed anywhere on the line, and `promote --version ARN` is
    // promote's own; `modelshare --version` alone is answered in main().
    .addHelpText("after", "\nmodelshare --version (or -V) prints modelshare's version.")
    .showHelpAfterError()
    .exitOverride();
  // Command modules register here (one line each).
  registerInvoke(program);
  registerDeploy(program);
  registerPromote(program);
  registerRollback(program);
  registerStatus(program);
  registerModel(program);
  registerLease(program);
  registerSynth(program);
  registerDataLake(program);
  registerDrift(program);
  return program;
}

/**
 * Runs the command line and returns the exit code. A thrown error is reported on stderr and, when `--json` was asked
 * for, also as `{ "error": { "name", "message", "exitCode", "hint"? } }` on stdout, so a pipeline that parses stdout
 * gets the reason rather than nothing. SIGINT/SIGTERM: see ./interrupt (exit 130/143).
 */
export async function main(argv: readonly string[], out: CliOutput = defaultOutput): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    out.stdout(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const program = buildProgram();
  const json = argv.includes("--json");
  return runInterruptible(
    async () => {
      await program.parseAsync([...argv], { from: "user" });
      return Number(process.exitCode ?? EXIT.ok);
    },
    (error) => reportError(error, json, out),
  );
}

interface CliOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const defaultOutput: CliOutput = { stdout: (text: string) => void process.stdout.write(text), stderr: (text: string) => void process.stderr.write(text) };

function reportError(error: unknown, json: boolean, out: CliOutput): number {
  let exitCode: number = EXIT.failed;
  let hint: string | undefined;
  if (error instanceof CommanderError) {
    // --help and --version exit 0; unknown options and missing arguments are bad input (commander printed them).
    if (error.exitCode === 0) return EXIT.ok;
    exitCode = EXIT.badInput;
  } else if (error instanceof UsageError) {
    exitCode = EXIT.badInput;
    out.stderr(`error: ${error.message}\n`);
  } else {
    hint = explainAwsError(error);
    out.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n${hint ? `  hint: ${hint}\n` : ""}`);
  }
  if (json) {
    const name = error instanceof Error ? error.name : "Error";
    const message = (error instanceof Error ? error.message : String(error)).replace(/^error: /, "");
    out.stdout(`${JSON.stringify({ error: { name, message, exitCode, ...(hint ? { hint } : {}) } }, null, 2)}\n`);
  }
  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
