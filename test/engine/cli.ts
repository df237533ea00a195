import { spawn } from "node:child_process";
import { join } from "node:path";

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/**
 * Runs `modelshare <args>` (the project's bin/modelshare.js, as a user would) in the lane's project copy, with a
 * bounded wait: past `timeoutMs` the process is killed and the result says so.
 */
export function modelshare(projectDir: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectDir, "bin", "modelshare.js"), ...args], { cwd: projectDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[engine lane] modelshare ${args.join(" ")} killed after ${timeoutMs / 1000}s\n`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The last lines of a command's stderr without the AWS SDK's Node.js version notice, for failure messages. */
export function tail(text: string, lines = 40): string {
  return text
    .split("\n")
    .filter((l) => !/NodeVersionSupportWarning|versions published after|will require node|To continue receiving|security updates please|a\.co\/c895JFp|--trace-warnings/.test(l))
    .slice(-lines)
    .join("\n");
}

export function describeFailure(what: string, result: CliResult): string {
  return `${what} exited ${result.code} after ${result.seconds.toFixed(1)}s\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`;
}
