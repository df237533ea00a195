/**
 * Benchmark of ModelClient against a bare SDK client (issue 16): DetectCustomLabels throughput at concurrency 1, 16
 * and 128, both against the same local fake of SSM, STS and Rekognition (real wire protocols, SigV4 checked on every
 * request), the fake running in a child process so that its work shares neither the clients' event loop nor their
 * CPU accounting. Each round
 * measures both clients back to back (bare first, then ModelClient first, ...), so drift in the machine's load hits
 * both alike; the figure is the median of the rounds' throughput ratios, target >= 0.90 (ModelClient within 10% of
 * the bare client). The clients' CPU time per call is reported beside it: on a busy machine it is the steadier sign
 * of ModelClient's own overhead.
 *
 *   npx ts-node --transpile-only bench/client.ts          (bench/index.ts calls benchClient())
 */
import { performance } from "node:perf_hooks";
import { fork } from "node:child_process";
import { DetectCustomLabelsCommand, RekognitionClient } from "@aws-sdk/client-rekognition";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { ModelClient } from "@modelshare/client";
import { deployFakeEnvironment, FAKE_ENV, FAKE_ROLE, fakeVersion } from "../test/client/fakeAws/load";
import { FakeAws } from "../test/client/fakeAws/server";
import { makePng } from "../test/client/helpers/images";

export interface ClientFigure {
  readonly name: string;
  readonly ok: boolean;
  /** "ratio 0.97" */
  readonly measured: string;
  readonly target: string;
  readonly detail: string;
}

export const CONCURRENCY = (process.env.BENCH_CONCURRENCY?.split(",").map(Number) ?? [1, 16, 128]) as readonly number[];
export const TARGET_RATIO = 0.9;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const ROUND_MS = 200;

interface FakeHandle {
  readonly region: string;
  readonly endpoints: Record<"ssm" | "sts" | "rekognition", string>;
  readonly baseCredentials: AwsCredentialIdentity;
  stop(): Promise<void>;
}

const FAKE_FLAG = "--serve-fake";

/** Starts the fake in a child process (same code as the tests' fake, on 127.0.0.1) and returns its endpoints. */
async function startFakeProcess(): Promise<FakeHandle> {
  const child = fork(__filename, [FAKE_FLAG], { execArgv: __filename.endsWith(".ts") ? ["-r", "ts-node/register/transpile-only"] : [], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const ready = await new Promise<Omit<FakeHandle, "stop">>((resolve, reject) => {
    child.once("message", (message) => resolve(message as Omit<FakeHandle, "stop">));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the fake exited with ${code} before it was ready`)));
  });
  return {
    ...ready,
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send("stop");
      await exited;
    },
  };
}

async function serveFake(): Promise<void> {
  const fake = await FakeAws.start();
  deployFakeEnvironment(fake);
  process.send?.({ region: fake.region, endpoints: fake.endpoints, baseCredentials: fake.baseCredentials });
  process.once("message", async () => {
    await fake.stop();
    process.exit(0);
  });
  process.once("disconnect", () => process.exit(0)); // the bench died: do not linger
}

/** Calls completed per second by `concurrency` workers calling `call` for `ms`, and this process's CPU time per call. */
async function throughput(concurrency: number, ms: number, call: () => Promise<unknown>): Promise<{ rate: number; cpuMicros: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let calls = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() - started < ms) {
        await call();
        calls++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { rate: calls / ((performance.now() - started) / 1000), cpuMicros: (used.user + used.system) / calls };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function benchClient(log: (line: string) => void = () => {}): Promise<ClientFigure[]> {
  const fake = await startFakeProcess();
  const image = makePng(640, 480);
  const version = fakeVersion(fake.region);
  // The bare client: what an application would write by hand, one AssumeRole up front and the SDK's defaults.
  const sts = new STSClient({ region: fake.region, endpoint: fake.endpoints.sts, credentials: fake.baseCredentials });
  const issued = (await sts.send(new AssumeRoleCommand({ RoleArn: FAKE_ROLE, RoleSessionName: "bench" }))).Credentials;
  sts.destroy();
  const bareClient = new RekognitionClient({
    region: fake.region,
    endpoint: fake.endpoints.rekognition,
    credentials: { accessKeyId: issued?.AccessKeyId ?? "", secretAccessKey: issued?.SecretAccessKey ?? "", sessionToken: issued?.SessionToken },
  });
  const model = ModelClient.fromEnvironment(FAKE_ENV, { region: fake.region, endpoints: fake.endpoints, baseCredentials: async () => fake.baseCredentials });
  const callBare = () => bareClient.send(new DetectCustomLabelsCommand({ ProjectVersionArn: version, Image: { Bytes: image } }));
  const callModel = () => model.detectLabels(image);
  const figures: ClientFigure[] = [];
  try {
    for (const concurrency of CONCURRENCY) {
      // Warm: parameters, credentials and one connection per worker for both.
      await Promise.all(Array.from({ length: concurrency }, () => Promise.all([callBare(), callModel()])));
      const bare: Array<{ rate: number; cpuMicros: number }> = [];
      const mine: Array<{ rate: number; cpuMicros: number }> = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const pair = [
          async () => bare.push(await throughput(concurrency, ROUND_MS, callBare)),
          async () => mine.push(await throughput(concurrency, ROUND_MS, callModel)),
        ];
        for (const run of round % 2 === 0 ? pair : pair.reverse()) await run();
        ratios.push(mine[round].rate / bare[round].rate);
      }
      const ratio = median(ratios);
      const rate = (runs: typeof bare) => median(runs.map((r) => r.rate)).toFixed(0);
      const cpu = (runs: typeof bare) => median(runs.map((r) => r.cpuMicros)).toFixed(0);
      const detail =
        `ModelClient ${rate(mine)} calls/s vs bare SDK ${rate(bare)} calls/s (round ratios ${Math.min(...ratios).toFixed(2)}-` +
        `${Math.max(...ratios).toFixed(2)}, ${ROUNDS} paired ${ROUND_MS} ms rounds); client CPU per call ${cpu(mine)} vs ${cpu(bare)} us`;
      log(`client c=${concurrency}: ratio ${ratio.toFixed(3)}; ${detail}`);
      figures.push({
        name: `client throughput / bare SDK, concurrency ${concurrency}`,
        ok: ratio >= TARGET_RATIO,
        measured: `ratio ${ratio.toFixed(2)}`,
        target: `>= ${TARGET_RATIO.toFixed(2)}`,
        detail,
      });
    }
    const counters = model.counters();
    log(`client counters: ${counters.parameters.lookups} GetParameters, ${counters.credentials.lookups} AssumeRole for ${counters.calls.succeeded} calls`);
  } finally {
    model.destroy();
    bareClient.destroy();
    await fake.stop();
  }
  return figures;
}

if (process.argv.includes(FAKE_FLAG)) {
  void serveFake();
} else if (require.main === module) {
  benchClient((line) => process.stderr.write(`${line}\n`)).then(
    (figures) => {
      for (const figure of figures) process.stdout.write(`${figure.ok ? "ok  " : "MISS"} ${figure.name.padEnd(52)} ${figure.measured} (target ${figure.target})  ${figure.detail}\n`);
      process.exit(figures.every((figure) => figure.ok) ? 0 : 1);
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
