/**
 * `npm run bench`: every performance figure the README quotes comes from here, never from a timed test.
 *   - deploy: 20 consumer stacks against a fake workspace (1 s per up) at concurrency 4 (bench/deploy.ts);
 *   - promotion: one environment in the simulated world, its Pulumi `up`s and AWS calls (bench/promotion.ts);
 *   - synth + check and the access matrix at 10, 50 and 200 environments, next to floors (bench/synth.ts);
 *   - ModelClient's DetectCustomLabels throughput as a ratio to a bare SDK client at concurrency 1, 16 and 128,
 *     against a local SigV4-checking fake of SSM, STS and Rekognition (bench/client.ts; skip with --no-client);
 *   - the engine lane (bench/engine.ts): with --engine it builds the pulumi CLI (warm; --engine-cold also cold) and
 *     runs npm run test:engine; without, it reports the figures the last lane run recorded, if any.
 *   - packaging: CLI start-up next to `node -e 0`, the client package's installed size and strict types, the component
 *     package's schema (bench/packaging.ts; skip with --no-packaging).
 * Prints one line per figure; exits 1 when a target is missed, so a regression is visible.
 */
import { benchClient } from "./client";
import { benchDeploy } from "./deploy";
import { benchPromotionFigures } from "./promotion";
import { benchEngine } from "./engine";
import { benchSynth } from "./synth";
import { benchCliStartup, benchClientInstall, benchComponentSchema, PackagingFigure } from "./packaging";

interface Figure {
  readonly name: string;
  readonly seconds: number;
  readonly limitSeconds: number;
  readonly ok: boolean;
  readonly detail: string;
}

function print(figure: Figure): void {
  process.stdout.write(`${figure.ok ? "ok  " : "MISS"} ${figure.name.padEnd(44)} ${figure.seconds.toFixed(2).padStart(7)} s (target ${figure.limitSeconds.toFixed(2)} s)  ${figure.detail}\n`);
}

async function main(): Promise<number> {
  process.stderr.write(`modelshare bench on ${process.version}, ${require("node:os").cpus().length} cores\n`);
  const figures: Figure[] = [];
  // Deploy first: it measures wall time of sleeps and must not share the event loop with synth's work.
  const deploy = await benchDeploy();
  print(deploy);
  figures.push(deploy);
  for (const figure of await benchPromotionFigures()) {
    print(figure);
    figures.push(figure);
  }
  if (!process.argv.includes("--no-packaging")) {
    const packaging: PackagingFigure[] = [...benchCliStartup(), ...benchClientInstall((line) => process.stderr.write(`${line}\n`)), await benchComponentSchema()];
    for (const figure of packaging) {
      process.stdout.write(`${figure.ok ? "ok  " : "MISS"} ${figure.name.padEnd(44)} ${figure.measured.padStart(12)} (target ${figure.target})  ${figure.detail}\n`);
      figures.push({ name: figure.name, seconds: 0, limitSeconds: 0, ok: figure.ok, detail: figure.detail });
    }
  }
  if (!process.argv.includes("--no-client")) {
    // Ratios, not seconds: printed with their own target; counted with the other figures.
    for (const figure of await benchClient((line) => process.stderr.write(`${line}\n`))) {
      process.stdout.write(`${figure.ok ? "ok  " : "MISS"} ${figure.name.padEnd(44)} ${figure.measured.padStart(12)} (target ${figure.target})  ${figure.detail}\n`);
      figures.push({ name: figure.name, seconds: 0, limitSeconds: 0, ok: figure.ok, detail: figure.detail });
    }
  }
  for (const figure of await benchSynth({ matrix: !process.argv.includes("--no-matrix"), log: (line) => process.stderr.write(`${line}\n`) })) {
    print(figure);
    figures.push(figure);
  }
  for (const figure of benchEngine({ run: process.argv.includes("--engine") || process.argv.includes("--engine-cold"), cold: process.argv.includes("--engine-cold") })) {
    print(figure);
    figures.push(figure);
  }
  const missed = figures.filter((f) => !f.ok);
  process.stdout.write(`${figures.length - missed.length} of ${figures.length} targets met${missed.length ? `; missed: ${missed.map((f) => f.name).join(", ")}` : ""}\n`);
  return missed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
