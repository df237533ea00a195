import { loadSimulator, SimulationInput, SimulationOutcome, Simulator } from "../../src/matrix";

/**
 * The real simulator (iam-simulate), answering each distinct request once per test process. Its answer is a pure
 * function of the request, and the matrix specs ask the same requests again and again: every mutation test rebuilds
 * a whole matrix of which one policy changed. A request is keyed by its JSON; answers are frozen, so no caller can
 * change what the next one gets.
 */
let shared: Promise<Simulator> | undefined;

export function sharedSimulator(): Promise<Simulator> {
  shared ??= loadSimulator().then(memoized);
  return shared;
}

function memoized(simulator: Simulator): Simulator {
  const answers = new Map<string, Promise<SimulationOutcome>>();
  return {
    simulate(input: SimulationInput): Promise<SimulationOutcome> {
      const key = JSON.stringify(input);
      let answer = answers.get(key);
      if (answer === undefined) {
        answer = simulator.simulate(input).then(deepFreeze);
        answers.set(key, answer);
      }
      return answer;
    },
  };
}

/** Freezes a plain value and everything it holds; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
