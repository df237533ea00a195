import { availableParallelism } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { SimulationInput, SimulationOutcome } from "./simulator";
import type { WorkerRequest, WorkerResponse } from "./worker";

/**
 * Evaluates simulations on worker threads. iam-simulate spends about 1 ms (AssumeRole) to 3 ms (Rekognition
 * version ARNs) per request, much of it matching the resource ARN against the action's resource types; at 200
 * environments one thread needs some 20 s; the requests are independent, so the work splits cleanly.
 */

/** Below this many requests a single thread is faster than starting workers (each loads iam-simulate, and ts-node when run from the sources). */
export const PARALLEL_THRESHOLD = 2500;
const DEFAULT_BATCH_SIZE = 500;

export function defaultWorkerCount(requests: number): number {
  return requests < PARALLEL_THRESHOLD ? 1 : Math.max(1, Math.min(availableParallelism(), 4));
}

/** Source run by each worker: registers ts-node when modelshare runs from its TypeScript sources (the tests); the built CLI runs dist/ workers. */
const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
if (workerData.tsconfig) require("ts-node").register({ transpileOnly: true, project: workerData.tsconfig });
require(workerData.entry);
`;

function startWorker(): Worker {
  const fromSources = __filename.endsWith(".ts");
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: {
      entry: path.join(__dirname, `worker${path.extname(__filename)}`),
      tsconfig: fromSources ? path.resolve(__dirname, "..", "..", "tsconfig.json") : undefined,
    },
  });
}

export async function simulateInParallel(
  simulations: readonly SimulationInput[],
  workerCount: number,
  onProgress?: (done: number, total: number) => void,
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<SimulationOutcome[]> {
  const outcomes: SimulationOutcome[] = new Array(simulations.length);
  const batches = Array.from({ length: Math.ceil(simulations.length / batchSize) }, (_, i) => i);
  const workers = Array.from({ length: Math.min(workerCount, batches.length) }, startWorker);
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= batches.length) return resolve();
              const batch = batches[next++];
              worker.postMessage({ batch, simulations: simulations.slice(batch * batchSize, (batch + 1) * batchSize) } satisfies WorkerRequest);
            };
            worker.on("message", (response: WorkerResponse) => {
              if ("error" in response) return reject(new Error(`access matrix worker: ${response.error}`));
              response.outcomes.forEach((outcome, i) => (outcomes[response.batch * batchSize + i] = outcome));
              done += response.outcomes.length;
              onProgress?.(done, simulations.length);
              send();
            });
            worker.on("error", reject);
            worker.on("exit", (code) => (code !== 0 ? reject(new Error(`access matrix worker exited with code ${code}`)) : undefined));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes;
}
