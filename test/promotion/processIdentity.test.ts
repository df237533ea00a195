import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { currentOwner, FileLocks } from "../../src/promotion/journal";
import { livenessFrom, processIdentity, ProcessIdentity } from "../../src/promotion/processIdentity";

/**
 * (hostname, pid) is not a process identity across PID namespaces (SRE review S2): containers that share a machine's
 * hostname see each other's pids as dead. A holder is declared gone only from its own boot and PID namespace.
 */
const ROOT = join(__dirname, "..", "..");
const here: ProcessIdentity = { host: "ci-1", pid: 100, bootId: "boot-a", pidNamespace: "pid:[1]", startTime: "500" };

describe("process identity of lock and lease holders", () => {
  it("a holder in another PID namespace, another boot or without those fields is 'unknown' (waited for), even if its pid is not seen here", () => {
    const liveness = livenessFrom(here, () => "gone", () => undefined);
    expect(liveness({ ...here, pid: 7, pidNamespace: "pid:[2]" })).to.equal("unknown");
    expect(liveness({ ...here, pid: 7, bootId: "boot-b" })).to.equal("unknown");
    expect(liveness({ host: "ci-1", pid: 7 })).to.equal("unknown"); // a record written before these fields existed
    expect(liveness({ ...here, host: "ci-2", pid: 7 })).to.equal("unknown");
  });

  it("in the same boot and PID namespace: gone when its pid is gone or reused by a process started at another time, alive otherwise", () => {
    const holder = { ...here, pid: 7, startTime: "900" };
    expect(livenessFrom(here, () => "gone", () => undefined)(holder)).to.equal(false);
    expect(livenessFrom(here, () => "alive", () => "901")(holder)).to.equal(false);
    expect(livenessFrom(here, () => "alive", () => "900")(holder)).to.equal(true);
  });

  it("this process's identity names its boot, PID namespace and start time (Linux /proc)", () => {
    const me = processIdentity();
    expect(me).to.include({ host: hostname(), pid: process.pid });
    expect(me.bootId).to.match(/^[0-9a-f-]{36}$/);
    expect(me.pidNamespace).to.match(/^pid:\[\d+\]$/);
    expect(me.startTime).to.match(/^\d+$/);
  });

  describe("a live holder seen from another PID namespace on the same hostname (unshare)", function () {
    this.timeout(30_000);
    // Judged in a child: same hostname and boot, its own PID namespace (`unshare --pid`, plus a user namespace when
    // not root), where the holder's pid does not exist.
    function judgeFrom(prefix: string[], holder: ProcessIdentity): string {
      const script = `const { processLiveness } = require(${JSON.stringify(join(ROOT, "src/promotion/processIdentity.ts"))}); process.stdout.write(String(processLiveness(JSON.parse(process.env.HOLDER))));`;
      const args = [...prefix, process.execPath, "-r", "ts-node/register/transpile-only", "-e", script];
      const r = spawnSync(args[0], args.slice(1), { cwd: ROOT, env: { ...process.env, HOLDER: JSON.stringify(holder) }, encoding: "utf8", timeout: 25_000 });
      if (r.status !== 0) throw new Error(`child failed (${args[0]}): ${r.stderr}`);
      return r.stdout.trim();
    }
    const unshare = process.getuid?.() === 0 ? ["unshare", "--pid", "--fork", "--mount-proc"] : ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"];

    it("from another PID namespace a live holder is 'unknown' (waited for, never taken over); in its own namespace it is alive, and an exited one is gone", () => {
      const holder = spawn("sleep", ["60"]);
      const exited = spawnSync("true");
      try {
        const identity = processIdentity(holder.pid!);
        expect(judgeFrom([], identity)).to.equal("true");
        expect(judgeFrom([], { ...processIdentity(), pid: exited.pid! })).to.equal("false");
        expect(judgeFrom(unshare, identity)).to.equal("unknown");
      } finally {
        holder.kill();
      }
    });
  });
});

describe("lock files that are not regular files", () => {
  it("an environment lock file that is a FIFO is refused at once, naming the file, instead of blocking the process on its read", () => {
    const stateDir = mkdtempSync(join(tmpdir(), "modelshare-fifo-"));
    mkdirSync(join(stateDir, "locks"));
    spawnSync("mkfifo", [join(stateDir, "locks", "env-prod.lock")]);
    const error = (() => {
      try {
        new FileLocks(stateDir, () => false).acquireEnvironment("prod", currentOwner("modelshare promote (test)"));
        return undefined;
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.name).to.equal("PromotionConflictError");
    expect(error?.message).to.contain(join(stateDir, "locks", "env-prod.lock"));
  });
});
