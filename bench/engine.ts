import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The engine lane's figures (docs/engine-lane.md): the pulumi CLI build, warm (the Go caches of this machine) and,
 * with --engine-cold, cold (empty module and build caches: what a fresh CI machine pays); the lane's wall time; and
 * one `up` of each stack on the emulator, as the lane recorded them (.engine/lane-timings.json). Without --engine,
 * the figures of the last lane run are reported as they were recorded.
 */

export interface EngineFigure {
  readonly name: string;
  readonly seconds: number;
  readonly limitSeconds: number;
  readonly ok: boolean;
  readonly detail: string;
}

const REPO = resolve(__dirname, "..");
const TIMINGS = join(REPO, ".engine", "lane-timings.json");
export const LANE_LIMIT_SECONDS = 300;
const UP_LIMIT_SECONDS = 60;
const WARM_BUILD_LIMIT_SECONDS = 180;
const COLD_BUILD_LIMIT_SECONDS = 1800;

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: REPO, env, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status ?? result.signal}`);
  return (Date.now() - started) / 1000;
}

function cliBuild(label: string, limit: number, env: NodeJS.ProcessEnv): EngineFigure {
  const out = mkdtempSync(join(tmpdir(), "modelshare-cli-build-"));
  try {
    const seconds = timed("bash", ["tools/pulumi-cli/build.sh", "--force"], { ...env, OUT: out });
    return { name: `engine: pulumi CLI build, ${label}`, seconds, limitSeconds: limit, ok: seconds <= limit, detail: "pulumi + language host, tools/pulumi-cli/build.sh" };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function coldBuild(): EngineFigure {
  const caches = mkdtempSync(join(tmpdir(), "modelshare-go-cold-"));
  const env = { ...process.env, GOMODCACHE: join(caches, "mod"), GOCACHE: join(caches, "build") };
  try {
    return cliBuild("cold (empty GOMODCACHE and GOCACHE)", COLD_BUILD_LIMIT_SECONDS, env);
  } finally {
    spawnSync("go", ["clean", "-modcache"], { env, stdio: "ignore" }); // module files are read-only
    rmSync(caches, { recursive: true, force: true });
  }
}

function laneFigures(recorded: { at: string; seconds: Record<string, number> }, wall: number | undefined): EngineFigure[] {
  const source = wall === undefined ? `recorded by the lane run of ${recorded.at}` : "this run";
  const total = wall ?? recorded.seconds.total;
  const figures: EngineFigure[] = [
    { name: "engine: lane wall time, CLI built", seconds: total, limitSeconds: LANE_LIMIT_SECONDS, ok: total <= LANE_LIMIT_SECONDS, detail: `${wall === undefined ? "mocha suite only, " : "npm run test:engine, "}${source}` },
  ];
  for (const stack of ["ml", "qa", "prod"]) {
    const seconds = recorded.seconds[`up ${stack}`];
    if (seconds !== undefined) figures.push({ name: `engine: one up of ${stack} on the emulator`, seconds, limitSeconds: UP_LIMIT_SECONDS, ok: seconds <= UP_LIMIT_SECONDS, detail: `first deploy (create), ${source}${stack !== "ml" ? "; qa and prod run at once" : ""}` });
  }
  for (const step of ["promote", "rollback"]) {
    const seconds = recorded.seconds[step];
    if (seconds !== undefined) figures.push({ name: `engine: modelshare ${step}`, seconds, limitSeconds: LANE_LIMIT_SECONDS, ok: true, detail: `5 ups (ml and prod), reported; ${source}` });
  }
  return figures;
}

export function benchEngine(options: { run: boolean; cold: boolean }): EngineFigure[] {
  const figures: EngineFigure[] = [];
  let wall: number | undefined;
  if (options.run) {
    if (options.cold) figures.push(coldBuild());
    figures.push(cliBuild("warm (this machine's Go caches)", WARM_BUILD_LIMIT_SECONDS, process.env));
    wall = timed("npm", ["run", "--silent", "test:engine"]);
  }
  if (!existsSync(TIMINGS)) return figures;
  return [...figures, ...laneFigures(JSON.parse(readFileSync(TIMINGS, "utf8")), wall)];
}
