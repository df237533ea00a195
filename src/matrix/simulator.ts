/**
 * The one place that touches @cloud-copilot/iam-simulate. It is AGPL-3.0 and a dev dependency only: it is loaded
 * with a dynamic import of a computed specifier, so neither the runtime dependency tree nor the type check needs
 * it, and a missing package is a clear error instead of a crash at start-up.
 */

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface NamedPolicy {
  readonly name: string;
  readonly policy: unknown;
}

/** The subset of iam-simulate's `Simulation` that the matrix uses. */
export interface SimulationInput {
  readonly request: {
    /** A session or user ARN, or iam-simulate's marker for an unsigned (anonymous) request. */
    readonly principal: string | { readonly type: "Anonymous" };
    readonly action: string;
    readonly resource: { readonly resource: string; readonly accountId: string };
    readonly contextVariables: Readonly<Record<string, string | readonly string[]>>;
  };
  readonly identityPolicies: readonly NamedPolicy[];
  /** One entry per level of the organization, root first, account last. */
  readonly serviceControlPolicies: readonly { readonly orgIdentifier: string; readonly policies: readonly NamedPolicy[] }[];
  readonly resourceControlPolicies: readonly never[];
  /** A session policy passed when the session was created: it can only narrow what the identity policies allow. */
  readonly sessionPolicy?: unknown;
  /** The trust policy, for sts:AssumeRole. */
  readonly resourcePolicy?: unknown;
  readonly vpcEndpointPolicies?: readonly NamedPolicy[];
}

/** A denial or grant as iam-simulate names it. */
export interface PolicyReference {
  readonly policyType: string;
  readonly policyIdentifier?: string;
  readonly orgIdentifier?: string;
  readonly statementId?: string;
  readonly statementIndex?: number;
  readonly denialType?: "Implicit" | "Explicit";
}

export interface SimulationOutcome {
  readonly decision: Decision;
  readonly grants: readonly PolicyReference[];
  readonly denials: readonly PolicyReference[];
  /** Set when the simulator refused the input (invalid policy, action or resource): the decision is then meaningless. */
  readonly error?: string;
}

export interface Simulator {
  simulate(input: SimulationInput): Promise<SimulationOutcome>;
}

/** The matrix cannot be built: the simulator is missing or broken. */
export class SimulatorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SimulatorUnavailableError";
  }
}

export const SIMULATOR_PACKAGE = "@cloud-copilot/iam-simulate";

// The parts of iam-simulate's API used here, typed loosely on purpose: see the module comment.
interface IamSimulateModule {
  runSimulation(simulation: unknown, options: Record<string, unknown>): Promise<RawResult>;
  getDenialReasons(analysis: unknown): PolicyReference[];
  getGrantReasons(analysis: unknown): PolicyReference[];
}

type RawResult =
  | { resultType: "error"; errors: { message: string } & Record<string, unknown> }
  | { resultType: "single"; overallResult: Decision; result: { analysis: unknown } }
  | { resultType: "wildcard"; overallResult: Decision; results: { analysis: unknown }[] };

function isModuleMissing(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/**
 * Loads iam-simulate. `importModule` exists for the tests (a missing package); it defaults to Node's dynamic import.
 */
export async function loadSimulator(importModule: (specifier: string) => Promise<unknown> = (specifier) => import(specifier)): Promise<Simulator> {
  let module: IamSimulateModule;
  try {
    module = (await importModule(SIMULATOR_PACKAGE)) as IamSimulateModule;
  } catch (error) {
    if (isModuleMissing(error)) {
      throw new SimulatorUnavailableError(
        `the access matrix needs ${SIMULATOR_PACKAGE}, which is not installed. It is a dev dependency (AGPL-3.0, kept out of ` +
          "modelshare's runtime dependencies): install the dev dependencies (`npm install`, or `npm ci` without --omit=dev) and run synth again.",
      );
    }
    throw new SimulatorUnavailableError(`${SIMULATOR_PACKAGE} could not be loaded: ${(error as Error).message}`);
  }
  if (typeof module.runSimulation !== "function" || typeof module.getDenialReasons !== "function") {
    throw new SimulatorUnavailableError(`${SIMULATOR_PACKAGE} has no runSimulation/getDenialReasons: an incompatible version is installed`);
  }
  return {
    async simulate(input) {
      const raw = await module.runSimulation(input, {});
      if (raw.resultType === "error") {
        const { message, ...details } = raw.errors;
        return { decision: "ImplicitlyDenied", grants: [], denials: [], error: `${message} ${JSON.stringify(details)}` };
      }
      const analyses = raw.resultType === "single" ? [raw.result.analysis] : raw.results.map((r) => r.analysis);
      return {
        decision: raw.overallResult,
        grants: raw.overallResult === "Allowed" ? analyses.flatMap((a) => module.getGrantReasons(a)) : [],
        denials: raw.overallResult === "Allowed" ? [] : analyses.flatMap((a) => module.getDenialReasons(a)),
      };
    },
  };
}
