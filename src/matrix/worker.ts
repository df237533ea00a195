import { parentPort } from "node:worker_threads";
import { loadSimulator, SimulationInput, SimulationOutcome } from "./simulator";

/**
 * A matrix worker: evaluates batches of simulations with its own iam-simulate and posts the outcomes back in the
 * same order. Started by ./parallel.ts; a failure is reported per batch instead of killing the thread silently.
 */
export interface WorkerRequest {
  readonly batch: number;
  readonly simulations: readonly SimulationInput[];
}

export type WorkerResponse = { readonly batch: number; readonly outcomes: readonly SimulationOutcome[] } | { readonly batch: number; readonly error: string };

const port = parentPort;
if (port) {
  const simulator = loadSimulator();
  port.on("message", async (request: WorkerRequest) => {
    try {
      const loaded = await simulator;
      const outcomes: SimulationOutcome[] = [];
      for (const simulation of request.simulations) outcomes.push(await loaded.simulate(simulation));
      port.postMessage({ batch: request.batch, outcomes } satisfies WorkerResponse);
    } catch (error) {
      port.postMessage({ batch: request.batch, error: (error as Error).message } satisfies WorkerResponse);
    }
  });
}
