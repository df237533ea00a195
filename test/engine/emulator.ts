import { ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1 (the kernel picks it; moto binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface Emulator {
  readonly url: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A lane stopped by a signal (CI's timeout, Ctrl-C) still ends the emulator it started.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill("SIGTERM");
    process.exit(130);
  });
}
process.once("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});

/**
 * Starts tools/emulator/moto_lane.py (moto in server mode, 127.0.0.1 only) with the organization's accounts, and
 * waits until it answers, at most `readyTimeoutMs`; fails with the emulator's own output otherwise.
 */
export async function startMoto(options: { python: string; script: string; managementAccount: string; memberAccounts: readonly string[]; region: string; readyTimeoutMs?: number }): Promise<Emulator> {
  const port = await freePort();
  const child = spawn(
    options.python,
    [options.script, "--port", String(port), "--region", options.region, "--management-account", options.managementAccount, "--member-accounts", options.memberAccounts.join(",")],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const killTimer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killTimer);
    running.delete(child);
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited with code ${child.exitCode} before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`moto did not answer on ${url} within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`);
}
