import { Command, CommanderError } from "commander";
import { explainAwsError } from "./awsErrors";
import { EXIT, UsageError } from "./common";
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

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; unknown options and missing arguments are bad input.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.badInput;
    }
    const hint = explainAwsError(error);
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n${hint ? `  hint: ${hint}\n` : ""}`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
